"""The plain, testable core of rlcli: no click, and Ray only inside the functions that need it."""
