"""Tune's ResultGrid → typed per-trial summaries for the end-of-run report."""

from __future__ import annotations

import math
import os
from typing import Any

from rlcli.core.spec import DEFAULT_METRIC, ExperimentSpec, TrialSummary
from rlcli.core.stopping import flatten


def _value(metrics: dict[str, Any] | None, key: str) -> float | None:
    if not metrics:
        return None
    value = flatten(metrics).get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
        return float(value)
    return None


def best_checkpoint(result: Any, metric: str, order: str) -> str | None:
    """Among the checkpoints Tune kept, the one whose own result scored best; else the latest."""
    scored = [(ck, _value(m, metric)) for ck, m in (result.best_checkpoints or [])]
    scored = [(ck, v) for ck, v in scored if v is not None]
    if scored:
        pick = max if order == "max" else min
        return pick(scored, key=lambda item: item[1])[0].path
    return result.checkpoint.path if result.checkpoint else None


def _history(result: Any, metric: str) -> list[float]:
    frame = result.metrics_dataframe
    if frame is None or metric not in frame:
        return []
    return [float(v) for v in frame[metric].tolist() if isinstance(v, (int, float)) and not math.isnan(v)]


def summarize_result(result: Any, spec: ExperimentSpec) -> TrialSummary:
    metrics = result.metrics or {}
    history = _history(result, DEFAULT_METRIC)
    error_file = None
    if result.error is not None and result.path:
        candidate = os.path.join(result.path, "error.txt")
        error_file = candidate if os.path.exists(candidate) else None
    return TrialSummary(
        name=os.path.basename(result.path.rstrip("/")) if result.path else "?",
        status="ERROR" if result.error is not None else ("TERMINATED" if metrics.get("done") else "STOPPED"),
        iterations=int(metrics.get("training_iteration", 0) or 0),
        env_steps=int(metrics.get("num_env_steps_sampled_lifetime", 0) or 0),
        best_return=max(history) if history else _value(metrics, DEFAULT_METRIC),
        last_return=_value(metrics, DEFAULT_METRIC),
        best_checkpoint=best_checkpoint(
            result, spec.checkpoint.score_attr or DEFAULT_METRIC, spec.checkpoint.score_order
        ),
        error_file=error_file,
        error=_first_line(result.error) if result.error is not None else None,
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[-1] if text else type(error).__name__)[:300]


def summarize_grid(grid: Any, spec: ExperimentSpec) -> tuple[TrialSummary, ...]:
    return tuple(sorted((summarize_result(r, spec) for r in grid), key=lambda t: t.name))
