"""Nested mappings as config layers are: build one from a dotted path, merge one into another
(search-space markers such as ``{grid_search: [...]}`` merge as leaves). Pure Python."""

from __future__ import annotations

import copy
from typing import Any


def nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """``("a", "b"), 1`` -> ``{"a": {"b": 1}}``."""
    out: Any = value
    for part in reversed(path):
        out = {part: out}
    return out


def is_search_space(value: Any) -> bool:
    """True for ``{grid_search: [...]}``-style markers, which merge as leaves, never as dicts."""
    from rlcli.core.searchspace import SEARCH_SPACE_KEYS

    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in SEARCH_SPACE_KEYS


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Merge ``top`` into a copy of ``base``: nested mappings merge, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        old = out.get(key)
        mergeable = isinstance(old, dict) and isinstance(value, dict)
        if isinstance(old, dict) and mergeable and not is_search_space(old) and not is_search_space(value):
            out[key] = deep_merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out
