"""Plain reads and writes of a Tune experiment directory that need neither Ray nor pickle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlcli.core.files import atomic_write
from rlcli.core.spec import ExperimentSpec
from rlcli.core.store.tune_state import state_files, trials_in_state

FINISHED = "TERMINATED"
#: Written beside a trial's results when its scheduler stopped it early (Tune keeps no record).
EARLY_STOP_MARKER = "rlcli_stopped_early.json"


def mark_stopped_early(trial_dir: str | Path, facts: dict[str, Any]) -> None:
    atomic_write(Path(trial_dir) / EARLY_STOP_MARKER, json.dumps(facts))


def stopped_early(trial_dir: str | Path) -> dict[str, Any] | None:
    """What :func:`mark_stopped_early` recorded for the trial (which scheduler, when), or None."""
    try:
        facts = json.loads((Path(trial_dir) / EARLY_STOP_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None


def has_experiment_state(exp_dir: Path) -> bool:
    return Path(exp_dir).is_dir() and bool(state_files(exp_dir))


def unfinished_trials(exp_dir: Path) -> list[str]:
    return [name for name, t in trials_in_state(exp_dir).items() if t.status != FINISHED]


def find_latest_experiment(spec: ExperimentSpec) -> str | None:
    """Name of the newest experiment under the storage path made for the same algo and env."""
    from rlcli.core.config.experiments import name_prefix

    root = Path(spec.storage_path)
    if not root.is_dir():
        return None
    prefix = name_prefix(spec.algorithm, spec.env)
    candidates = [d for d in root.iterdir() if d.name.startswith(prefix) and has_experiment_state(d)]
    if not candidates:
        return None
    return max(candidates, key=lambda d: state_files(d)[-1].stat().st_mtime).name
