"""Tune experiment directories read without Ray and without unpickling: experiment state,
result rows, checkpoints and their index, and the one-writer lock. Imports the base, ``legacy``,
``rllib`` and ``config``."""
