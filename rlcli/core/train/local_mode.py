"""``--local-mode`` / ``--no-tune``: one trial run inside the rlcli process (placeholder)."""

from __future__ import annotations

from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.spec import ExperimentResult, TrainRequest


def run_local(request: TrainRequest, sink: Any, notice: Any) -> list[ExperimentResult]:
    raise UsageError("--local-mode is not built yet.", "Drop --local-mode.")
