"""Search-space markers in configs: ``{grid_search: [...]}``, ``{choice: [...]}``,
``{uniform: [lo, hi]}``, ``{loguniform: [lo, hi]}``, ``{randint: [lo, hi]}``.

Validation, trial counting and a representative sample are pure Python, so ``--dry-run`` and the
unit tests need no Ray; :func:`to_tune` swaps markers for Tune's objects just before ``fit``.
"""

from __future__ import annotations

import math
from typing import Any

from rlcli.core.errors import ConfigError

SEARCH_SPACE_KEYS = ("grid_search", "choice", "uniform", "loguniform", "randint")


def _marker(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key in SEARCH_SPACE_KEYS:
            return key, arg
    return None


def _check(kind: str, arg: Any, where: str) -> None:
    if kind in ("grid_search", "choice"):
        if not isinstance(arg, list) or not arg:
            raise ConfigError(f"{where}: '{kind}' needs a non-empty list, got {arg!r}.", f"Write {{{kind}: [a, b]}}.")
        return
    ok = (
        isinstance(arg, list)
        and len(arg) == 2
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in arg)
    )
    if not ok:
        raise ConfigError(f"{where}: '{kind}' needs [low, high] numbers, got {arg!r}.", f"Write {{{kind}: [1, 10]}}.")
    lo, hi = arg
    if not lo < hi:
        raise ConfigError(f"{where}: '{kind}' needs low < high, got [{lo}, {hi}].")
    if kind == "loguniform" and lo <= 0:
        raise ConfigError(f"{where}: 'loguniform' needs low > 0, got {lo}.")
    if kind == "randint" and not all(isinstance(x, int) for x in arg):
        raise ConfigError(f"{where}: 'randint' needs integers, got {arg!r}.")


def find(config: Any, prefix: str = "") -> list[tuple[str, str, Any]]:
    """All markers as ``(dotted.path, kind, argument)``; raises on malformed ones."""
    found: list[tuple[str, str, Any]] = []
    marker = _marker(config)
    if marker:
        kind, arg = marker
        _check(kind, arg, prefix or "config")
        return [(prefix, kind, arg)]
    if isinstance(config, dict):
        for key, value in config.items():
            found += find(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(config, list):
        for i, value in enumerate(config):
            found += find(value, f"{prefix}[{i}]")
    return found


def has_grid(config: dict[str, Any]) -> bool:
    """True when some value is a ``grid_search`` (which model-based searchers cannot take)."""
    return any(kind == "grid_search" for _, kind, _ in find(config))


def count_trials(config: dict[str, Any], num_samples: int) -> int:
    """Tune repeats the full grid ``num_samples`` times; random markers don't multiply."""
    grids = [len(arg) for _, kind, arg in find(config) if kind == "grid_search"]
    return math.prod(grids) * num_samples


def _representative(kind: str, arg: Any) -> Any:
    if kind in ("grid_search", "choice"):
        return arg[0]
    lo, hi = arg
    if kind == "loguniform":
        return math.sqrt(lo * hi)
    if kind == "randint":
        return lo
    return (lo + hi) / 2


def sample(config: Any) -> Any:
    """A copy with every marker replaced by one representative value (for validation)."""
    marker = _marker(config)
    if marker:
        return sample(_representative(*marker))
    if isinstance(config, dict):
        return {k: sample(v) for k, v in config.items()}
    if isinstance(config, list):
        return [sample(v) for v in config]
    return config


def to_tune(config: Any) -> Any:
    """A copy with every marker replaced by Tune's search-space object (imports ray.tune)."""
    from ray import tune

    makers = {
        "grid_search": tune.grid_search,
        "choice": tune.choice,
        "uniform": lambda a: tune.uniform(*a),
        "loguniform": lambda a: tune.loguniform(*a),
        "randint": lambda a: tune.randint(*a),  # Tune's semantics: upper bound exclusive
    }
    marker = _marker(config)
    if marker:
        kind, arg = marker
        return makers[kind](arg)
    if isinstance(config, dict):
        return {k: to_tune(v) for k, v in config.items()}
    if isinstance(config, list):
        return [to_tune(v) for v in config]
    return config
