"""Evaluating a checkpoint: its request and result types, the RLModule fast path, RLlib's own
EnvRunner path, fair episode quotas, writers for ``--out`` and videos. Imports everything up to
``analysis``; never ``train``."""
