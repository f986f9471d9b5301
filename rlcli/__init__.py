"""rlcli: the command-line tool for Ray RLlib, and the library behind it.

The commands are thin over the calls exported here (see :mod:`rlcli.api`, one example each):
``train``, ``train_request`` / ``plan`` (what ``--dry-run`` shows), ``rollout``, ``serve``,
``export``, ``best_checkpoint``, ``load_trials``, ``trial_table``, ``best_config``,
``export_trials``, ``plot``, ``compare``, ``examples`` / ``example``; and the typed requests the
calls also take (``RolloutRequest``, ``ServeRequest``, ...: each built and checked by its
``build``). Importing rlcli loads neither Ray nor torch; the calls do, when they need to (and the
request types load when first named).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
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
    from rlcli.core.rollout.request import RolloutRequest

__version__ = "0.1.0"

#: The request types, by the module that defines each (imported when first named).
_REQUEST_TYPES = {
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
    if name in _REQUEST_TYPES:
        return getattr(importlib.import_module(_REQUEST_TYPES[name]), name)
    raise AttributeError(f"module 'rlcli' has no attribute '{name}'")


__all__ = [
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
