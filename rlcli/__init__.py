"""rlcli: the command-line tool for Ray RLlib, and the library behind it.

The commands are thin over the calls exported here (see :mod:`rlcli.api`, one example each):
``train``, ``train_request`` / ``plan`` (what ``--dry-run`` shows), ``rollout``, ``serve``,
``export``, ``best_checkpoint``, ``load_trials``, ``trial_table``, ``best_config``,
``export_trials``, ``plot``, ``compare``, ``examples`` / ``example``; and the typed requests the
calls also take (``RolloutRequest``, ``ServeRequest``, ...: each built and checked by its
``build``). Importing rlcli loads neither Ray nor torch; the calls do, when they need to.
Every name is looked up on first use, so ``rlcli --help`` imports none of them.

``rlcli.AgentToModule`` is the policy mapping a YAML file can name (``policy_mapping_fn: {type:
rlcli.AgentToModule, mapping: {a0: p0}}``): its import path is part of the library face.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rlcli.api import (
        best_checkpoint,
        best_config,
        compare,
        example,
        examples,
        export,
        export_trials,
        load_trials,
        plan,
        plot,
        rollout,
        serve,
        train,
        train_request,
        trial_table,
    )
    from rlcli.core.analysis.requests import (
        BestCheckpointRequest,
        BestConfigRequest,
        CompareRequest,
        PlotRequest,
        TrialExportRequest,
    )
    from rlcli.core.analysis.table import TableQuery
    from rlcli.core.config.examples import ExamplesQuery
    from rlcli.core.deploy.serve_request import ServeRequest
    from rlcli.core.rllib.multiagent import AgentToModule
    from rlcli.core.rollout.request import RolloutRequest

__version__ = "0.1.0"

#: Where each name that is not a call of :mod:`rlcli.api` is defined.
_DEFINED_IN = {
    "AgentToModule": "rlcli.core.rllib.multiagent",
    "RolloutRequest": "rlcli.core.rollout.request",
    "ServeRequest": "rlcli.core.deploy.serve_request",
    "BestCheckpointRequest": "rlcli.core.analysis.requests",
    "BestConfigRequest": "rlcli.core.analysis.requests",
    "TrialExportRequest": "rlcli.core.analysis.requests",
    "PlotRequest": "rlcli.core.analysis.requests",
    "CompareRequest": "rlcli.core.analysis.requests",
    "TableQuery": "rlcli.core.analysis.table",
    "ExamplesQuery": "rlcli.core.config.examples",
}


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(_DEFINED_IN.get(name, "rlcli.api")), name)
    raise AttributeError(f"module 'rlcli' has no attribute {name!r}")


__all__ = [
    "AgentToModule",
    "BestCheckpointRequest",
    "BestConfigRequest",
    "CompareRequest",
    "ExamplesQuery",
    "PlotRequest",
    "RolloutRequest",
    "ServeRequest",
    "TableQuery",
    "TrialExportRequest",
    "best_checkpoint",
    "best_config",
    "compare",
    "example",
    "examples",
    "export",
    "export_trials",
    "load_trials",
    "plan",
    "plot",
    "rollout",
    "serve",
    "train",
    "train_request",
    "trial_table",
]
