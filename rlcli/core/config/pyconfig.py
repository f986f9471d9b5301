"""``rlcli train -f my_config.py``: a Python file that builds an ``AlgorithmConfig``, as RLlib
2.60's own tuned examples do.

The file is imported (never run as ``__main__``, so its ``run_rllib_example_script_experiment``
block is skipped) with an empty argv, so ``add_rllib_example_script_args(...).parse_args()`` at
import time reads its defaults. It must define ``config`` (an ``AlgorithmConfig``); ``stop`` (a
dict) and ``name`` are optional, and without ``stop`` the example-script ``args`` give RLlib's
own stop criteria (``stop_reward``, ``stop_timesteps``, ``stop_iters``). The config becomes an
experiment in rlcli's terms: the settings that differ from the algorithm's defaults, under the
keys a YAML file would use, so flags, ``--config`` and ``KEY=VALUE`` apply on top as for YAML.
Importing the file runs its code, like any import path: it is trusted input.

The example-script arguments the file sets (``parser.set_defaults(num_env_runners=3)``, or
``args.x = ...``) are applied to the config as RLlib's example runner
(``ray.rllib.examples.utils.run_rllib_example_script_experiment``) applies them, on top of the
file's config (:func:`example_script_settings`; not when the file passes ``keep_config=True``);
rlcli then fits the result to the machine as for any file (e.g. fewer env runners on 2 CPUs).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

from rlcli.core.errors import ConfigError

#: RLlib's example-script stop criteria (``ray.rllib.examples.utils``), by ``args`` attribute.
EXAMPLE_SCRIPT_STOPS = {
    "stop_reward": "env_runners/episode_return_mean",
    "stop_timesteps": "env_runners/num_env_steps_sampled_lifetime",
    "stop_iters": "training_iteration",
}

#: Attributes that are bookkeeping, not settings.
_SKIPPED = ("algo_class", "_is_frozen", "env", "_prior_exploration_config")


def is_python_file(path: str) -> bool:
    return path.endswith(".py")


def load_python_experiment(path: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """The file's experiment as ``[(name, {run, env, config, stop})]``, like a YAML file's, and
    the notices about the example-script arguments it sets."""
    module = _import_file(path)
    config = getattr(module, "config", None)
    if not _is_algorithm_config(config):
        raise ConfigError(
            f"{path}: defines no 'config' AlgorithmConfig.",
            "Build one at module level, e.g. config = PPOConfig().environment('CartPole-v1').",
        )
    assert config is not None  # narrowed by the check above, for the type checker
    body: dict[str, Any] = {"run": _algorithm_name(config, path), "config": config_to_mapping(config)}
    if config.env is not None:
        body["env"] = _env_name(config.env)
    stop = _stop(module, path)
    if stop:
        body["stop"] = stop
    name = getattr(module, "name", None) or getattr(module, "experiment_name", None) or Path(path).stem
    if not isinstance(name, str):
        raise ConfigError(f"{path}: 'name' must be a string, got {name!r}.")
    notices: list[str] = []
    args = getattr(module, "args", None)
    if _is_example_args(args) and "keep_config=True" not in Path(path).read_text(errors="replace"):
        settings = example_script_settings(args, path)
        body["config"] = {**body["config"], **settings.config}
        if "env" in settings.experiment and "env" in body:
            settings.experiment.pop("env")  # the runner sets --env only when the config has none
        body.update(settings.experiment)
        notices = settings.notices
    return [(name, body)], notices


@dataclasses.dataclass
class ExampleSettings:
    """What a file's example-script ``args`` set: config keys, experiment keys, notices."""

    config: dict[str, Any]
    experiment: dict[str, Any]
    notices: list[str]


def _is_example_args(args: Any) -> bool:
    """``args`` parsed by RLlib's ``add_rllib_example_script_args`` (its attributes, not its type)."""
    return all(hasattr(args, a) for a in ("num_env_runners", "stop_iters", "evaluation_interval", "num_learners"))


#: Example-script arguments the runner copies into the config when they are not None, by config key.
_RUNNER_CONFIG_ARGS = (
    "num_env_runners",
    "num_envs_per_env_runner",
    "num_learners",
    "num_aggregator_actors_per_learner",
    "num_gpus_per_learner",
    "num_cpus_per_learner",
    "log_level",
    "output",
)
#: Tune settings the runner passes, applied where the file changed the parser's default
#: (rlcli keeps its own defaults otherwise, e.g. a checkpoint at the end).
_RUNNER_TUNE_ARGS = ("num_samples", "max_concurrent_trials", "checkpoint_freq", "checkpoint_at_end")


def example_script_settings(args: Any, path: str) -> ExampleSettings:
    """The settings RLlib 2.60's example runner derives from ``args`` (see its
    ``run_rllib_example_script_experiment``): ``--num-env-runners`` and the other scaling
    arguments, evaluation when ``--evaluation-interval`` > 0, ``--env`` for a config without
    one, the Tune settings. What the runner refuses on the new stack (``--old-api-stack``,
    ``--num-gpus`` > 0) is refused here too; the flags it no longer supports get a notice."""
    notices = _unsupported_args(args, path)
    config = {key: getattr(args, key) for key in _RUNNER_CONFIG_ARGS if getattr(args, key, None) is not None}
    if (getattr(args, "evaluation_interval", 0) or 0) > 0:
        for key in ("evaluation_num_env_runners", "evaluation_interval", "evaluation_duration"):
            config[key] = getattr(args, key)
        config["evaluation_duration_unit"] = args.evaluation_duration_unit
        config["evaluation_parallel_to_training"] = bool(args.evaluation_parallel_to_training)
    if config:
        shown = ", ".join(f"{k}={v!r}" for k, v in config.items())
        notices.append(f"{path}: example-script arguments applied as RLlib's example runner applies them: {shown}")
    return ExampleSettings(config, _runner_experiment(args), notices)


def _runner_experiment(args: Any) -> dict[str, Any]:
    """``--env`` and the Tune settings the file changed from the parser's defaults."""
    from ray.rllib.examples.utils import add_rllib_example_script_args

    parser_defaults = vars(add_rllib_example_script_args().parse_args([]))
    experiment: dict[str, Any] = {"env": args.env} if getattr(args, "env", None) else {}
    for key in _RUNNER_TUNE_ARGS:
        value = getattr(args, key, None)
        if value is not None and value != parser_defaults.get(key):
            experiment[key] = value
    return experiment


def _unsupported_args(args: Any, path: str) -> list[str]:
    """Raise for what the runner refuses on the new stack; notices for what it no longer supports."""
    if getattr(args, "old_api_stack", False):
        raise ConfigError(f"{path}: sets --old-api-stack; rlcli trains on RLlib 2.60's new API stack only.")
    if (getattr(args, "num_gpus", None) or 0) > 0:
        raise ConfigError(
            f"{path}: sets --num-gpus={args.num_gpus}, which RLlib's example runner refuses on the new API stack.",
            "Use num_gpus_per_learner (and num_learners) instead, as the runner says.",
        )
    notices = []
    retired = (("enable_new_api_stack", "the new API stack is the default"), ("local_mode", "see --local-mode"))
    for flag, meaning in retired:
        if getattr(args, flag, False):
            notices.append(f"{path}: example-script argument {flag}=True is no longer supported by RLlib; {meaning}")
    if getattr(args, "framework", "torch") != "torch":
        notices.append(f"{path}: framework {args.framework!r}: RLlib 2.60's new stack trains with torch; using torch")
    return notices


def _import_file(path: str) -> types.ModuleType:
    file = Path(path).resolve()
    if not file.is_file():
        raise ConfigError(f"Config file '{path}' does not exist.", "Check the path.")
    module_name = f"rlcli_config_{abs(hash(str(file)))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path}: cannot be imported as Python.")
    module = importlib.util.module_from_spec(spec)
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(file)]  # example scripts parse their args at import: give them their defaults
    sys.path.insert(0, str(file.parent))  # and let them import their neighbours
    try:
        sys.modules[module_name] = module
        from ray import cloudpickle

        # Functions and classes defined in the file travel to Ray's workers by value (Ray pickles
        # with its own cloudpickle): the workers cannot import a module only this process has.
        cloudpickle.register_pickle_by_value(module)
        spec.loader.exec_module(module)
    except SystemExit as exc:
        raise ConfigError(
            f"{path}: exited while being imported (exit {exc.code}).", "Move that code under main."
        ) from None
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"{path}: failed while being imported: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
    return module


def _is_algorithm_config(value: Any) -> bool:
    from ray.rllib.algorithms.algorithm_config import AlgorithmConfig

    return isinstance(value, AlgorithmConfig)


def _algorithm_name(config: Any, path: str) -> str:
    from rlcli.core.rllib.resolve import algorithm_names

    cls = config.algo_class
    if cls is None:
        raise ConfigError(f"{path}: 'config' has no algorithm class.", "Build it from PPOConfig(), DQNConfig(), ...")
    for name, loader in algorithm_names().items():
        if name == cls.__name__ and loader()[0] is cls:
            return name
    return f"{cls.__module__}:{cls.__qualname__}"


def _env_name(env: Any) -> str:
    """The env as a name rlcli resolves: a string as is, a class or function by import path (also
    one built by a factory and bound to a module name, e.g. RLlib's ``MultiAgentCartPole``), else
    registered with Tune under its own name (an env class defined in the config file itself)."""
    if isinstance(env, str):
        return env
    path = code_path(env) or _bound_name(env)
    if path:
        return path
    from ray.tune.registry import register_env

    name = getattr(env, "__name__", type(env).__name__)
    register_env(name, _EnvFromClass(env))
    return name


class _EnvFromClass:
    """A Tune env creator for an env class held as an object (pickled by value with its file)."""

    def __init__(self, env_cls: Any) -> None:
        self.env_cls = env_cls

    def __call__(self, env_config: Any) -> Any:
        return self.env_cls(env_config)


def _bound_name(obj: Any) -> str | None:
    """``module:name`` of a module attribute bound to ``obj`` (its home module first)."""
    home = getattr(obj, "__module__", "")
    names = sorted(sys.modules, key=lambda m: (not home.startswith(m.rsplit(".", 1)[0]), m))
    for module_name in names:
        module = sys.modules.get(module_name)
        if module is None or module_name.startswith("rlcli_config_"):
            continue
        for attr, value in list(getattr(module, "__dict__", {}).items()):
            if value is obj and not attr.startswith("_"):
                return f"{module_name}:{attr}"
    return None


def _stop(module: types.ModuleType, path: str) -> dict[str, Any]:
    stop = getattr(module, "stop", None)
    if stop is not None:
        if not isinstance(stop, dict):
            raise ConfigError(f"{path}: 'stop' must be a dict of metric: value, got {type(stop).__name__}.")
        return dict(stop)
    args = getattr(module, "args", None)
    if args is None:
        return {}
    return {key: getattr(args, attr) for attr, key in EXAMPLE_SCRIPT_STOPS.items() if getattr(args, attr, None)}


def code_path(obj: Any) -> str | None:
    """``module:qualname`` for a class or function importable by that name, else None (lambdas,
    local functions, classes defined inside the config file itself)."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname or "<" in qualname or module.startswith("rlcli_config_") or module == "__main__":
        return None
    return f"{module}:{qualname}"


def config_to_mapping(config: Any) -> dict[str, Any]:
    """The settings of ``config`` that differ from its class's defaults, under rlcli's keys."""
    from rlcli.core.rllib.config_keys import keys_for

    keys = keys_for(type(config))
    default = vars(type(config)())
    out: dict[str, Any] = {}
    for attribute, value in vars(config).items():
        if attribute in _SKIPPED or _same(value, default.get(attribute)):
            continue
        public = keys.public_key(attribute)
        if public.startswith("_"):
            continue  # internal state RLlib derives from the settings (already covered by them)
        out[public] = to_plain(value, public)
    if "model_config" in out:  # a DefaultModelConfig sets every field, also those the algorithm changes
        for field_name in config._model_config_auto_includes:
            if hasattr(config._model_config, field_name):
                out["model_config"].setdefault(field_name, getattr(config._model_config, field_name))
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # arrays and other values without a truth value
        return a is b


def to_plain(value: Any, key: str = "") -> Any:
    """A config value as YAML can hold it: import paths for module-level code, mappings for
    RLlib's spec objects; what has no such form (a lambda) stays the object it is."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        if key == "policies" and all(_empty_policy_spec(v) for v in value.values()):
            return sorted(value)
        return {k: to_plain(v) for k, v in value.items()}
    spec = _rllib_spec_to_plain(value)
    if spec is not None:
        return spec
    if isinstance(value, type) or callable(value):
        return code_path(value) or value
    return value


def _rllib_spec_to_plain(value: Any) -> dict[str, Any] | None:
    """RLlib's model-config and module-spec objects as the mappings rlcli reads; None for others."""
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    if isinstance(value, DefaultModelConfig):
        defaults = DefaultModelConfig()
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _same(getattr(value, f.name), getattr(defaults, f.name))
        }
    if isinstance(value, MultiRLModuleSpec):
        return {"rl_module_specs": {k: to_plain(v) for k, v in (value.rl_module_specs or {}).items()}}
    if isinstance(value, RLModuleSpec):
        fields = ("module_class", "catalog_class", "model_config", "inference_only")
        return {f: to_plain(getattr(value, f)) for f in fields if getattr(value, f, None) not in (None, False)}
    return None


def _empty_policy_spec(spec: Any) -> bool:
    fields = ("policy_class", "observation_space", "action_space", "config")
    return all(getattr(spec, f, None) in (None, {}) for f in fields)
