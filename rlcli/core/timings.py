"""Where a ``rlcli train`` run's seconds go: named marks on one clock, written as JSON when
``RLCLI_TIMINGS=PATH`` is set (``make bench`` reads them for its overhead breakdown).

Marks are wall-clock times (``time.time()``) so that they line up with the process start the
kernel recorded, which is when the user pressed Enter: interpreter start-up and imports count.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ENV_VAR = "RLCLI_TIMINGS"
_marks: dict[str, float] = {}


def enabled() -> bool:
    return bool(os.environ.get(ENV_VAR))


def mark(name: str, at: float | None = None, last: bool = False) -> None:
    """Remember when ``name`` happened: the first time (a phase starts once), or with ``last``
    the latest time (e.g. the last result)."""
    if enabled():
        when = time.time() if at is None else at
        if last:
            _marks[name] = when
        else:
            _marks.setdefault(name, when)


def process_start() -> float | None:
    """When this process started, from the kernel (Linux); None where /proc is not there."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return time.time() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))


def write() -> None:
    """Write the marks (seconds since process start) to ``$RLCLI_TIMINGS``; no-op when unset."""
    path = os.environ.get(ENV_VAR)
    if not path:
        return
    import json  # here, not at the top: every command imports this module, few write the marks

    mark("exit")
    start = process_start() or min(_marks.values())
    Path(path).write_text(json.dumps({name: at - start for name, at in _marks.items()}, indent=1))
    _marks.clear()  # the next run in this process (a library call, a test) starts its own marks
