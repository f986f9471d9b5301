"""``key.path=value`` overrides (Maze/Hydra style) and the one function that fixes precedence.

Values are parsed as YAML, so ``lr=0.001``, ``model_config.fcnet_hiddens=[128,128]`` and
``use_gae=false`` get their natural types. Precedence, lowest first, lives in :func:`merge_sources`:
tuned file < ``--config`` < flags < ``key=value`` overrides.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.loading import EXPERIMENT_KEYS, parse_yaml

#: First path components that address the experiment rather than the algorithm config.
_SECTION_STOP = "stop"
_SECTION_ENV_CONFIG = "env_config"
_SECTION_CONFIG = "config"


@dataclass(frozen=True)
class Override:
    """One ``KEY=VALUE`` from the command line, already split and parsed."""

    path: tuple[str, ...]
    value: Any
    text: str


def parse_override(text: str) -> Override:
    """Split ``a.b.c=value`` and parse the value as YAML."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep:
        raise UsageError(
            f"Override '{text}' has no '='.",
            "Write overrides as KEY=VALUE, e.g. lr=0.001 or stop.training_iteration=5.",
        )
    path = tuple(key.split("."))
    if not key or any(not part for part in path):
        raise UsageError(f"Override '{text}' has an empty key.", "Write overrides as KEY=VALUE, e.g. lr=0.001.")
    value = parse_yaml(raw, f"value of override '{key}'") if raw.strip() else None
    return Override(path=path, value=value, text=text)


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
        if mergeable and not is_search_space(old) and not is_search_space(value):
            out[key] = deep_merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class RoutedOverrides:
    """Overrides sorted by the section they address, each as a nested mapping."""

    experiment: dict[str, Any]
    config: dict[str, Any]
    stop: dict[str, Any]


def route_overrides(overrides: list[Override]) -> RoutedOverrides:
    """Send ``stop.X`` to the stop criteria, ``env_config.X`` into the config's env_config,
    experiment-level keys (``checkpoint_freq``, ``num_samples`` ...) to the experiment, and
    everything else (optionally spelled ``config.X``) into the algorithm config."""
    experiment: dict[str, Any] = {}
    config: dict[str, Any] = {}
    stop: dict[str, Any] = {}
    for ov in overrides:
        head, rest = ov.path[0], ov.path[1:]
        if head == _SECTION_STOP and rest:
            stop = deep_merge(stop, nest(rest, ov.value))
        elif head == _SECTION_CONFIG and rest:
            config = deep_merge(config, nest(rest, ov.value))
        elif head in EXPERIMENT_KEYS and head not in ("config", "stop") and not rest:
            experiment[head] = ov.value
        else:
            config = deep_merge(config, nest(ov.path, ov.value))
    return RoutedOverrides(experiment=experiment, config=config, stop=stop)


def merge_sources(*layers: dict[str, Any] | None) -> dict[str, Any]:
    """THE precedence rule: later layers win (file < --config < flags < overrides)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer:
            merged = deep_merge(merged, layer)
    return merged
