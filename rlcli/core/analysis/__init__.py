"""Answers from experiment directories: trial records, the best checkpoint (the one rule the
training summary, ``rollout`` and ``analyze`` share), curves and plots, the best config, export,
and the typed requests of these questions. Imports everything up to ``store``."""
