"""Which config keys an algorithm takes, derived from RLlib's own classes (never a hand-written list).

A key is anything RLlib 2.60 accepts for the algorithm: a keyword of one of its
``AlgorithmConfig`` builder methods (``training``, ``env_runners``, ``learners``, ...), an
attribute of its default config, or a property with a setter anywhere in the config's MRO.
Builder keywords do not always share the attribute's name (``rl_module(model_config=)`` sets
``_model_config``, ``callbacks(on_episode_end=)`` sets ``callbacks_on_episode_end``); the
attribute behind each one is found by calling the builder with a marker object and seeing where
it lands, so the mapping follows RLlib as it changes. Imports RLlib; results are cached per class.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The builder methods of ``AlgorithmConfig`` whose keywords are config keys.
BUILDER_METHODS = (
    "training",
    "environment",
    "env_runners",
    "learners",
    "evaluation",
    "reporting",
    "fault_tolerance",
    "debugging",
    "resources",
    "rl_module",
    "multi_agent",
    "offline_data",
    "api_stack",
    "checkpointing",
    "callbacks",
    "framework",
)

#: Keys ``update_from_dict`` renames itself (its ``_translate_special_keys``; a test checks each
#: one against RLlib) or routes to a builder: accepted although no attribute has the name.
SPECIAL_KEYS = frozenset(
    {
        "env",
        "lambda",
        "input",
        "callbacks",
        "framework",
        "multiagent",
        "num_workers",
        "create_env_on_driver",
        "custom_eval_function",
        "num_cpus_for_driver",
    }
)

#: ``multi_agent()`` keywords: ``update_from_dict`` runs them through ``multi_agent()`` (which
#: turns a list of policy ids into PolicySpecs) only when they arrive under ``multiagent``.
MULTI_AGENT_KEYS = frozenset(
    {
        "policies",
        "policy_map_capacity",
        "policy_mapping_fn",
        "policies_to_train",
        "policy_states_are_swappable",
        "observation_fn",
        "count_steps_by",
    }
)


@dataclass(frozen=True)
class BuilderKey:
    """One keyword of one builder method and the attribute ``update_from_dict`` must set for it
    (``None``: RLlib rejects or ignores the keyword, e.g. a deprecated one)."""

    method: str
    attribute: str | None
    #: The annotation allows a class or a callable: a string value may be an import path.
    takes_code: bool
    #: The annotation also allows a plain string, so only ``pkg.mod:Name`` is read as a path.
    takes_str: bool
    annotation: str
    #: RLlib warns that the keyword is deprecated (rlcli's legacy table translates it first).
    deprecated: bool = False


@dataclass(frozen=True, eq=False)
class AlgorithmKeys:
    """Everything rlcli needs to check and translate one algorithm's config keys."""

    builder: dict[str, BuilderKey]
    attributes: frozenset[str]
    default_model_config: dict[str, Any]

    @functools.cached_property
    def accepted(self) -> frozenset[str]:
        usable = {k for k, b in self.builder.items() if b.attribute is not None}
        return frozenset(usable | self.attributes | SPECIAL_KEYS | {"model_config", "evaluation_config", "seed"})

    def update_key(self, key: str) -> str:
        """The name ``update_from_dict`` (and so Tune's ``param_space``) needs for ``key``."""
        entry = self.builder.get(key)
        if entry is None or entry.attribute is None or key in MULTI_AGENT_KEYS:
            return key
        return entry.attribute

    def public_key(self, attribute: str) -> str:
        """The builder keyword a user writes for an attribute (``_model_config`` → ``model_config``)."""
        for key, entry in self.builder.items():
            if entry.attribute == attribute and entry.attribute != key and not entry.deprecated:
                return key
        return attribute

    @functools.cached_property
    def code_keys(self) -> dict[str, BuilderKey]:
        """Keys whose values may be classes or functions (import paths in YAML)."""
        return {k: b for k, b in self.builder.items() if b.takes_code and b.attribute is not None}


class _Marker:
    """A value no builder would produce itself: where it lands is the keyword's attribute."""

    def __repr__(self) -> str:
        return "<rlcli marker>"


class _Warnings(logging.Handler):
    """Collects what RLlib logs while a builder runs (its deprecation notices)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _attribute_for(config_cls: type, method: str, keyword: str) -> tuple[str | None, bool]:
    """The attribute a builder keyword sets, and whether RLlib calls the keyword deprecated."""
    config = config_cls()
    marker = _Marker()
    warnings = _Warnings()
    loggers = [logging.getLogger(name) for name in ("ray", "ray.rllib", "ray._common.deprecation")]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(warnings)
        lg.propagate = False
        lg.setLevel(logging.WARNING)
    try:
        getattr(config, method)(**{keyword: marker})
    except Exception as exc:  # the builder checks the value's type: fall back to the name
        warnings.messages.append(str(exc))
    else:
        landed = [name for name, value in vars(config).items() if value is marker]
        if len(landed) == 1:
            return landed[0], _says_deprecated(warnings.messages)
    finally:
        for lg, (propagate, level) in zip(loggers, saved, strict=True):
            lg.removeHandler(warnings)
            lg.propagate = propagate
            lg.setLevel(level)
    names = vars(config)
    for candidate in (keyword, "_" + keyword, "callbacks_" + keyword):
        if candidate in names and not _is_deprecated(names[candidate]):
            return candidate, False
    return None, True


def _says_deprecated(messages: list[str]) -> bool:
    return any("deprecated" in m.lower() for m in messages)


def _is_deprecated(value: Any) -> bool:
    from ray._common.deprecation import DEPRECATED_VALUE

    try:
        return bool(value == DEPRECATED_VALUE) and not isinstance(value, bool)
    except Exception:  # numpy arrays and other odd defaults
        return False


def _takes_code(annotation: str) -> bool:
    return "Callable" in annotation or "Type[" in annotation or "[type]" in annotation or "type, " in annotation


def _takes_str(annotation: str) -> bool:
    return "str" in annotation.replace("ForwardRef", "")


def _builder_keys(config_cls: type) -> dict[str, BuilderKey]:
    keys: dict[str, BuilderKey] = {}
    for method in BUILDER_METHODS:
        for keyword, parameter in _keywords(config_cls, method):
            if keyword in keys:
                continue
            annotation = str(parameter.annotation)
            attribute, deprecated = _attribute_for(config_cls, method, keyword)
            keys[keyword] = BuilderKey(
                method=method,
                attribute=attribute,
                takes_code=_takes_code(annotation),
                takes_str=_takes_str(annotation),
                annotation=annotation,
                deprecated=deprecated,
            )
    return keys


def _keywords(config_cls: type, method: str) -> list[tuple[str, inspect.Parameter]]:
    """The keywords of ``method`` across the MRO: ``PPOConfig.training(**kwargs)`` passes
    ``AlgorithmConfig.training``'s own (``train_batch_size_per_learner``, ``lr``, ...) upwards."""
    found = []
    for klass in config_cls.__mro__:
        if method in vars(klass):
            for keyword, parameter in inspect.signature(vars(klass)[method]).parameters.items():
                if keyword != "self" and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                    found.append((keyword, parameter))
    return found


def _attributes(default: Any) -> frozenset[str]:
    names = {n for n, v in vars(default).items() if not n.startswith("_") and not _is_deprecated(v)}
    for klass in type(default).__mro__:
        for name, member in vars(klass).items():
            settable = isinstance(member, property) and member.fset is not None and not name.startswith("_")
            if settable and not _deprecated_property(default, name):
                names.add(name)
    return frozenset(names)


def _deprecated_property(default: Any, name: str) -> bool:
    try:
        return _is_deprecated(getattr(default, name))
    except Exception:  # a deprecated getter raises
        return True


_DERIVED: dict[Any, AlgorithmKeys] = {}


def keys_for(config_cls: Any) -> AlgorithmKeys:
    """The derived keys of one ``AlgorithmConfig`` class (cached: ~250 builder calls)."""
    if config_cls not in _DERIVED:
        _DERIVED[config_cls] = _derive(config_cls)
    return _DERIVED[config_cls]


def _derive(config_cls: Any) -> AlgorithmKeys:
    default = config_cls()
    model_config = default.model_config if isinstance(default.model_config, dict) else {}
    return AlgorithmKeys(_builder_keys(config_cls), _attributes(default), dict(model_config))


def keys_for_algorithm(algorithm_cls: Any) -> AlgorithmKeys:
    return keys_for(type(algorithm_cls.get_default_config()))


def default_model_fields() -> frozenset[str]:
    """Fields of RLlib's ``DefaultModelConfig``: what the default RLModules read."""
    import dataclasses

    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    return frozenset(f.name for f in dataclasses.fields(DefaultModelConfig))


#: ``model_config`` keys RLlib's own new-stack tuned examples (2.10-2.40) set that no 2.60 module
#: reads: a switch of the transition to the EnvRunner API (its meaning lives on as
#: ``AlgorithmConfig.uses_new_env_runners``, a read-only property, not a model setting).
TRANSITION_MODEL_KEYS = frozenset({"uses_new_env_runners"})


@functools.lru_cache(maxsize=1)
def ignored_model_fields() -> frozenset[str]:
    """``model_config`` keys RLlib 2.60 accepts and its default RLModules ignore: those of the old
    stack's model catalog (``ray.rllib.models.catalog.MODEL_DEFAULTS``, which RLlib still ships)
    that ``DefaultModelConfig`` lacks, and :data:`TRANSITION_MODEL_KEYS`. RLlib stores a
    ``model_config`` dict as given, so these build and train; rlcli says they have no effect."""
    from ray.rllib.models.catalog import MODEL_DEFAULTS

    return (frozenset(MODEL_DEFAULTS) | TRANSITION_MODEL_KEYS) - default_model_fields()


def acceptor(algorithm: str) -> Callable[[str], bool]:
    """``key -> bool`` for one algorithm, importing RLlib only on the first question (asked for
    legacy keys only, so a current config costs no import before Ray starts)."""

    @functools.lru_cache(maxsize=1)
    def accepted() -> frozenset[str]:
        from rlcli.core.rllib.resolve import resolve_algorithm

        return keys_for_algorithm(resolve_algorithm(algorithm).cls).accepted

    return lambda key: key in accepted()
