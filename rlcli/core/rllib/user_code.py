"""The user's own classes and functions named by import path in a config: callbacks, RLModules,
connectors, policy mapping functions, learner and env-runner classes.

A YAML file or ``KEY=VALUE`` can only hold strings, so a key whose RLlib annotation takes a class
or a callable (see :mod:`rlcli.core.rllib.config_keys`) reads ``pkg.mod:Name`` or ``pkg.mod.Name`` as an
import path. :func:`resolve_code_values` swaps the strings for the objects they name in the mapping RLlib
receives; preparing an experiment (also for ``--dry-run``) runs it on the main thread before
training, so a missing module, a missing name or a wrong base class is an error there, never a
string that fails inside a trial.
Importing a module runs its code: import paths are trusted input, like the config file itself.
"""

from __future__ import annotations

import importlib
from typing import Any

from rlcli.core.errors import ConfigError, UsageError
from rlcli.core.rllib.config_keys import AlgorithmKeys, BuilderKey
from rlcli.core.rllib.connectors import KNOWN_CONNECTORS  # names rlcli builds itself, not import paths
from rlcli.core.rllib.resolve import import_object

#: Base classes RLlib's annotations name by forward reference (``Type['Learner']``).
_FORWARD_BASES = {
    "Learner": "ray.rllib.core.learner.learner:Learner",
    "RLModule": "ray.rllib.core.rl_module.rl_module:RLModule",
}


def is_import_path(value: Any, entry: BuilderKey) -> bool:
    """A string naming code: ``pkg.mod:Name`` always; ``pkg.mod.Name`` where the key cannot take
    a plain string (``input_: sampler`` and ``policies_to_train: [p0]`` stay strings)."""
    if not isinstance(value, str) or value in KNOWN_CONNECTORS:
        return False
    if ":" in value and not value.startswith(("/", ".")) and "://" not in value:
        return True
    return not entry.takes_str and "." in value and "/" not in value and " " not in value


def _base_class(entry: BuilderKey) -> type | None:
    """The class a ``Type[X]`` annotation asks for, when X can be imported."""
    annotation = entry.annotation
    start = annotation.find("Type[")
    if start < 0:
        return None
    inner = annotation[start + 5 :].split("]")[0].split(",")[0].strip()
    inner = inner.removeprefix("ForwardRef('").removesuffix("')")
    path = _FORWARD_BASES.get(inner, inner if "." in inner else None)
    if path is None:
        return None
    try:
        base = import_object(path, "base class")
    except UsageError:
        return None
    return base if isinstance(base, type) else None


def load_code(key: str, path: str, entry: BuilderKey | None = None, base: type | None = None) -> Any:
    """Import one path for ``key``; errors name the key, the path and the fix."""
    try:
        obj = import_object(path, f"config key '{key}'")
    except UsageError as exc:
        raise ConfigError(f"{key}: {exc.message}", exc.hint or "Check the import path (pkg.mod:Name).") from None
    base = base or (_base_class(entry) if entry else None)
    if base is not None and not (isinstance(obj, type) and issubclass(obj, base)):
        raise ConfigError(
            f"{key}: '{path}' is {_kind(obj)}, not a subclass of {base.__name__}.",
            f"Point {key} at a class derived from {base.__module__}.{base.__name__}.",
        )
    if not callable(obj):
        raise ConfigError(f"{key}: '{path}' is {_kind(obj)}, not a class or function.", "Point it at a callable.")
    return obj


def _kind(obj: Any) -> str:
    if isinstance(obj, type):
        return f"the class {obj.__name__}"
    return f"a {type(obj).__name__}"


def _resolve_value(key: str, value: Any, entry: BuilderKey) -> Any:
    if isinstance(value, list) and any(is_import_path(v, entry) for v in value):
        return [load_code(key, v, entry) if is_import_path(v, entry) else v for v in value]
    if isinstance(value, dict) and isinstance(value.get("type"), str) and entry.takes_code:
        load_code(f"{key}.type", value["type"])  # RLlib builds {type: path, **kwargs} itself
        return value
    if is_import_path(value, entry):
        return load_code(key, value, entry)
    return value


def resolve_code_values(keys: AlgorithmKeys, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with every import-path value replaced by the object it names."""
    code_keys = keys.code_keys
    if "callbacks" in config and "callbacks_class" in code_keys:
        code_keys = {**code_keys, "callbacks": code_keys["callbacks_class"]}
    out = dict(config)
    for key, value in config.items():
        if key in code_keys:
            out[key] = _resolve_value(key, value, code_keys[key])
        elif key == "rl_module_spec":
            out[key] = build_module_spec(value)
        elif key in ("multiagent", "evaluation_config") and isinstance(value, dict):
            out[key] = resolve_code_values(keys, value)
    return out


_SPEC_KEYS = ("module_class", "catalog_class", "model_config", "observation_space", "action_space", "inference_only")


def build_module_spec(value: Any) -> Any:
    """``{module_class: path, model_config: {...}, catalog_class: path}`` → ``RLModuleSpec``;
    ``{rl_module_specs: {p0: {...}, ...}}`` → ``MultiRLModuleSpec``; RLlib objects pass through."""
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    if value is None or isinstance(value, (RLModuleSpec, MultiRLModuleSpec)):
        return value
    if not isinstance(value, dict):
        raise ConfigError(
            f"rl_module_spec must be a mapping such as {{module_class: pkg.mod:MyModule}}, got {value!r}.",
            "See 'Your own code' in docs/train.md.",
        )
    if "rl_module_specs" in value:
        specs = value["rl_module_specs"]
        if not isinstance(specs, dict) or not specs:
            raise ConfigError("rl_module_spec.rl_module_specs must map policy ids to module specs.")
        extra = {k: v for k, v in value.items() if k != "rl_module_specs"}
        multi_class = extra.pop("multi_rl_module_class", None)
        _check_spec_keys(extra, ("multi_rl_module_class",), "rl_module_spec")
        modules = {str(k): _single_spec(v, f"rl_module_spec.{k}") for k, v in specs.items()}
        kwargs: dict[str, Any] = {"rl_module_specs": modules}
        if multi_class is not None:
            kwargs["multi_rl_module_class"] = load_code("rl_module_spec.multi_rl_module_class", multi_class)
        return MultiRLModuleSpec(**kwargs)
    return _single_spec(value, "rl_module_spec")


def _check_spec_keys(value: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    from rlcli.core.errors import did_you_mean

    for key in value:
        if key not in allowed:
            raise ConfigError(f"Unknown key '{where}.{key}'.", did_you_mean(str(key), allowed) or f"Valid: {allowed}.")


def _single_spec(value: Any, where: str) -> Any:
    from ray.rllib.core.models.catalog import Catalog
    from ray.rllib.core.rl_module.rl_module import RLModule, RLModuleSpec

    if isinstance(value, RLModuleSpec):
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping with module_class, model_config, ...; got {value!r}.")
    _check_spec_keys(value, _SPEC_KEYS, where)
    kwargs = dict(value)
    if isinstance(kwargs.get("module_class"), str):
        kwargs["module_class"] = load_code(f"{where}.module_class", kwargs["module_class"], base=RLModule)
    if isinstance(kwargs.get("catalog_class"), str):
        kwargs["catalog_class"] = load_code(f"{where}.catalog_class", kwargs["catalog_class"], base=Catalog)
    if kwargs.get("model_config") is not None and not isinstance(kwargs["model_config"], dict):
        raise ConfigError(f"{where}.model_config must be a mapping, got {kwargs['model_config']!r}.")
    return RLModuleSpec(**kwargs)


def import_modules(modules: tuple[str, ...]) -> None:
    """``--import MODULE`` (repeatable): import the user's packages first, so the envs they
    register (gymnasium's ``register`` or Tune's ``register_env``) can be named by id."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise UsageError(f"--import {name}: cannot import it: {exc}.", "Check the name and PYTHONPATH.") from None
