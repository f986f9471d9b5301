"""Forgetting a user's modules, as a new interpreter would not have them.

An in-process ``rlcli`` run stands for a fresh process. A module of the user's project that an
earlier test imported (``tests/data/userproj`` through ``sys.path``) stays in ``sys.modules``
otherwise, and importing it again does not run it again: whatever it does at import (Tune's
``register_env``, Griddly's pattern) would be missing from the next run, in one test order only."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path


def forget_modules_from(roots: Iterable[str | Path]) -> None:
    """Drop every module loaded from a file under one of ``roots`` from ``sys.modules``."""
    prefixes = tuple(str(Path(p).resolve()) for p in roots)
    if not prefixes:
        return
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None) or ""
        if where and str(Path(where).resolve()).startswith(prefixes):
            del sys.modules[name]
