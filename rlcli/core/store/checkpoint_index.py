"""rlcli's checkpoint index: one plain-JSON row per checkpoint saved, in a file beside the trial.

Why: RLlib's result rows carry no link to a checkpoint and Tune keeps that link only in a
pickle; the index says which iteration (and which metrics) each ``checkpoint_NNNNNN`` dir
belongs to, readable without Ray and without unpickling. This module owns the format: the
file's name, a row's fields, writing a row and reading the rows. The Tune callback and
``--local-mode`` write through :func:`append_row`; choosing checkpoints and resuming a
local-mode trial read through :func:`read_rows`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rlcli.core.metrics import flatten, number

CHECKPOINT_INDEX = "rlcli_checkpoints.jsonl"


@dataclass(frozen=True)
class IndexRow:
    """One checkpoint: its dir's name (``checkpoint_000003``), the iteration it was saved after,
    and the numeric metrics of that iteration's result (``a/b`` keys, the config left out)."""

    checkpoint: str
    training_iteration: int | None
    metrics: dict[str, Any] = field(default_factory=dict)


def index_row(checkpoint_path: str, result: dict[str, Any]) -> IndexRow:
    """The row of a checkpoint saved at ``checkpoint_path`` after the result ``result``."""
    metrics = {k: v for k, v in flatten(result).items() if number(v) is not None and not k.startswith("config/")}
    iteration = result.get("training_iteration")
    return IndexRow(
        checkpoint=os.path.basename(checkpoint_path.rstrip("/")),
        training_iteration=iteration if isinstance(iteration, int) else None,
        metrics=metrics,
    )


def append_row(trial_dir: str | os.PathLike[str], row: IndexRow) -> None:
    """Add ``row`` to the trial's index (the file is created with its first row)."""
    with open(Path(trial_dir) / CHECKPOINT_INDEX, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(row)) + "\n")


def read_rows(trial_dir: Path) -> list[IndexRow]:
    """The trial's readable index rows, in the order written; none when there is no index.
    A line that is not a row (cut short by a crash, hand-edited) is skipped."""
    index = trial_dir / CHECKPOINT_INDEX
    try:
        lines = index.read_text(encoding="utf-8").splitlines() if index.is_file() else []
    except OSError:
        return []
    rows = []
    for line in lines:
        row = _parse(line)
        if row is not None:
            rows.append(row)
    return rows


def _parse(line: str) -> IndexRow | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("checkpoint"), str):
        return None
    iteration = entry.get("training_iteration")
    metrics = entry.get("metrics")
    return IndexRow(
        checkpoint=entry["checkpoint"],
        training_iteration=iteration if isinstance(iteration, int) and not isinstance(iteration, bool) else None,
        metrics=metrics if isinstance(metrics, dict) else {},
    )
