"""rlcli: the command-line tool for Ray RLlib."""

__version__ = "0.1.0"
