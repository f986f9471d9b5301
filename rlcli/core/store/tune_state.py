"""Read what Tune keeps in ``experiment_state-*.json`` without unpickling anything.

Trial statuses are plain JSON. The checkpoint ↔ iteration link lives only in a cloudpickled
checkpoint manager; its opcodes are read (decoded, never executed) to pull out each kept
checkpoint's path and the ``training_iteration`` reported with it.
"""

from __future__ import annotations

import functools
import json
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_CKPT = re.compile(r"(?:^|/)(checkpoint_\d+)/?$")


def state_files(exp_dir: Path) -> list[Path]:
    """Tune's ``experiment_state-<timestamp>.json`` files, newest last."""
    return sorted(Path(exp_dir).glob("experiment_state-*.json"), key=lambda p: p.stat().st_mtime)


_HEAD = b'{"trial_data": ['
_CHUNK = 1 << 20


def _elements(path: Path) -> Iterator[tuple[int, int, Any]]:
    """``(start, end, [trial_json, runtime_json])`` for each trial of a state file, parsed one at a
    time from a small buffer: the file holds hundreds of KB per trial, and a sweep's can be huge."""
    decoder = json.JSONDecoder()
    with open(path, "rb") as fh:
        if fh.read(len(_HEAD)) != _HEAD:  # another layout: read it whole
            fh.seek(0)
            for element in json.load(fh).get("trial_data", []):
                yield -1, -1, element
            return
        text, base, pos = "", len(_HEAD), 0
        while True:
            while pos < len(text) and text[pos] in ", \n":
                pos += 1
            if text.startswith("]", pos):
                return
            try:
                element, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    raise
                text, base, pos = text[pos:] + chunk.decode("ascii"), base + pos, 0
                continue
            yield base + pos, base + end, element
            pos = end


def _read_element(path: Path, span: tuple[int, int]) -> Any:
    with open(path, "rb") as fh:
        fh.seek(span[0])
        return json.loads(fh.read(span[1] - span[0]))


_STR_OPS = {0x8C: 1, 0x55: 1, 0x58: 4, 0x54: 4, 0x8D: 8}  # SHORT_BINUNICODE, SHORT_BINSTRING, BINUNICODE, ...
_BLOB_OPS = {0x43: 1, 0x42: 4, 0x8E: 8, 0x96: 8}  # SHORT_BINBYTES, BINBYTES, BINBYTES8, BYTEARRAY8
_LONG_OPS = {0x8A: 1, 0x8B: 4}  # LONG1, LONG4
_SIZED_OPS = {**_BLOB_OPS, **_LONG_OPS}  # a length, then that many bytes
_INT_SIZES = {0x4B: (1, False), 0x4D: (2, False), 0x4A: (4, True)}  # BININT1, BININT2, BININT
_SKIP = {0x95: 8, 0x80: 1, 0x82: 1, 0x83: 2, 0x84: 4}  # FRAME, PROTO, EXT1/2/4: push no scalar
_TEXT_OPS = frozenset(b"ILFSVcigpP")  # protocol-0 opcodes: newline-terminated arguments
_MEMOIZE, _BINPUT, _LONG_BINPUT, _BINGET, _LONG_BINGET, _BINFLOAT, _STOP = 0x94, 0x71, 0x72, 0x68, 0x6A, 0x47, 0x2E


def _scalars(blob: bytes) -> Iterator[Any]:  # noqa: C901 - one flat dispatch of the frequent opcodes reads fastest
    """The scalar each opcode of a binary pickle pushes (bytes for strings, ``("int", n)`` for
    integers, floats; None for anything else), with memo references resolved. A hand-rolled
    opcode reader: it only reads argument lengths, so it is many times faster than
    :func:`pickletools.genops` on the megabytes Tune keeps per trial, and it executes nothing.
    The frequent opcodes are handled inline; blobs, long integers and protocol-0 text opcodes
    (rare in Tune's state) in helpers."""
    memo: dict[int, Any] = {}
    last: Any = None
    i, size = 0, len(blob)
    while i < size:
        op = blob[i]
        i += 1
        if op in _STR_OPS:
            width = _STR_OPS[op]
            n = int.from_bytes(blob[i : i + width], "little")
            last = blob[i + width : i + width + n]
            i += width + n
        elif op == _MEMOIZE:
            memo[len(memo)] = last
            continue
        elif op in (_BINGET, _LONG_BINGET):
            width = 1 if op == _BINGET else 4
            last = memo.get(int.from_bytes(blob[i : i + width], "little"))
            i += width
        elif op in _INT_SIZES:
            width, signed = _INT_SIZES[op]
            last = ("int", int.from_bytes(blob[i : i + width], "little", signed=signed))
            i += width
        elif op in (_BINPUT, _LONG_BINPUT):
            width = 1 if op == _BINPUT else 4
            memo[int.from_bytes(blob[i : i + width], "little")] = last
            i += width
            continue
        elif op == _BINFLOAT:
            last = struct.unpack(">d", blob[i : i + 8])[0]
            i += 8
        elif op in _SIZED_OPS:
            i, last = _sized(op, blob, i)
        elif op in _SKIP:
            i += _SKIP[op]
            continue
        elif op in _TEXT_OPS:
            i, last, pushes = _text_op(op, blob, i, memo, last)
            if not pushes:
                continue
        elif op == _STOP:
            return
        else:
            last = None
        yield last


def _sized(op: int, blob: bytes, i: int) -> tuple[int, Any]:
    """A length-prefixed argument: bytes (pushed as None) or a LONG1/LONG4 integer."""
    width = _SIZED_OPS[op]
    n = int.from_bytes(blob[i : i + width], "little")
    raw = blob[i + width : i + width + n]
    last = ("int", int.from_bytes(raw, "little", signed=True)) if op in _LONG_OPS else None
    return i + width + n, last


def _text_op(op: int, blob: bytes, i: int, memo: dict[int, Any], last: Any) -> tuple[int, Any, bool]:
    """A protocol-0 opcode (newline-terminated argument): the next index, the scalar it pushes,
    and whether it pushes one at all (PUT only stores)."""
    newline = blob.index(b"\n", i)
    arg, i = blob[i:newline], newline + 1
    if op in b"ci":  # GLOBAL / INST: a second line, the name
        return blob.index(b"\n", i) + 1, None, True
    if op == 0x70:  # PUT
        memo[int(arg)] = last
        return i, last, False
    if op == 0x67:  # GET
        return i, memo.get(int(arg)), True
    if op in b"IL" and arg not in (b"00", b"01"):
        return i, ("int", int(arg.rstrip(b"L"))), True
    if op in b"SV":
        return i, arg[1:-1] if op == 0x53 else arg.decode("raw-unicode-escape").encode(), True
    return i, None, True


def checkpoint_iterations_from_manager(blob: bytes) -> dict[str, int]:
    """``{checkpoint_dir_name: training_iteration}`` for the checkpoints Tune's manager kept: each
    kept result holds its checkpoint's path, then its metrics with ``training_iteration``."""
    mapping: dict[str, int] = {}
    current: str | None = None
    after_key = False
    for value in _scalars(blob):
        if after_key and current and current not in mapping and isinstance(value, tuple):
            mapping[current] = int(value[1])
        after_key = False
        if isinstance(value, bytes):
            if value == b"training_iteration":
                after_key = True
            elif b"checkpoint_" in value:
                match = _CKPT.search(value.decode("utf-8", "replace"))
                current = match.group(1) if match else current
    return mapping


@dataclass
class TrialState:
    """What Tune's experiment state says of one trial. The checkpoint map is decoded only when
    asked for, from where the trial's entry lies in the state file."""

    trial_id: str | None
    status: str | None
    source: Path
    span: tuple[int, int]
    runtime_json: str | None = None  # kept only when the state file could not be streamed

    @functools.cached_property
    def checkpoints(self) -> dict[str, int]:
        try:
            runtime = json.loads(self.runtime_json or _read_element(self.source, self.span)[1])
            manager = runtime.get("checkpoint_manager") or {}
            blob = manager.get("value") if isinstance(manager, dict) else None
            return checkpoint_iterations_from_manager(bytes.fromhex(blob)) if isinstance(blob, str) else {}
        except (OSError, ValueError, IndexError, KeyError, TypeError, AttributeError, struct.error):
            return {}  # a damaged or since-rewritten state file: other sources decide


def trials_in_state(exp_dir: Path) -> dict[str, TrialState]:
    """``{trial_dir_name: TrialState}`` from the newest state file, read once per file version."""
    files = state_files(exp_dir)
    if not files:
        return {}
    return _trials_in_state(files[-1].resolve(), files[-1].stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _trials_in_state(state_file: Path, _mtime_ns: int) -> dict[str, TrialState]:
    out: dict[str, TrialState] = {}
    try:
        for start, end, (trial_json, runtime_json) in _elements(state_file):
            trial = json.loads(trial_json)
            name = Path(trial.get("relative_logdir") or "").name or trial.get("trial_id", "?")
            kept = runtime_json if start < 0 else None
            out[name] = TrialState(trial.get("trial_id"), trial.get("status"), state_file, (start, end), kept)
    except (OSError, ValueError, TypeError, UnicodeDecodeError):
        return out  # a truncated or unexpected state file: what was read stands, other sources decide
    return out
