"""``rollout --config MAPPING``: the old ``rllib rollout --config`` JSON, applied to a rollout.

The old tool merged ``--config`` (and its ``evaluation_config``) into the algorithm's config and
evaluated that. Here the mapping is read key by key, because only a few keys change a rollout:
the env (``env``, ``env_config``, merged into the env config), exploration (``explore``), the seed,
the vectorization (``num_envs_per_env_runner``), rendering (``render_env``) and the action
post-processing (``normalize_actions``, ``clip_actions``). ``evaluation_config``'s keys apply the
same way, top-level keys over them as in the old merge; flags win over both. Keys of the algorithm
that have no effect on a rollout (worker counts, training settings) are named in one notice, with
what rlcli does instead; anything else is an error. Legacy spellings (``num_workers``, ...) are read
through ``legacy.translate``'s table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rlcli.core.errors import ConfigError, did_you_mean
from rlcli.core.legacy.translate import LEGACY_KEYS, Rename, Unsupported
from rlcli.core.mappings import deep_merge

#: Keys that change a rollout → the rollout option (or checkpoint config key, ``state.``) they set.
EFFECTIVE = {
    "env": "env",
    "env_config": "env_config",
    "explore": "explore",
    "seed": "seed",
    "num_envs_per_env_runner": "num_envs",
    "render_env": "render",
    "normalize_actions": "state.normalize_actions",
    "clip_actions": "state.clip_actions",
}

_ONE_PROCESS = "rlcli rolls out in this process; --num-envs N steps N envs in parallel"
_LENGTH = "--episodes N / --steps N set the rollout's length"

#: Keys of the algorithm that a rollout does not read, with what rlcli does instead.
INERT = {
    "num_env_runners": _ONE_PROCESS,
    "evaluation_num_env_runners": _ONE_PROCESS,
    "num_cpus_per_env_runner": _ONE_PROCESS,
    "num_gpus_per_env_runner": "rollouts run inference on the CPU",
    "num_gpus": "rollouts run inference on the CPU",
    "create_env_on_local_worker": "rlcli always builds its envs in this process",
    "remote_worker_envs": _ONE_PROCESS,
    "evaluation_interval": _LENGTH,
    "evaluation_duration": _LENGTH,
    "evaluation_duration_unit": _LENGTH,
    "evaluation_parallel_to_training": _LENGTH,
    "monitor": "--video-dir DIR writes one MP4 per episode",
    "record_env": "--video-dir DIR writes one MP4 per episode",
    "log_level": "-q silences notices",
}
_TRAINING = "a training setting; the checkpoint's trained policy rolls out as it is"


@dataclass
class RolloutSettings:
    """What ``--config`` asks of the rollout: option values and checkpoint-config overrides."""

    options: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    inert: dict[str, str] = field(default_factory=dict)


def _bool(key: str, value: Any) -> bool:
    """A flag value; the old CLI's users wrote ``"explore": "False"`` as often as ``false``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"--config: '{key}' must be true or false, got {value!r}.")


def _check(key: str, value: Any) -> Any:
    """The value, checked for the rollout option it sets."""
    if key in ("explore", "render_env", "normalize_actions", "clip_actions"):
        return _bool(key, value)
    if key == "env_config" and not isinstance(value, dict):
        raise ConfigError(f"--config: 'env_config' must be a mapping, got {value!r}.")
    if key == "env" and not isinstance(value, str):
        raise ConfigError(f"--config: 'env' must be an env id or import path, got {value!r}.")
    if key in ("seed", "num_envs_per_env_runner") and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"--config: '{key}' must be an integer, got {value!r}.")
    if key == "num_envs_per_env_runner" and value < 1:
        raise ConfigError(f"--config: 'num_envs_per_env_runner' must be >= 1, got {value}.")
    return value


def _read_key(settings: RolloutSettings, where: str, key: str, value: Any, accepts: Callable[[str], bool]) -> None:
    rule = LEGACY_KEYS.get(key)
    name = rule.new if isinstance(rule, Rename) else key
    label = f"{where}{key}"
    if name in EFFECTIVE:
        target = EFFECTIVE[name]
        value = _check(name, value)
        if target == "env_config":
            value = deep_merge(settings.options.get("env_config") or {}, value)
        if target.startswith("state."):
            settings.state[target.removeprefix("state.")] = value
        else:
            settings.options[target] = value
    elif name in INERT:
        settings.inert[label] = INERT[name]
    elif isinstance(rule, Unsupported):
        raise ConfigError(f"--config: legacy key '{label}' has no equivalent in RLlib 2.60.", rule.fix)
    elif rule is not None or accepts(name):
        settings.inert[label] = _TRAINING
    else:
        hint = did_you_mean(key, [*EFFECTIVE, *INERT])
        raise ConfigError(
            f"--config: unknown key '{label}' (not a config key of the checkpoint's algorithm).",
            hint or f"Rollouts read {', '.join(EFFECTIVE)} (also inside evaluation_config).",
        )


def read_rollout_config(config: dict[str, Any], accepts: Callable[[str], bool]) -> RolloutSettings:
    """``config`` → the settings it gives a rollout; ``accepts`` is the algorithm's key check."""
    settings = RolloutSettings()
    nested = config.get("evaluation_config") or {}
    if not isinstance(nested, dict):
        raise ConfigError(f"--config: 'evaluation_config' must be a mapping, got {nested!r}.")
    for key, value in nested.items():
        _read_key(settings, "evaluation_config.", key, value, accepts)
    for key, value in config.items():
        if key != "evaluation_config":
            _read_key(settings, "", key, value, accepts)
    return settings


def inert_notice(settings: RolloutSettings) -> str | None:
    """One line naming every key that has no effect on the rollout, and what to use instead."""
    if not settings.inert:
        return None
    by_reason: dict[str, list[str]] = {}
    for key, reason in settings.inert.items():
        by_reason.setdefault(reason, []).append(key)
    parts = [f"{', '.join(keys)} ({reason})" for reason, keys in by_reason.items()]
    return "--config: no effect on a rollout: " + "; ".join(parts)


def merge_env_config(
    trained: dict[str, Any] | None, from_config: dict[str, Any] | None, from_flag: dict[str, Any] | None
) -> dict[str, Any]:
    """The env config of the rollout: ``--env-config`` replaces the training one (as it always
    did), ``--config``'s ``env_config`` merges into what that leaves, under the flag's keys."""
    base = {} if from_flag is not None else dict(trained or {})
    return deep_merge(deep_merge(base, from_config or {}), from_flag or {})
