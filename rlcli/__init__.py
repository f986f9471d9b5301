"""rlcli: the command-line tool for Ray RLlib, and the library behind it.

The commands are thin over the calls exported here (see :mod:`rlcli.api`): ``train``,
``train_request`` / ``plan`` (what ``--dry-run`` shows), ``rollout``, ``best_checkpoint``,
``load_trials``, ``export``. Importing rlcli loads neither Ray nor torch; the calls do, when they need to.

``rlcli.AgentToModule`` is the policy mapping a YAML file can name (``policy_mapping_fn: {type:
rlcli.AgentToModule, mapping: {a0: p0}}``): its import path is part of the library face.
"""

from rlcli.api import best_checkpoint, export, load_trials, plan, rollout, train, train_request
from rlcli.core.rllib.multiagent import AgentToModule

__version__ = "0.1.0"
__all__ = ["AgentToModule", "best_checkpoint", "export", "load_trials", "plan", "rollout", "train", "train_request"]
