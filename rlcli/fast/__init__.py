"""RLlib pieces rlcli puts in place of RLlib's stock ones where a profile showed those to be the
cost, each plugged in through RLlib's own extension points (a Catalog, a replay buffer class, a
Learner) and each tested against the stock piece on the same data (tests/integration/test_fast_pieces.py).

Importing this package imports neither Ray nor torch; its modules import RLlib and are named by
import path in the config a trial builds (``rl_module_spec.catalog_class``, ...).
:func:`rlcli.core.rllib.fast_defaults.apply` decides where they are used and how to turn them off.
"""

from __future__ import annotations
