"""Reading values out of Tune result rows: flatten, pick one ``a/b/c`` path, keep finite numbers."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a/b": 1}``, as Tune flattens results."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        path = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def pick(row: Mapping[str, Any], path: str) -> Any:
    """The value at ``a/b/c`` in a nested row, or None; cheaper than flattening a 17 KB row."""
    node: Any = row
    for part in path.split("/"):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def number(value: Any) -> float | None:
    """A finite-or-infinite float for real numbers; None for NaN, bools, strings, missing values."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
        return float(value)
    return None


def iter_result_rows(trial_dir: Path, on_bad_line: Callable[[str], None] | None = None) -> Iterator[dict[str, Any]]:
    """Stream a trial's result.json row by row. A truncated or corrupt line (a trial killed
    mid-write) is skipped and reported to ``on_bad_line``; a missing file yields nothing."""
    path = Path(trial_dir) / "result.json"
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                if on_bad_line:
                    on_bad_line(bad_line_message(trial_dir, line_no))


def bad_line_message(trial_dir: Path, line_no: int) -> str:
    return f"{Path(trial_dir).name}: result.json line {line_no} is truncated or corrupt; skipped"
