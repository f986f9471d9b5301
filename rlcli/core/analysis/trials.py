"""Streaming reader of Tune experiment dirs: one pass over each trial's result.json, keeping only
the columns asked for. No Ray start, no ExperimentAnalysis, no unpickling."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlcli.core.errors import UsageError, did_you_mean
from rlcli.core.metrics import flatten, number
from rlcli.core.spec import EARLY_STOPPED
from rlcli.core.store.checkpoints import (
    ScoredTrial,
    Selection,
    best_over_trials,
    is_trial_dir,
    trial_dirs_under,
)
from rlcli.core.store.experiment_dir import stopped_early
from rlcli.core.store.rowscan import result_columns
from rlcli.core.store.tune_state import trials_in_state

BASE_COLUMNS = ("training_iteration", "num_env_steps_sampled_lifetime", "time_total_s")
PARALLEL_BYTES = 256 << 20  # below this, starting worker processes costs more than it saves


@dataclass
class TrialRecord:
    """One trial: identity, status, config and the selected columns of every result row."""

    name: str
    experiment: str
    path: Path
    status: str
    config: dict[str, Any]
    columns: dict[str, list[Any]]
    warnings: list[str] = field(default_factory=list)

    def values(self, metric: str) -> list[float | None]:
        return [number(v) for v in self.columns.get(metric, [])]

    def last(self, column: str) -> Any:
        col = self.columns.get(column) or []
        return col[-1] if col else None


def read_trial(trial_dir: Path, columns: tuple[str, ...], status: str = "?") -> TrialRecord:
    """Stream result.json; a truncated or corrupt line (a trial killed mid-write) is skipped with a warning."""
    record = TrialRecord(
        trial_dir.name, trial_dir.parent.name, trial_dir, status, _params(trial_dir), {c: [] for c in columns}
    )
    if not (trial_dir / "result.json").is_file():
        record.warnings.append(f"{trial_dir.name}: no result.json yet")
        return record
    for row in result_columns(trial_dir, columns, record.warnings.append):
        for column in columns:
            record.columns[column].append(row[column])
    return record


def _params(trial_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((trial_dir / "params.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def find_trial_dirs(path: str | Path) -> list[Path]:
    """An experiment dir, a parent folder of experiments, or one trial dir."""
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"'{path}' is not a directory.", "Pass an experiment directory (e.g. ~/ray_results/NAME).")
    if is_trial_dir(root):
        return [root]
    trials = trial_dirs_under(root)
    if not trials:
        raise UsageError(f"No Tune trials under '{path}'.", "Pass an experiment directory made by rlcli train or Tune.")
    return trials


def load_trials(path: str | Path, metric: str, base: tuple[str, ...] = BASE_COLUMNS) -> list[TrialRecord]:
    """All trials under ``path`` with ``metric`` and the ``base`` columns; errors on an unknown metric."""
    columns = tuple(dict.fromkeys((*base, metric)))
    states: dict[Path, dict[str, Any]] = {}  # one state-file lookup per experiment, not per trial
    jobs = []
    for trial_dir in find_trial_dirs(path):
        if trial_dir.parent not in states:
            states[trial_dir.parent] = trials_in_state(trial_dir.parent)
        state = states[trial_dir.parent].get(trial_dir.name)
        status = (state.status if state else None) or "?"
        jobs.append((trial_dir, columns, EARLY_STOPPED if stopped_early(trial_dir) else status))
    records = read_trials(jobs)
    if not any(v is not None for r in records for v in r.values(metric)):
        raise UsageError(f"No trial reports the metric '{metric}'.", _metric_hint(records[0].path, metric))
    return records


def read_trials(jobs: list[tuple[Path, tuple[str, ...], str]]) -> list[TrialRecord]:
    """``read_trial`` for each job; a big experiment is read by one process per core (the scan
    is CPU-bound), the jobs dealt out by size so the shards finish together."""
    sizes = [_result_size(trial_dir) for trial_dir, _, _ in jobs]
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
    if workers < 2 or sum(sizes) < PARALLEL_BYTES:
        return [read_trial(*job) for job in jobs]
    shards: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for i in sorted(range(len(jobs)), key=lambda i: -sizes[i]):
        k = loads.index(min(loads))
        shards[k].append(i)
        loads[k] += sizes[i]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
        futures = [pool.submit(_read_shard, [jobs[i] for i in shard]) for shard in shards[1:]]
        results = dict(zip(shards[0], _read_shard([jobs[i] for i in shards[0]]), strict=True))  # this process
        for shard, future in zip(shards[1:], futures, strict=True):
            results.update(zip(shard, future.result(), strict=True))
    return [results[i] for i in range(len(jobs))]


def _read_shard(jobs: list[tuple[Path, tuple[str, ...], str]]) -> list[TrialRecord]:
    return [read_trial(*job) for job in jobs]


def _result_size(trial_dir: Path) -> int:
    try:
        return (trial_dir / "result.json").stat().st_size
    except OSError:
        return 0


def _metric_hint(trial_dir: Path, metric: str) -> str:
    try:
        with open(trial_dir / "result.json", encoding="utf-8") as fh:
            first = json.loads(fh.readline())
    except (OSError, json.JSONDecodeError):
        return "The trials have no readable results yet."
    names = sorted(k for k, v in flatten(first).items() if number(v) is not None and not k.startswith("config/"))
    close = did_you_mean(metric, names)
    shown = ", ".join(n for n in names if "return" in n or n in BASE_COLUMNS) or ", ".join(names[:12])
    return (close + " " if close else "") + f"Metrics that exist include: {shown}."


def score(record: TrialRecord, metric: str, mode: str, scope: str) -> float | None:
    """A trial's score: best over all rows, the last row, or the mean of the last N (``avg-last-N``)."""
    values = [v for v in record.values(metric) if v is not None]
    if not values:
        return None
    if scope == "last":
        return values[-1]
    if scope.startswith("avg-last-"):
        n = int(scope.rsplit("-", 1)[1])
        return sum(values[-n:]) / len(values[-n:])
    return max(values) if mode == "max" else min(values)


def varied_keys(records: list[TrialRecord]) -> list[str]:
    """Config keys whose values differ between trials: the searched hyperparameters."""
    flat = [flatten(r.config) for r in records]
    keys = sorted({k for f in flat for k in f})
    return [k for k in keys if len({json.dumps(f.get(k), sort_keys=True, default=str) for f in flat}) > 1]


@dataclass(frozen=True)
class BestCheckpoint:
    """The answer of ``analyze best-checkpoint``, with what the user should know about it."""

    trial: str
    path: str
    iteration: int | None
    metric: str
    value: float | None
    note: str | None


def best_checkpoint_of_trials(records: list[TrialRecord], metric: str, mode: str, scope: str) -> BestCheckpoint:
    """Scope ``all``: the checkpoint whose own result is best over every trial. ``last`` /
    ``avg-last-N``: the best trial by that score, then its best checkpoint (as Tune ranks trials)."""
    sel = Selection(metric=metric, mode=mode)
    sign = 1.0 if mode == "max" else -1.0
    pool = records
    if scope != "all":
        scored = [(score(r, metric, mode, scope), r) for r in records]
        known = [(s, r) for s, r in scored if s is not None]
        pool = [max(known, key=lambda item: sign * item[0])[1]] if known else []
    trials = [
        ScoredTrial(r.path, dict(zip(r.columns["training_iteration"], r.values(metric), strict=True))) for r in pool
    ]
    found = best_over_trials(trials, sel)
    if found is None:
        raise UsageError(f"No checkpoint on disk has a reported {metric}.", "Train with --checkpoint-freq N.")
    ref, index = found
    record = pool[index]
    return BestCheckpoint(
        record.name, str(ref.path), ref.iteration, metric, ref.value, _missed_note(pool, metric, mode, record, ref)
    )


def _missed_note(records: list[TrialRecord], metric: str, mode: str, chosen: TrialRecord, ref: Any) -> str | None:
    """Say so when a better reported result (in any trial considered) has no checkpoint on disk:
    deleted by keep_checkpoints_num, or never saved. Tune would pick that trial's checkpoint."""
    rows = [
        (v, it, r)
        for r in records
        for v, it in zip(r.values(metric), r.columns["training_iteration"], strict=True)
        if v is not None
    ]
    if not rows:
        return None
    best_value, best_iteration, best_record = (max if mode == "max" else min)(rows, key=lambda item: item[0])
    if best_value == ref.value or (best_record is chosen and best_iteration == ref.iteration):
        return None
    where = "the trial's" if best_record is chosen else f"trial {best_record.name}'s"
    return (
        f"{where} best result ({metric} = {best_value:g} at iteration {best_iteration}) has no checkpoint "
        f"on disk; this is the best checkpointed one"
    )
