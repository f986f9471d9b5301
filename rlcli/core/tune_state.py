"""Read what Tune keeps in ``experiment_state-*.json`` without unpickling anything.

Trial statuses are plain JSON. The checkpoint ↔ iteration link lives only in a cloudpickled
checkpoint manager; its opcodes are walked with :mod:`pickletools` (which decodes, never executes)
to pull out each kept checkpoint's path and the ``training_iteration`` reported with it.
"""

from __future__ import annotations

import json
import pickletools
import re
from pathlib import Path
from typing import Any

_CKPT = re.compile(r"(?:^|/)(checkpoint_\d+)/?$")
_INT_OPS = {"BININT", "BININT1", "BININT2", "INT", "LONG", "LONG1", "LONG4"}
_MEMO_PUT = {"BINPUT", "LONG_BINPUT", "PUT"}
_MEMO_GET = {"BINGET", "LONG_BINGET", "GET"}


def state_files(exp_dir: Path) -> list[Path]:
    """Tune's ``experiment_state-<timestamp>.json`` files, newest last."""
    return sorted(Path(exp_dir).glob("experiment_state-*.json"), key=lambda p: p.stat().st_mtime)


def _load(exp_dir: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    files = state_files(exp_dir)
    if not files:
        return []
    try:
        data = json.loads(files[-1].read_text(encoding="utf-8"))
        return [(json.loads(a), json.loads(b)) for a, b in data.get("trial_data", [])]
    except (json.JSONDecodeError, ValueError, TypeError):
        return []


def _values(blob: bytes) -> list[Any]:
    """The scalar values a pickle pushes, in order, with memo references resolved."""
    memo: dict[int, Any] = {}
    values: list[Any] = []
    last: Any = None
    for op, arg, _ in pickletools.genops(blob):
        name = op.name
        if name == "MEMOIZE":
            memo[len(memo)] = last
            continue
        if name in _MEMO_PUT:
            memo[int(arg)] = last
            continue
        if name in _MEMO_GET:
            last = memo.get(int(arg))
        elif isinstance(arg, (str, int, float)) and not isinstance(arg, bool) and name not in ("PROTO", "FRAME"):
            last = ("int", arg) if name in _INT_OPS else arg
        else:
            last = None
        values.append(last)
    return values


def checkpoint_iterations_from_manager(blob: bytes) -> dict[str, int]:
    """``{checkpoint_dir_name: training_iteration}`` for the checkpoints Tune's manager kept."""
    mapping: dict[str, int] = {}
    current: str | None = None
    values = _values(blob)
    for i, value in enumerate(values):
        if isinstance(value, str):
            match = _CKPT.search(value)
            if match:
                current = match.group(1)
            elif value == "training_iteration" and current and current not in mapping and i + 1 < len(values):
                nxt = values[i + 1]
                if isinstance(nxt, tuple) and nxt[0] == "int":
                    mapping[current] = int(nxt[1])
    return mapping


def trials_in_state(exp_dir: Path) -> dict[str, dict[str, Any]]:
    """``{trial_dir_name: {"trial_id", "status", "checkpoints": {name: iteration}}}``."""
    out: dict[str, dict[str, Any]] = {}
    for trial, runtime in _load(exp_dir):
        dirname = trial.get("relative_logdir") or ""
        manager = runtime.get("checkpoint_manager") or {}
        checkpoints: dict[str, int] = {}
        if isinstance(manager, dict) and isinstance(manager.get("value"), str):
            try:
                checkpoints = checkpoint_iterations_from_manager(bytes.fromhex(manager["value"]))
            except (ValueError, IndexError, KeyError):  # a damaged blob: fall back to other sources
                checkpoints = {}
        out[Path(dirname).name or trial.get("trial_id", "?")] = {
            "trial_id": trial.get("trial_id"),
            "status": trial.get("status"),
            "checkpoints": checkpoints,
        }
    return out
