"""rlcli: the command-line tool for Ray RLlib, and the library behind it.

The commands are thin over the calls exported here (see :mod:`rlcli.api`): ``train``,
``train_request`` / ``plan`` (what ``--dry-run`` shows), ``rollout``, ``best_checkpoint``,
``load_trials``, ``export``. Importing rlcli loads neither Ray nor torch; the calls do, when they need to.
The calls are looked up in :mod:`rlcli.api` on first use, so ``rlcli --help`` does not import it.

``rlcli.AgentToModule`` is the policy mapping a YAML file can name (``policy_mapping_fn: {type:
rlcli.AgentToModule, mapping: {a0: p0}}``): its import path is part of the library face.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rlcli.api import best_checkpoint, export, load_trials, plan, rollout, train, train_request
    from rlcli.core.rllib.multiagent import AgentToModule

__version__ = "0.1.0"

__all__ = ["AgentToModule", "best_checkpoint", "export", "load_trials", "plan", "rollout", "train", "train_request"]

#: The module that defines each exported name (imported on first use); the rest come from rlcli.api.
_DEFINED_IN = {"AgentToModule": "rlcli.core.rllib.multiagent"}


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(_DEFINED_IN.get(name, "rlcli.api")), name)
    raise AttributeError(f"module 'rlcli' has no attribute {name!r}")
