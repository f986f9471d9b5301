"""``--ray-runtime-env``: Ray's runtime environment, checked before Ray starts.

On a cluster the user's modules (envs, RLModules, callbacks) must reach every node; Ray ships
them when its runtime environment names them (``working_dir``, ``py_modules``). A path that does
not exist would otherwise fail inside ``ray.init`` or, worse, in each worker; relative paths are
made absolute here, from the directory rlcli runs in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlcli.core.config.overrides import load_mapping
from rlcli.core.errors import ConfigError

#: Keys whose values are local paths Ray uploads (URIs such as s3://... pass as they are).
_PATH_KEYS = ("working_dir", "py_modules")


def runtime_env(text: str | None) -> dict[str, Any] | None:
    """The runtime environment ``text`` (inline JSON/YAML or a file) describes, paths checked."""
    if not text:
        return None
    env = load_mapping(text, "--ray-runtime-env")
    for key in _PATH_KEYS:
        if key in env:
            value = env[key]
            env[key] = [_local(v, key) for v in value] if isinstance(value, list) else _local(value, key)
    return env


def _local(value: Any, key: str) -> Any:
    if not isinstance(value, str) or "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    if not path.exists():
        raise ConfigError(f"--ray-runtime-env: {key} '{value}' does not exist.", "Pass an existing directory or file.")
    return str(path)
