"""Tune's ResultGrid → typed per-trial summaries for the end-of-run report."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from rlcli.core import remote_storage
from rlcli.core.analysis.trials import read_trial
from rlcli.core.errors import UsageError
from rlcli.core.metrics import number, pick
from rlcli.core.spec import DEFAULT_METRIC, EARLY_STOPPED, ExperimentSpec, TrialSummary
from rlcli.core.store.checkpoints import Selection, locate
from rlcli.core.store.experiment_dir import stopped_early


def best_checkpoint_path(path: str | Path, spec: ExperimentSpec) -> str | None:
    """The best checkpoint on disk under a trial or experiment dir by the experiment's checkpoint
    score (default: the return), with the same rule ``rollout`` and ``analyze best-checkpoint``
    use (:func:`rlcli.core.store.checkpoints.locate`); None when there is none."""
    selection = Selection(metric=spec.checkpoint.score_attr or DEFAULT_METRIC, mode=spec.checkpoint.score_order)
    try:
        found = locate(path, selection).path
    except UsageError:
        return None
    return remote_storage.to_uri(found, spec.location) if spec.remote else str(found)  # remote: not the mirror


def summarize_result(result: Any, spec: ExperimentSpec) -> TrialSummary:
    """One Tune ``Result`` as the summary's row: its best return over every reported row (not
    only the last), its best checkpoint on disk, and its error in one line."""
    metrics = result.metrics or {}
    last_return = number(pick(metrics, DEFAULT_METRIC))
    trial_dir = _local_trial_dir(result.path, spec)
    history = _returns(trial_dir)
    return TrialSummary(
        name=os.path.basename(result.path.rstrip("/")) if result.path else "?",
        status=_status(result, metrics, trial_dir),
        iterations=int(metrics.get("training_iteration", 0) or 0),
        env_steps=int(metrics.get("num_env_steps_sampled_lifetime", 0) or 0),
        best_return=max(history) if history else last_return,
        last_return=last_return,
        best_checkpoint=best_checkpoint_path(trial_dir, spec) if trial_dir else None,
        error_file=_error_file(result, trial_dir),
        error=_first_line(result.error) if result.error is not None else None,
    )


def _local_trial_dir(path: str | None, spec: ExperimentSpec) -> str | None:
    """The trial's dir to read: Tune's path, or with remote storage (where Tune's is a bucket
    path) the trial's place in the experiment's local mirror."""
    if not path:
        return None
    return str(spec.path / os.path.basename(path.rstrip("/"))) if spec.remote else path


def _returns(trial_path: str | None) -> list[float]:
    if not trial_path:
        return []
    return [v for v in read_trial(Path(trial_path), (DEFAULT_METRIC,)).values(DEFAULT_METRIC) if v is not None]


def _status(result: Any, metrics: dict[str, Any], trial_dir: str | None) -> str:
    if result.error is not None:
        return "ERROR"
    if trial_dir and stopped_early(trial_dir):
        return EARLY_STOPPED
    return "TERMINATED" if metrics.get("done") else "STOPPED"


def _error_file(result: Any, trial_dir: str | None) -> str | None:
    if result.error is None or not trial_dir:
        return None
    candidate = os.path.join(trial_dir, "error.txt")
    return candidate if os.path.exists(candidate) else None


_EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Interrupt)\b(?:\(.*?\))?: \S")


def _first_line(error: BaseException) -> str:
    """The most telling line of a trial's error: the last ``SomeError: message`` in the chain
    (RLlib re-raises env crashes as a bare ``RuntimeError``), else the last line."""
    text = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    with_message = [line for line in text if _EXCEPTION_LINE.match(line)]
    line = with_message[-1] if with_message else (text[-1] if text else type(error).__name__)
    return line[:300]


def summarize_grid(grid: Any, spec: ExperimentSpec) -> tuple[TrialSummary, ...]:
    return tuple(sorted((summarize_result(r, spec) for r in grid), key=lambda t: t.name))
