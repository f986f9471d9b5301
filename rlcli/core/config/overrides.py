"""``key.path=value`` overrides (Maze/Hydra style) and the one function that fixes precedence.

Values are parsed as YAML, so ``lr=0.001``, ``model_config.fcnet_hiddens=[128,128]`` and
``use_gae=false`` get their natural types. Precedence, lowest first, lives in :func:`merge_sources`:
tuned file < ``--config`` < flags < ``key=value`` overrides.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from rlcli.core.config.loading import EXPERIMENT_KEYS, parse_yaml, read_text
from rlcli.core.errors import ConfigError, UsageError
from rlcli.core.mappings import deep_merge, nest

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


def _looks_like_path(value: str) -> bool:
    stripped = value.strip()
    if not stripped or stripped[0] in "{[" or "\n" in stripped:
        return False
    return stripped.endswith((".yaml", ".yml", ".json")) or os.path.exists(stripped)


def load_mapping(value: str, what: str) -> dict[str, Any]:
    """A mapping given inline (JSON or YAML) or as a path to a YAML/JSON file."""
    if _looks_like_path(value):
        data = parse_yaml(read_text(value.strip(), f"{what} file"), value.strip())
        source = value.strip()
    else:
        data = parse_yaml(value, what)
        source = what
    if data is None:
        return {}
    if isinstance(data, str) and "=" in data:
        data = _key_value_pairs(data)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source} must be a mapping, got {type(data).__name__}: {value!r}.",
            "Write JSON/YAML ('{\"training_iteration\": 20}') or key=value pairs (training_iteration=20,lr=0.001).",
        )
    return data


def _key_value_pairs(text: str) -> dict[str, Any]:
    """``a=1,b.c=2`` → ``{"a": 1, "b": {"c": 2}}``, read as KEY=VALUE overrides are."""
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in re.split(r",\s*(?=[\w./-]+=)", text))):
        override = parse_override(part)
        out = deep_merge(out, nest(override.path, override.value))
    return out
