"""``analyze export``: every trial's result rows, flattened, to one CSV, Parquet or JSON-lines file."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlcli.core.analysis.trials import find_trial_dirs
from rlcli.core.files import atomic_path
from rlcli.core.metrics import flatten, iter_result_rows

if TYPE_CHECKING:
    from rlcli.core.analysis.requests import TrialExportRequest


@dataclass(frozen=True)
class ExportedRows:
    """What ``analyze export`` wrote: the file and how many result rows it holds."""

    path: str
    rows: int


def _rows(experiment: str | Path) -> list[dict[str, Any]]:
    rows = []
    for trial_dir in find_trial_dirs(experiment):
        for row in iter_result_rows(trial_dir):
            row.pop("config", None)
            flat = flatten(row)
            flat["trial"] = trial_dir.name
            flat["experiment"] = trial_dir.parent.name
            rows.append(flat)
    return rows


def export_rows(request: TrialExportRequest) -> ExportedRows:
    """Every trial's result rows under the request's path, flattened, to its output file
    (replaced atomically): CSV, Parquet or JSON lines."""
    rows = _rows(request.path)
    fmt, target = request.fmt, request.output
    columns = list(dict.fromkeys(["experiment", "trial", *(k for r in rows for k in r)]))
    with atomic_path(target.expanduser().absolute()) as tmp:
        if fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        elif fmt == "json":
            with open(tmp, "w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, default=str) + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows]), str(tmp))
    return ExportedRows(str(request.output), len(rows))
