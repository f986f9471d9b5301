"""Tune's ResultGrid → typed per-trial summaries for the end-of-run report."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from rlcli.core.analysis.trials import read_trial
from rlcli.core.metrics import number, pick
from rlcli.core.spec import DEFAULT_METRIC, ExperimentSpec, TrialSummary


def best_checkpoint(result: Any, metric: str, order: str) -> str | None:
    """Among the checkpoints Tune kept, the one whose own result scored best; else the latest."""
    scored = [(ck, number(pick(m or {}, metric))) for ck, m in (result.best_checkpoints or [])]
    known = [(ck, v) for ck, v in scored if v is not None]
    if known:
        choose = max if order == "max" else min
        return choose(known, key=lambda item: item[1])[0].path
    return result.checkpoint.path if result.checkpoint else None


def summarize_result(result: Any, spec: ExperimentSpec) -> TrialSummary:
    metrics = result.metrics or {}
    history = []
    if result.path:
        history = [v for v in read_trial(Path(result.path), (DEFAULT_METRIC,)).values(DEFAULT_METRIC) if v is not None]
    error_file = None
    if result.error is not None and result.path:
        candidate = os.path.join(result.path, "error.txt")
        error_file = candidate if os.path.exists(candidate) else None
    return TrialSummary(
        name=os.path.basename(result.path.rstrip("/")) if result.path else "?",
        status="ERROR" if result.error is not None else ("TERMINATED" if metrics.get("done") else "STOPPED"),
        iterations=int(metrics.get("training_iteration", 0) or 0),
        env_steps=int(metrics.get("num_env_steps_sampled_lifetime", 0) or 0),
        best_return=max(history) if history else number(pick(metrics, DEFAULT_METRIC)),
        last_return=number(pick(metrics, DEFAULT_METRIC)),
        best_checkpoint=best_checkpoint(
            result, spec.checkpoint.score_attr or DEFAULT_METRIC, spec.checkpoint.score_order
        ),
        error_file=error_file,
        error=_first_line(result.error) if result.error is not None else None,
    )


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
