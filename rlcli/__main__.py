"""Allow ``python -m rlcli``."""

from rlcli.cli import main

if __name__ == "__main__":
    main()
