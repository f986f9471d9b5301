"""Find the checkpoint a user means: a checkpoint dir, a trial dir (its best or last checkpoint),
or an experiment dir (the best trial's best checkpoint). Shared by ``rollout`` and ``analyze``.

Reads only plain files (result.json, rlcli's checkpoint index, directory listings); never
unpickles anything.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from rlcli.core.errors import UsageError
from rlcli.core.legacy.translate import migrate_metric
from rlcli.core.metrics import number
from rlcli.core.spec import DEFAULT_METRIC
from rlcli.core.store.checkpoint_index import read_rows
from rlcli.core.store.rowscan import result_columns

CHECKPOINT_MARKER = "rllib_checkpoint.json"
EVAL_METRIC = "evaluation/env_runners/episode_return_mean"


@dataclass(frozen=True)
class CheckpointRef:
    """A chosen checkpoint and why it was chosen."""

    path: Path
    trial_dir: Path | None
    iteration: int | None
    metric: str | None
    value: float | None
    reason: str


def is_checkpoint(path: Path) -> bool:
    return (path / CHECKPOINT_MARKER).is_file() or (path / "learner_group").is_dir() or is_pre_marker_checkpoint(path)


def is_pre_marker_checkpoint(path: Path) -> bool:
    """A checkpoint of Ray 1.x/2.0, before ``rllib_checkpoint.json``: a ``checkpoint-N`` file
    (with its ``.tune_metadata``) or Tune's ``.is_checkpoint`` marker."""
    if not path.is_dir():
        return False
    if (path / ".is_checkpoint").is_file():
        return True
    return any(p.name.startswith("checkpoint-") and p.is_file() for p in path.iterdir())


def old_stack_problem(ckpt: Path) -> str | None:
    """Why Ray 2.60 cannot load the checkpoint ``ckpt`` (None: a new-API-stack one), naming the
    Ray that wrote it: ``rllib_checkpoint.json``'s ``ray_version`` where there is one. New-stack
    checkpoints (Ray >= 2.10) hold ``learner_group/``; old-stack ones ``policies/`` or, before
    Ray 2.1, a ``checkpoint-N`` file and its ``.tune_metadata``."""
    marker = ckpt / CHECKPOINT_MARKER
    if not marker.is_file():
        if is_pre_marker_checkpoint(ckpt):
            files = sorted(p.name for p in ckpt.iterdir() if p.name.startswith("checkpoint-") and "." not in p.name)
            what = f"{files[0]} file" if files else "checkpoint"
            return f"Checkpoint '{ckpt}' is a Ray 1.x/2.0-era {what} (RLlib's old API stack)"
        return None
    if (ckpt / "learner_group").is_dir():
        return None
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError):
        return None  # the loader says it is corrupted
    version = meta.get("ray_version") if isinstance(meta, dict) else None
    era = f"Ray {version}" if version else f"an old Ray, checkpoint format {meta.get('checkpoint_version', '?')}"
    return f"Checkpoint '{ckpt}' comes from RLlib's old API stack ({era})"


def containing_checkpoint(path: Path) -> Path | None:
    """The checkpoint dir a file lies in (``.../checkpoint_000001/algorithm_state.pkl``, as old
    docs pass it, or a file deeper inside), or None."""
    for parent in path.parents:
        if is_checkpoint(parent):
            return parent
        if is_trial_dir(parent):
            return None
    return None


def is_trial_dir(path: Path) -> bool:
    return (path / "params.json").is_file() or (path / "result.json").is_file()


def checkpoints_of(trial_dir: Path) -> list[Path]:
    """The trial's checkpoint dirs that still exist, oldest first."""
    return sorted(p for p in trial_dir.glob("checkpoint_*") if p.is_dir())


def read_result_rows(trial_dir: Path, keys: tuple[str, ...]) -> list[dict[str, object]]:
    """The values at ``keys`` (``a/b`` paths) of every readable result row of one trial."""
    return list(result_columns(trial_dir, keys))


def _from_index(trial_dir: Path) -> dict[str, int]:
    return {
        row.checkpoint: row.training_iteration for row in read_rows(trial_dir) if row.training_iteration is not None
    }


def _from_file_times(trial_dir: Path) -> dict[str, int]:
    """Last resort: the row reported just before each checkpoint's modification time."""
    rows = read_result_rows(trial_dir, ("training_iteration", "timestamp"))
    mapping = {}
    for ckpt in checkpoints_of(trial_dir):
        mtime = ckpt.stat().st_mtime
        before = [r for r in rows if isinstance(r["timestamp"], (int, float)) and r["timestamp"] <= mtime + 1]
        if before:
            iteration = before[-1]["training_iteration"]
            if isinstance(iteration, (int, float)):
                mapping[ckpt.name] = int(iteration)
    return mapping


def checkpoint_iterations(trial_dir: Path) -> dict[str, int]:
    """``{checkpoint_dir_name: training_iteration}``: from rlcli's plain-JSON index; else from the
    checkpoint manager Tune keeps in experiment_state (decoded, never unpickled); else by file times."""
    from rlcli.core.store.tune_state import trials_in_state

    mapping = _from_index(trial_dir)
    if mapping:
        return mapping
    state = trials_in_state(trial_dir.parent).get(trial_dir.name)
    return (state.checkpoints if state else {}) or _from_file_times(trial_dir)


def resolve_metric(metric: str | None) -> str:
    """The metric a user names → the result key: the default return when none is given,
    ``eval`` for the evaluation return, legacy names translated. Every command that ranks
    checkpoints or trials reads ``--metric`` through this."""
    if not metric:
        return DEFAULT_METRIC
    if metric == "eval":
        return EVAL_METRIC
    return migrate_metric(metric)[0]


@dataclass(frozen=True)
class Selection:
    """Which checkpoint of a trial or experiment: the best by ``metric`` (``mode``) or the last."""

    which: str = "best"
    metric: str = DEFAULT_METRIC
    mode: str = "max"

    def __post_init__(self) -> None:
        if self.which not in ("best", "last"):
            raise UsageError(f"--which '{self.which}' is not one of best, last.")
        check_mode(self.mode)
        object.__setattr__(self, "metric", resolve_metric(self.metric))


def check_mode(mode: str) -> None:
    """``--mode``: whether the best of a metric is its largest or its smallest value."""
    if mode not in ("max", "min"):
        raise UsageError(f"--mode '{mode}' is not one of max, min.")


@dataclass(frozen=True)
class ScoredTrial:
    """A trial's reported ``metric`` by iteration: what choosing its checkpoints needs."""

    path: Path
    values: dict[int, float | None]


def metric_by_iteration(trial_dir: Path, metric: str) -> dict[int, float | None]:
    rows = read_result_rows(trial_dir, ("training_iteration", metric))
    return {r["training_iteration"]: number(r[metric]) for r in rows}  # type: ignore[misc]


def best_in_trial(
    trial_dir: Path, sel: Selection, values: dict[int, float | None] | None = None
) -> CheckpointRef | None:
    """The trial's best checkpoint on disk by its own reported ``sel.metric`` (or its latest)."""
    existing = checkpoints_of(trial_dir)
    if not existing:
        return None
    iterations = checkpoint_iterations(trial_dir)
    if sel.which == "last":
        last = existing[-1]
        return CheckpointRef(last, trial_dir, iterations.get(last.name), None, None, "the trial's latest checkpoint")
    metric = sel.metric
    values = metric_by_iteration(trial_dir, metric) if values is None else values
    scored = []
    for ckpt in existing:
        iteration = iterations.get(ckpt.name)
        value = values.get(iteration) if iteration is not None else None
        if value is not None:
            scored.append((value, ckpt, iteration))
    if not scored:
        last = existing[-1]
        return CheckpointRef(
            last, trial_dir, None, metric, None, f"no checkpoint has a reported {metric}; using the latest"
        )
    pick = max if sel.mode == "max" else min
    value, ckpt, iteration = pick(scored, key=lambda item: item[0])
    reason = f"best {metric} ({sel.mode}) among the trial's {len(existing)} checkpoint(s) on disk"
    return CheckpointRef(ckpt, trial_dir, iteration, metric, value, reason)


def trial_dirs_under(path: Path) -> list[Path]:
    """Trial dirs directly under an experiment dir, or one level deeper (a folder of experiments)."""
    direct = sorted(p for p in path.iterdir() if p.is_dir() and is_trial_dir(p))
    if direct:
        return direct
    return sorted(q for p in path.iterdir() if p.is_dir() for q in p.iterdir() if q.is_dir() and is_trial_dir(q))


def locate(path: str | os.PathLike[str], sel: Selection | None = None) -> CheckpointRef:
    """The checkpoint ``path`` points at, directly or through a trial or experiment dir."""
    sel = sel or Selection()
    root = Path(path).expanduser().resolve()
    if not root.exists():
        raise UsageError(f"'{path}' does not exist.", "Pass a checkpoint, trial or experiment directory.")
    if not root.is_dir():
        holder = containing_checkpoint(root)
        if holder is None:
            raise UsageError(
                f"'{path}' is a file, not in a checkpoint directory.",
                "Pass a checkpoint, trial or experiment directory.",
            )
        root = holder
    if is_checkpoint(root):
        trial = root.parent if is_trial_dir(root.parent) else None
        iteration = checkpoint_iterations(trial).get(root.name) if trial else None
        return CheckpointRef(root, trial, iteration, None, None, "the checkpoint given")
    if is_trial_dir(root):
        found = best_in_trial(root, sel)
        if found is None:
            raise UsageError(
                f"Trial '{root}' has no checkpoint.", "Train with --checkpoint-freq N or --checkpoint-at-end."
            )
        return found
    trials = trial_dirs_under(root)
    if not trials:
        raise UsageError(f"'{path}' is not a checkpoint, trial or experiment directory.", "Check the path.")
    return _best_over_trials(root, trials, sel)


def best_over_trials(trials: list[ScoredTrial], sel: Selection) -> tuple[CheckpointRef, int] | None:
    """The best checkpoint on disk over ``trials``, by each checkpoint's own reported metric, and
    the index of its trial; ties go to the earlier trial, as in Tune. The one rule behind the
    training summary, ``rollout EXP`` and ``analyze best-checkpoint``.

    Trials are tried in order of their best reported row: a trial's checkpoints cannot beat that,
    so once it cannot beat the best checkpoint found, no later trial can. That spares reading
    the checkpoint map of most trials of a big sweep."""
    sign = 1.0 if sel.mode == "max" else -1.0
    # Ranks compare as tuples: a better value first, then the earlier trial (a smaller index).
    bounds = {i: (sign * b, -i) for i, t in enumerate(trials) if (b := _best_value(t.values, sel.mode)) is not None}
    best: tuple[tuple[float, int], CheckpointRef] | None = None
    for i in sorted(bounds, key=bounds.__getitem__, reverse=True):
        if best is not None and bounds[i] < best[0]:
            break
        ref = best_in_trial(trials[i].path, sel, trials[i].values)
        if ref is not None and ref.value is not None and (best is None or (sign * ref.value, -i) > best[0]):
            best = ((sign * ref.value, -i), ref)
    return (best[1], -best[0][1]) if best is not None else None


def _best_value(values: dict[int, float | None], mode: str) -> float | None:
    known = [v for v in values.values() if v is not None]
    return (max(known) if mode == "max" else min(known)) if known else None


def _best_over_trials(root: Path, trials: list[Path], sel: Selection) -> CheckpointRef:
    if sel.which == "best":
        found = best_over_trials([ScoredTrial(t, metric_by_iteration(t, sel.metric)) for t in trials], sel)
        if found is not None:
            ref = found[0]
            reason = f"best {ref.metric} ({sel.mode}) over {len(trials)} trial(s)' checkpoints on disk"
            return CheckpointRef(ref.path, ref.trial_dir, ref.iteration, ref.metric, ref.value, reason)
        if sel.metric != DEFAULT_METRIC:
            raise UsageError(
                f"No checkpoint under '{root}' has a reported {sel.metric}.",
                "Check --metric (rlcli analyze trials EXP --columns METRIC shows what was reported).",
            )
    newest = [c[-1] for c in (checkpoints_of(t) for t in trials) if c]
    if not newest:
        raise UsageError(
            f"No trial under '{root}' has a checkpoint.", "Train with --checkpoint-freq N or --checkpoint-at-end."
        )
    latest = max(newest, key=lambda c: c.stat().st_mtime)
    iteration = checkpoint_iterations(latest.parent).get(latest.name)
    return CheckpointRef(
        latest, latest.parent, iteration, None, None, f"the newest checkpoint of {len(trials)} trial(s)"
    )
