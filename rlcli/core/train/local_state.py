"""The experiment state file a ``--local-mode`` run writes: Tune's shape
(``experiment_state-<session>.json`` with ``{"trial_data": [[trial, runtime]], ...}``), which
rlcli's store reads for the trial's status, marked as rlcli's own so a Tune ``--resume`` can
tell it apart (Tune itself cannot resume it: it has no ``tuner.pkl``). Written and read here
only; plain JSON, no Ray."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.files import atomic_write
from rlcli.core.spec import ExperimentSpec
from rlcli.core.store.tune_state import state_files

#: Marks a state file written here (``runner_data``), so a Tune ``--resume`` can say what to do.
LOCAL_MODE_MARK = "rlcli_local_mode"
#: What Tune writes into every experiment it runs (and ``--local-mode`` never does).
TUNER_FILE = "tuner.pkl"
RUNNING, PAUSED, TERMINATED, ERROR = "RUNNING", "PAUSED", "TERMINATED", "ERROR"


def read_state(exp_dir: Path) -> dict[str, Any] | None:
    """The trial record of a local-mode experiment's newest state file; None when there is none."""
    files = state_files(exp_dir)
    if not files:
        return None
    try:
        document = json.loads(files[-1].read_text(encoding="utf-8"))
        state = json.loads(document["trial_data"][0][0])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return state if isinstance(state, dict) and document.get("runner_data", {}).get(LOCAL_MODE_MARK) else None


def write_state(exp_dir: Path, state: dict[str, Any], session: str) -> None:
    """The experiment state of the trial record ``state``; one file per session, as Tune writes."""
    document = {
        "trial_data": [[json.dumps(state), json.dumps({})]],
        "runner_data": {LOCAL_MODE_MARK: True},
        "stats": {"start_time": time.time()},
    }
    atomic_write(exp_dir / f"experiment_state-{session}.json", json.dumps(document))


def is_local_mode(exp_dir: Path) -> bool:
    """The experiment at ``exp_dir`` was started by ``--local-mode`` (not by Tune)."""
    return read_state(exp_dir) is not None and not (exp_dir / TUNER_FILE).exists()


def require_local(spec: ExperimentSpec) -> dict[str, Any]:
    """The state of an experiment ``--local-mode --resume`` can continue: one it started."""
    state = read_state(spec.path)
    if (spec.path / TUNER_FILE).exists() or state is None:
        raise UsageError(
            f"Experiment '{spec.name}' was trained through Tune, not with --local-mode.",
            "Resume it without --local-mode.",
        )
    return state
