"""rlcli's config mapping → RLlib's ``AlgorithmConfig``: key checks, RLlib's own ``validate()``,
and fitting resource requests to the Ray that will run them. Imports RLlib lazily."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from rlcli.core import searchspace
from rlcli.core.errors import ConfigError, did_you_mean
from rlcli.core.rllib.config_keys import (
    MULTI_AGENT_KEYS,
    AlgorithmKeys,
    default_model_fields,
    ignored_model_fields,
    keys_for_algorithm,
)
from rlcli.core.rllib.connectors import KNOWN_CONNECTORS, NamedConnectorFactory
from rlcli.core.rllib.user_code import resolve_code_values
from rlcli.core.spec import ExperimentSpec


def to_rllib_dict(spec: ExperimentSpec, keys: AlgorithmKeys, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The mapping RLlib's ``update_from_dict`` (and Tune's ``param_space``) receives: builder
    keywords renamed to the attributes they set, import paths replaced by the objects they name."""
    out = dict(spec.config if config is None else config)
    if spec.env is not None:
        out["env"] = spec.env
    if spec.env_config:
        out["env_config"] = dict(spec.env_config)
    if isinstance(out.get("n_step"), list):  # YAML has no tuples; RLlib reads a (min, max) range only as one
        out["n_step"] = tuple(out["n_step"])
    connector = out.get("env_to_module_connector")
    if isinstance(connector, str) and connector in KNOWN_CONNECTORS:
        multi_agent = bool(out.get("policies") or (out.get("multiagent") or {}).get("policies"))
        out["env_to_module_connector"] = NamedConnectorFactory(connector, multi_agent)
    out = resolve_code_values(keys, out)
    renamed: dict[str, Any] = {}
    for key, value in out.items():
        if key in MULTI_AGENT_KEYS:
            renamed.setdefault("multiagent", {})[key] = value
        elif key == "multiagent" and isinstance(value, dict):
            renamed["multiagent"] = {**value, **renamed.get("multiagent", {})}
        else:
            renamed[keys.update_key(key)] = value
    return renamed


def fix_inconsistent_defaults(cls: Any, spec: ExperimentSpec) -> tuple[ExperimentSpec, list[str]]:
    """Configs the old docs teach that RLlib 2.60 rejects as written, made to mean what they
    meant: CQL's defaults (:func:`_split_learning_rates`) and ``output: DIR``
    (:func:`record_episodes`)."""
    spec, notices = _split_learning_rates(cls, spec)
    spec, recorded = record_episodes(cls, spec)
    return spec, notices + recorded


def record_episodes(cls: Any, spec: ExperimentSpec) -> tuple[ExperimentSpec, list[str]]:
    """``output: DIR`` (the old docs' way to save episode traces while training) works as taught:
    rlcli records the episodes itself (:mod:`rlcli.core.rllib.episode_recorder`, which says why)
    with ``batch_mode: complete_episodes``, as RLlib 2.60 requires for recording (episodes that
    later serve as offline input for BC/MARWIL must be whole). A relative DIR is anchored at the
    working directory (trials run elsewhere)."""
    output = spec.config.get("output")
    if not isinstance(output, str) or not output.strip() or "://" in output:
        return spec, []
    config = {**spec.config, "output": os.path.abspath(os.path.expanduser(output))}
    notices = []
    if config.get("batch_mode", cls.get_default_config().batch_mode) != "complete_episodes":
        config["batch_mode"] = "complete_episodes"
        notices.append(
            f"{spec.name}: output={config['output']} records episodes: batch_mode=complete_episodes "
            "(RLlib 2.60 records only whole episodes, so they can be read back as offline input)"
        )
    return dataclasses.replace(spec, config=config), notices


def _split_learning_rates(cls: Any, spec: ExperimentSpec) -> tuple[ExperimentSpec, list[str]]:
    """RLlib 2.60's CQL default config fails its own ``validate()`` (it inherits SAC's rule that
    ``lr`` be None but sets ``lr=3e-4``); a file that leaves ``lr`` unset means the defaults, so
    rlcli sets ``lr: null`` and says so."""
    default = cls.get_default_config()
    uses_split_lrs = hasattr(default, "actor_lr") and hasattr(default, "critic_lr") and hasattr(default, "alpha_lr")
    if uses_split_lrs and default.lr is not None and spec.config.get("lr", default.lr) == default.lr:
        config = {**spec.config, "lr": None}
        notice = f"{spec.name}: lr=None ({spec.algorithm} learns with actor_lr, critic_lr and alpha_lr)"
        return dataclasses.replace(spec, config=config), [notice]
    return spec, []


def check_keys(algorithm: str, keys: AlgorithmKeys, default: Any, config: dict[str, Any]) -> None:
    """Unknown keys are an error naming the nearest valid key (RLlib would store them silently)."""
    accepted = keys.accepted
    for key, value in config.items():
        if key not in accepted:
            raise ConfigError(
                f"Unknown config key '{key}' for {algorithm}.",
                did_you_mean(key, accepted) or "See the algorithm's AlgorithmConfig for valid keys.",
            )
        _check_type(algorithm, key, _default_value(default, keys.update_key(key)), value)
    _check_model_config(algorithm, keys, config)


def _default_value(default: Any, attribute: str) -> Any:
    try:
        return getattr(default, attribute, None)
    except Exception:  # a deprecated property raises on read
        return None


def _check_model_config(algorithm: str, keys: AlgorithmKeys, config: dict[str, Any]) -> None:
    """``model_config`` keys are those of the RLModule that will be built: the default module's
    (RLlib's ``DefaultModelConfig`` plus the algorithm's own, e.g. DQN's ``dueling``); a user's
    RLModule class takes whatever it reads, so its keys pass through."""
    model = config.get("model_config")
    if not isinstance(model, dict) or _custom_module(config.get("rl_module_spec")):
        return
    valid = default_model_fields() | set(keys.default_model_config)
    for key in model:
        if key not in valid and key not in ignored_model_fields():
            raise ConfigError(
                f"Unknown model_config key '{key}' for {algorithm}'s default RLModule.",
                did_you_mean(str(key), valid) or "Set rl_module_spec.module_class to your own RLModule to use it.",
            )


def ignored_model_config_notices(spec: ExperimentSpec, cls: Any) -> list[str]:
    """One line per ``model_config`` key RLlib 2.60 accepts and its default RLModule ignores
    (:func:`ignored_model_fields`): it trains as RLlib trains it, and the user knows."""
    from rlcli.core.legacy.translate import model_key_rename

    model = spec.config.get("model_config")
    if not isinstance(model, dict) or _custom_module(spec.config.get("rl_module_spec")):
        return []
    valid = default_model_fields() | set(keys_for_algorithm(cls).default_model_config)
    lines = []
    for key in model:
        if key in ignored_model_fields() and key not in valid:
            renamed = model_key_rename(str(key))
            instead = f"; {renamed} is its 2.60 name" if renamed else ""
            lines.append(
                f"{spec.name}: model_config key '{key}' is accepted by RLlib 2.60 but its default "
                f"{spec.algorithm} RLModule ignores it{instead}; training as RLlib does, without it"
            )
    return lines


def _custom_module(spec: Any) -> bool:
    if isinstance(spec, dict):
        return "module_class" in spec or "rl_module_specs" in spec
    return spec is not None


#: Counts (batch sizes, runners, epochs, ...) at or past this are typos: 2**31.
_MAX_COUNT = 2**31


def _check_type(algorithm: str, key: str, default: Any, value: Any) -> None:
    """Typos RLlib would store and fail on mid-run, or never: a string where its default is a
    number or a flag (``num_epochs=abc``), a count no machine could run (``train_batch_size=1e30``)."""
    is_count = isinstance(default, int) and not isinstance(default, bool)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if is_count and is_number and not abs(value) < _MAX_COUNT:  # also NaN and inf
        raise ConfigError(
            f"'{key}' for {algorithm} is {value:g}, far beyond anything that could run.",
            f"Use a count below {_MAX_COUNT:,}.",
        )
    if not isinstance(value, str) or value == "auto":  # e.g. evaluation_duration: auto
        return
    if isinstance(default, bool):
        raise ConfigError(f"'{key}' for {algorithm} must be true or false, got {value!r}.", f"Write e.g. {key}=true.")
    if isinstance(default, (int, float)):
        hint = f"Write e.g. {key}={default!r}" + (" (YAML reads 1e30 as text; write 1.0e+30)." if "e" in value else ".")
        raise ConfigError(f"'{key}' for {algorithm} must be a number, got {value!r}.", hint)


def build_config(cls: Any, spec: ExperimentSpec, config: dict[str, Any] | None = None) -> Any:
    """An ``AlgorithmConfig`` for one representative point of the search space, validated by
    RLlib itself, so a bad value fails before Ray starts."""
    default = cls.get_default_config()
    keys = keys_for_algorithm(cls)
    config = spec.config if config is None else config
    check_keys(spec.algorithm, keys, default, config)
    point = searchspace.sample(to_rllib_dict(spec, keys, config))
    try:
        algo_config = default.update_from_dict(point)
        algo_config.validate()
    except (ValueError, TypeError, KeyError, AttributeError, ImportError, NotImplementedError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{spec.algorithm} rejects this config: {first}") from exc
    return algo_config


@dataclasses.dataclass(frozen=True)
class FittedSpec:
    spec: ExperimentSpec
    algo_config: Any
    request: dict[str, float]
    notices: tuple[str, ...]


#: What a local run gives up, in this order, when a trial asks for more CPUs than the machine has.
_CPU_FALLBACKS = (("num_env_runners", 0), ("evaluation_num_env_runners", 0), ("num_learners", 0))


def fit_resources(cls: Any, spec: ExperimentSpec, cpus: float, gpus: float, local: bool = True) -> FittedSpec:
    """Compare what one trial will request with what Ray has. On this machine (``local``) a trial
    that cannot fit is shrunk (GPUs, then remote env runners, then learners), each step said in a
    notice, so cluster-sized files still run; on a cluster only RLlib's defaults are shrunk and a
    request that cannot be met fails at once, with numbers."""
    notices: list[str] = ignored_model_config_notices(spec, cls)
    config = dict(spec.config)
    algo_config = build_config(cls, spec, config)
    request = _request(cls, algo_config)
    if local and request.get("GPU", 0) > gpus:
        config["num_gpus_per_learner"] = 0
        algo_config = build_config(cls, spec, config)
        request = _request(cls, algo_config)
        notices.append(f"{spec.name}: it asks for GPUs but Ray has {gpus:g}; training on CPU (num_gpus_per_learner=0).")
    for key, small in _CPU_FALLBACKS:
        if request.get("CPU", 0) <= cpus or not (local or key not in config):
            continue
        old = getattr(algo_config, key, small)
        if old == small:
            continue
        need = request.get("CPU", 0)
        config[key] = small
        if key == "evaluation_num_env_runners":  # RLlib evaluates in parallel only on remote runners
            config["evaluation_parallel_to_training"] = False
        algo_config = build_config(cls, spec, config)
        request = _request(cls, algo_config)
        origin = "the configured" if key in spec.config else f"{spec.algorithm}'s default"
        notices.append(
            f"{spec.name}: {origin} {key}={old} needs {need:g} CPUs but Ray has {cpus:g}; using {key}={small}"
            + (" (sampling in the trainer)" if key == "num_env_runners" else "")
            + ". To run it as written, use a bigger machine (--ray-address / --ray-num-cpus)."
        )
    if gpus > 0 and "num_gpus_per_learner" not in config and not algo_config.num_gpus_per_learner:
        config["num_gpus_per_learner"] = 1
        algo_config = build_config(cls, spec, config)
        request = _request(cls, algo_config)
        notices.append(f"{spec.name}: Ray has {gpus:g} GPU(s); training the learner on one (num_gpus_per_learner=1).")
    _require_fit(spec, request, cpus, gpus)
    return FittedSpec(dataclasses.replace(spec, config=config), algo_config, request, tuple(notices))


def _request(cls: Any, algo_config: Any) -> dict[str, float]:
    return dict(cls.default_resource_request(algo_config).required_resources)


def _require_fit(spec: ExperimentSpec, request: dict[str, float], cpus: float, gpus: float) -> None:
    need_cpu, need_gpu = request.get("CPU", 0), request.get("GPU", 0)
    if need_cpu > cpus:
        raise ConfigError(
            f"{spec.name}: one trial asks for {need_cpu:g} CPUs but Ray has {cpus:g}; it would wait forever.",
            "Lower num_env_runners / num_cpus_per_env_runner / num_learners, or pass --ray-num-cpus.",
        )
    if need_gpu > gpus:
        raise ConfigError(
            f"{spec.name}: one trial asks for {need_gpu:g} GPUs but Ray has {gpus:g}.",
            "Set num_gpus_per_learner=0, or run where GPUs are (--ray-num-gpus / --ray-address).",
        )
