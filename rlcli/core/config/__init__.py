"""What the user typed → ``ExperimentSpec``: YAML/JSON and Python config files, ``KEY=VALUE``
overrides and their precedence, stop criteria, offline data inputs (checked, zips unpacked),
tuned examples, ``rlcli migrate`` and the saved spec file. Imports the base, ``legacy`` and ``rllib``."""
