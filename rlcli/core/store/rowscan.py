"""Pull a few columns out of a trial's ``result.json`` without parsing whole rows.

An RLlib result row is ~17 KB of JSON, most of it the trial config; ``json.loads`` of every row is
what makes reading a big sweep slow. This scanner memory-maps the file in windows, finds the
``"key": `` tokens of the wanted paths with C-speed searches and decides which ones sit at the
wanted nesting from the structural characters between them. Anything it cannot decide exactly
(escaped quotes, brackets inside strings, non-scalar values, a malformed line) falls back to
``json.loads`` of that one row, so the answer is always what a full parse gives.
"""

from __future__ import annotations

import json
import mmap
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from rlcli.core.metrics import bad_line_message, pick

WINDOW = 8 << 20  # bytes mapped at a time: bounds memory, whatever the file size
_STRUCTURAL = b'"{}[]\\'
_NON_STRUCTURAL = bytes(b for b in range(256) if b not in _STRUCTURAL)
_NUMBER = re.compile(rb"(-?\d+)(\.\d+)?([eE][-+]?\d+)?")
_WORD = re.compile(rb"-?Infinity|NaN|null|true|false")
_CONSTANTS: dict[bytes, Any] = {
    b"NaN": float("nan"),
    b"Infinity": float("inf"),
    b"-Infinity": float("-inf"),
    b"null": None,
    b"true": True,
    b"false": False,
}


class _Unsure(Exception):
    """This row needs a full parse."""


class _Step(NamedTuple):
    """One key of a learned row layout: the ``nth`` occurrence of ``token`` after the previous
    step, with the structural characters (``skeleton``) that lie between them."""

    token: bytes
    nth: int
    skeleton: bytes
    column: str | None  # the wanted column its value fills (None: a key we only step into)
    enters: bool  # its value is an object holding deeper wanted keys


@dataclass(frozen=True)
class _Layout:
    steps: tuple[_Step, ...]
    absent: tuple[bytes, ...]  # tokens whose absence proves a wanted column is missing
    tail_limit: int  # bytes after the last step beyond which a line is suspect (two rows run together)


class ColumnScanner:
    """Reads the values at ``a/b/c`` paths from JSON-lines rows; one instance per set of paths.

    The first row is walked in full (every occurrence of every wanted key, nesting decided from the
    structural characters between them) and its layout remembered. Rows of the same trial nearly
    always share that layout, so later rows are read by replaying it: find each key, check that the
    structural characters up to it are the same as in the learned row (which proves the key sits at
    the same path), take the value. A row that differs is walked in full and becomes the new layout.
    """

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = tuple(dict.fromkeys(paths))
        self._wanted = {tuple(p.split("/")): p for p in self.paths}
        self._prefixes = {parts[:i] for parts in self._wanted for i in range(1, len(parts))}
        names = {name for parts in self._wanted for name in parts}
        self._tokens = {_token(name): name for name in names}
        self._layout: _Layout | None = None

    def row(self, buf: Any, start: int, end: int) -> dict[str, Any] | None:
        """The wanted values of the row in ``buf[start:end]``; None for a line that is not a JSON object."""
        if self._layout is not None and buf[start] == 0x7B and buf[end - 1] == 0x7D:  # '{' ... '}'
            try:
                values = self._replay(buf, start, end)
            except _Unsure:
                values = None
            if values is not None:
                return values
        return self._learn_from(buf, start, end)

    def _learn_from(self, buf: Any, start: int, end: int) -> dict[str, Any] | None:
        """Parse the row in full; learn its layout when the walk over it agrees with the parse.
        Runs on a trial's first row and where the layout changes, so its cost does not matter."""
        self._layout = None
        try:
            row = json.loads(bytes(buf[start:end]))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(row, dict):
            return None
        values = {p: pick(row, p) for p in self.paths}
        try:
            walked = self._walk(buf, start, end)
        except _Unsure:
            walked = None
        if walked is None or not _agree(walked, values):
            self._layout = None
        return values

    def _replay(self, buf: Any, start: int, end: int) -> dict[str, Any] | None:
        """The row's values read by the learned layout; None when the row's layout differs."""
        layout = self._layout
        assert layout is not None
        out: dict[str, Any] = dict.fromkeys(self.paths)
        cursor = start
        find = buf.find
        for token, nth, skeleton, column, enters in layout.steps:
            pos = find(token, cursor, end)
            while nth > 1 and pos >= 0:
                pos, nth = find(token, pos + 1, end), nth - 1
            if pos < 0 or buf[cursor:pos].translate(None, _NON_STRUCTURAL) != skeleton:
                return None
            value_at = pos + len(token)
            if enters:
                if buf[value_at] != 0x7B:
                    return None
                cursor = value_at + 1
            else:
                cursor = pos
                out[column] = _scalar(buf, value_at, end)  # type: ignore[index]
        if end - cursor > layout.tail_limit:  # more after the last key than a row has: a second row?
            return None
        for token in layout.absent:
            if find(token, start, end) >= 0:
                return None
        return out

    def _walk(self, buf: Any, start: int, end: int) -> dict[str, Any]:
        """Decide every occurrence of every wanted key; remember the layout for the next rows."""
        hits = sorted((pos, token) for token in self._tokens for pos in _all(buf, token, start, end))
        out: dict[str, Any] = dict.fromkeys(self.paths)
        found: set[tuple[str, ...]] = set()
        steps: list[_Step] = []
        depth, cursor, step_cursor = 0, start, start
        open_keys: list[tuple[str, int]] = []  # our keys whose object value is still open, with its depth
        for pos, token in hits:
            depth, low = _advance(buf, cursor, pos, depth)
            while open_keys and open_keys[-1][1] > low:
                open_keys.pop()
            cursor = pos
            value_at = pos + len(token)
            decision = self._decide(buf, self._path_of(open_keys, depth, self._tokens[token]), value_at)
            if decision is None:
                continue
            path, enters, column = decision
            nth = sum(1 for p, t in hits if t == token and step_cursor <= p <= pos)
            skeleton = buf[step_cursor:pos].translate(None, _NON_STRUCTURAL)
            steps.append(_Step(token, nth, skeleton, column, enters))
            step_cursor = pos
            if enters:
                depth += 1  # step inside, so the next span starts within this object
                open_keys.append((path[-1], depth))
                cursor = step_cursor = value_at + 1
            if column is not None:
                out[column] = _scalar(buf, value_at, end)
                found.add(path)
        missing = [p for p in self._wanted if p not in found]
        self._layout = self._learn(steps, missing, {t for _, t in hits}, end - step_cursor)
        return out

    def _decide(
        self, buf: Any, path: tuple[str, ...] | None, value_at: int
    ) -> tuple[tuple[str, ...], bool, str | None] | None:
        """For a key at ``path``: None when it is not ours, else whether the scan steps into its
        object value and which column its scalar value fills."""
        if path is None:
            return None
        enters = path in self._prefixes and buf[value_at] == 0x7B
        column = self._wanted.get(path)
        if not enters and column is None:
            return None
        if enters and column is not None:  # a wanted object: left to the full parser
            raise _Unsure
        return path, enters, column

    @staticmethod
    def _learn(steps: list[_Step], missing: list[tuple[str, ...]], seen: set[bytes], tail: int) -> _Layout | None:
        """A replayable layout, if each missing column has a key whose absence can be checked."""
        absent = []
        for parts in missing:
            token = next((t for t in map(_token, parts) if t not in seen), None)
            if token is None:
                return None
            absent.append(token)
        return _Layout(tuple(steps), tuple(absent), tail + tail // 2 + 256)

    @staticmethod
    def _path_of(open_keys: list[tuple[str, int]], depth: int, name: str) -> tuple[str, ...] | None:
        """The key's full path, if every enclosing object is one of ours (else it is not wanted)."""
        if depth != len(open_keys) + 1 or any(d != i + 2 for i, (_, d) in enumerate(open_keys)):
            return None
        return (*(k for k, _ in open_keys), name)


def _agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(
        a[k] is b[k] or (a[k] == b[k] and type(a[k]) is type(b[k])) or (a[k] != a[k] and b[k] != b[k]) for k in b
    )


def _token(name: str) -> bytes:
    return json.dumps(name).encode() + b": "


def _all(buf: Any, token: bytes, start: int, end: int) -> Iterator[int]:
    pos = buf.find(token, start, end)
    while pos >= 0:
        yield pos
        pos = buf.find(token, pos + 1, end)


def _advance(buf: Any, start: int, stop: int, depth: int) -> tuple[int, int]:
    """Depth after ``buf[start:stop]`` and the lowest depth inside it. Exact only when no string in
    the span holds a quote escape or a bracket; otherwise the row is handed to the full parser."""
    skeleton = buf[start:stop].translate(None, _NON_STRUCTURAL)
    if b"\\" in skeleton:
        raise _Unsure
    brackets = skeleton.replace(b'""', b"")
    if b'"' in brackets:
        raise _Unsure
    if not brackets:
        return depth, depth
    after = depth + brackets.count(b"{") + brackets.count(b"[") - brackets.count(b"}") - brackets.count(b"]")
    if b"}" not in brackets and b"]" not in brackets:
        return after, depth
    reduced = brackets
    while True:
        shorter = reduced.replace(b"{}", b"").replace(b"[]", b"")
        if shorter == reduced:
            break
        reduced = shorter
    closers = len(reduced) - len(reduced.lstrip(b"}]"))
    return after, depth - closers


def _scalar(buf: Any, at: int, end: int) -> Any:
    number = _NUMBER.match(buf, at, end)
    if number is not None:
        return int(number.group()) if number.lastindex == 1 else float(number.group())
    word = _WORD.match(buf, at, end)
    if word is not None:
        return _CONSTANTS[word.group()]
    if buf[at] == 0x22:  # a string; without escapes it is read here
        close = buf.find(b'"', at + 1, end)
        text = buf[at + 1 : close] if close > at else b"\\"
        if b"\\" not in text:
            return bytes(text).decode("utf-8")
    raise _Unsure  # an object, a list or an escaped string: left to the full parser


def scan_rows(
    path: Path, scanner: ColumnScanner, on_bad_line: Callable[[int], None] | None = None
) -> Iterator[dict[str, Any]]:
    """The wanted values of every row of a JSON-lines file, streamed through bounded mmap windows.
    Lines that are not JSON objects (a trial killed mid-write) are reported by line number and skipped."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        offset, line_no, span = 0, 0, WINDOW
        while offset < size:
            base = offset - offset % mmap.ALLOCATIONGRANULARITY
            length = min(size - base, offset - base + span)
            with mmap.mmap(fh.fileno(), length, access=mmap.ACCESS_READ, offset=base) as window:
                pos = start = offset - base
                while pos < length:
                    newline = window.find(b"\n", pos, length)
                    if newline < 0:
                        if base + length < size:  # the line goes on past this window
                            break
                        newline = length
                    line_no += 1
                    stop = newline
                    while stop > pos and window[stop - 1] in b"\r \t":
                        stop -= 1
                    if stop > pos:
                        values = scanner.row(window, pos, stop)
                        if values is not None:
                            yield values
                        elif on_bad_line:
                            on_bad_line(line_no)
                    pos = newline + 1
            if pos == start:  # a single line longer than the window: map a bigger one
                span *= 2
                continue
            offset = base + pos


def result_columns(
    trial_dir: Path, columns: Iterable[str], warn: Callable[[str], None] | None = None
) -> Iterator[dict[str, Any]]:
    """``{column: value}`` for every readable row of a trial's result.json (nothing if it is missing)."""
    path = Path(trial_dir) / "result.json"
    if not path.is_file():
        return

    def bad_line(line_no: int) -> None:
        if warn:
            warn(bad_line_message(trial_dir, line_no))

    yield from scan_rows(path, ColumnScanner(columns), bad_line)
