"""Names the user types → the things RLlib needs: Algorithm classes and environments.

Algorithms resolve to the class itself (never a name string: Tune would then register every
algorithm and import their optional dependencies). Ray is imported inside the functions.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

from rlcli.algorithms import PACK
from rlcli.core.errors import ConfigError, UsageError, closest, did_you_mean

#: Algorithms older RLlib versions shipped and 2.60 does not, with what to use instead.
REMOVED_ALGORITHMS = {
    "ES": "PPO",
    "ARS": "PPO",
    "QMIX": "PPO on a MultiAgentEnv",
    "MADDPG": "PPO on a MultiAgentEnv",
    "R2D2": "DQN with model_config.use_lstm",
    "DREAMER": "DreamerV3",
    "MAML": "PPO",
    "MBMPO": "PPO",
    "ALPHAZERO": "PPO",
    "ALPHASTAR": "APPO",
    "SLATEQ": "DQN",
    "CRR": "CQL or IQL",
    "DT": "BC or MARWIL",
    "LEELACHESSZERO": "PPO",
    "BANDITLINUCB": "PPO",
    "BANDITLINTS": "PPO",
}


#: The registry's names as of Ray 2.60 (a test checks them against Ray) and rlcli's algorithm pack,
#: for canonical spelling without importing RLlib.
RLLIB_NAMES = ("APPO", "BC", "CQL", "DQN", "DreamerV3", "IMPALA", "IQL", "MARWIL", "PPO", "SAC", "TQC")
REGISTRY_NAMES = RLLIB_NAMES + tuple(PACK)


def check_not_removed(name: str) -> None:
    """An algorithm RLlib dropped gets its own message, with what to use instead."""
    if name.upper() in REMOVED_ALGORITHMS:
        raise UsageError(
            f"RLlib 2.60 no longer ships the algorithm '{name}'.", f"Use {REMOVED_ALGORITHMS[name.upper()]} instead."
        )


def canonical_name(name: str) -> str:
    """``ppo`` → ``PPO`` for known names; anything else unchanged."""
    return next((n for n in REGISTRY_NAMES if n.upper() == name.upper()), name)


def algorithm_names() -> dict[str, Any]:
    """RLlib 2.60's registry, TQC (shipped but unregistered) and rlcli's algorithm pack
    (``rlcli.algorithms.PACK``): name → loader returning ``(Algorithm class, default config)``."""
    from ray.rllib.algorithms.registry import ALGORITHMS

    def load_tqc() -> tuple[Any, Any]:
        from ray.rllib.algorithms.tqc import TQC

        return TQC, TQC.get_default_config()

    def pack_loader(path: str) -> Any:
        def load() -> tuple[Any, Any]:
            cls = import_object(path, "algorithm")
            return cls, cls.get_default_config()

        return load

    return {**ALGORITHMS, "TQC": load_tqc, **{name: pack_loader(path) for name, path in PACK.items()}}


@dataclass(frozen=True)
class ResolvedAlgorithm:
    name: str
    cls: Any


def resolve_algorithm(name: str) -> ResolvedAlgorithm:
    """Case-insensitive registry name or ``module:Class`` → the Algorithm class."""
    if ":" in name:
        return ResolvedAlgorithm(name, _import_algorithm(name))
    registry = algorithm_names()
    by_upper = {k.upper(): k for k in registry}
    key = by_upper.get(name.upper())
    if key is None:
        check_not_removed(name)
        hint = did_you_mean(name, registry) or ""
        raise UsageError(
            f"Unknown algorithm '{name}'. {hint}".strip(),
            f"Valid names: {', '.join(sorted(registry))}, or module:Class for your own Algorithm.",
        )
    cls, _ = registry[key]()
    return ResolvedAlgorithm(key, cls)


def _import_algorithm(path: str) -> Any:
    from ray.rllib.algorithms.algorithm import Algorithm

    obj = import_object(path, "algorithm")
    if not (isinstance(obj, type) and issubclass(obj, Algorithm)):
        raise UsageError(
            f"'{path}' is not an RLlib Algorithm subclass.", "Point --run at a class derived from Algorithm."
        )
    return obj


def import_object(path: str, what: str) -> Any:
    """``pkg.mod:Name`` (or ``pkg.mod.Name``) → the object. Importing runs the module's code."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise UsageError(f"{what} '{path}' is not an import path.", "Write it as package.module:Name.")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(
            f"Cannot import module '{module_name}' for {what} '{path}': {exc}.",
            "Check the name and that it is on PYTHONPATH.",
        ) from None
    obj: Any = module
    for part in attr.split("."):  # module:Class.attr reaches nested names (a qualname)
        if not hasattr(obj, part):
            public = [n for n in dir(obj) if not n.startswith("_")]
            raise UsageError(f"Module '{module_name}' has no '{attr}'.", did_you_mean(part, public))
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class ResolvedEnv:
    """How to hand the env to RLlib: a gymnasium id passed as is, or an import path that
    rlcli registers with Tune (``creator_path``) under the same name."""

    name: str
    creator_path: str | None = None
    atari: bool = False  # made through rlcli's Atari creator (ALE env + RLlib's preprocessing wrapper)
    #: The name the user's module gave Tune's ``register_env`` (``mymod:NAME`` or ``--import``).
    registered_as: str | None = None
    #: The package that registers this gymnasium id when imported (see ``REGISTERING_PACKAGES``).
    registering_package: str | None = None


#: Gymnasium namespaces that come from optional packages, with the rlcli extra that installs them.
ENV_EXTRAS = {"ALE/": "atari", "ale_py:": "atari"}

#: Gymnasium ids that a package registers only when imported, by pattern: (pattern, package, extra).
#: rlcli imports the package in every process that makes the env. PyBullet's own ``pybullet_envs``
#: registers its ids with the old ``gym`` only; ``pybullet_envs_gymnasium`` (kept by SB3's and
#: RL-Zoo3's author) registers the same ids, ``HopperBulletEnv-v0`` and the others, with gymnasium.
REGISTERING_PACKAGES = ((re.compile(r"[A-Za-z0-9]+BulletEnv-v0"), "pybullet_envs_gymnasium", "bullet"),)


def resolve_env(env: str) -> ResolvedEnv:
    """A gymnasium id, ``pkg.mod:Env-v0`` (module registers the id), or ``module:Class`` /
    ``module:function`` / ``module.Class`` (imported and registered with Tune)."""
    import gymnasium as gym

    from rlcli.core.rllib.atari import is_ale_env

    if is_ale_env(env):
        return ResolvedEnv(env, atari=True)
    registering = _registered_on_import(env)  # first: an earlier import here makes no other process know it
    if registering is not None:
        return ResolvedEnv(env, registering_package=registering)
    if env in gym.envs.registry:
        return ResolvedEnv(env)
    if tune_registered(env):
        return ResolvedEnv(env, registered_as=env)
    if ":" in env:
        return _resolve_module_env(env)
    if "." in env and "/" not in env:
        try:
            import_object(env, "env")
        except UsageError:
            pass
        else:
            return ResolvedEnv(env, creator_path=env)
    raise _unknown_env(env, list(gym.envs.registry))


def _resolve_module_env(env: str) -> ResolvedEnv:
    """``pkg.mod:Env-v0`` (the module registers the gymnasium id), ``pkg.mod:NAME`` (it registers
    NAME with Tune) or ``pkg.mod:Class`` / ``pkg.mod:function`` (rlcli registers it)."""
    import gymnasium as gym

    module_name, _, attr = env.partition(":")
    _import_module_for_env(module_name, env)
    if attr in gym.envs.registry:
        return ResolvedEnv(env)
    if tune_registered(attr):  # Griddly's pattern: the module calls tune.register_env(NAME, ...)
        return ResolvedEnv(env, registered_as=attr)
    import_object(env, "env")
    return ResolvedEnv(env, creator_path=env)


def _registered_on_import(env: str) -> str | None:
    """The package of ``REGISTERING_PACKAGES`` that registers ``env``, imported; None if none does."""
    import gymnasium as gym

    for pattern, package, extra in REGISTERING_PACKAGES:
        if not pattern.fullmatch(env):
            continue
        try:
            importlib.import_module(package)
        except ImportError as exc:
            raise UsageError(
                f"Env '{env}' is registered by {package}, which is not installed ({exc}).",
                f"pip install 'rlcli[{extra}]'",
            ) from None
        if env in gym.envs.registry:
            return package
    return None


def _import_module_for_env(module_name: str, env: str) -> None:
    try:
        importlib.import_module(module_name)
    except ImportError as exc:
        extra = next((x for prefix, x in ENV_EXTRAS.items() if env.startswith(prefix)), None)
        fix = f"pip install 'rlcli[{extra}]'" if extra else "Check the module name and PYTHONPATH."
        raise UsageError(f"Cannot import '{module_name}' for env '{env}': {exc}.", fix) from None


def _unknown_env(env: str, ids: list[str]) -> UsageError:
    for prefix, extra in ENV_EXTRAS.items():
        if env.startswith(prefix):
            return UsageError(f"Env '{env}' needs an optional package.", f"pip install 'rlcli[{extra}]'")
    hits = closest(env, ids, n=3, cutoff=0.5)
    hint = ("Did you mean " + " or ".join(repr(h) for h in hits) + "?") if hits else None
    return UsageError(
        f"Unknown env '{env}': not a gymnasium id nor an importable 'module:Class'.",
        hint or "List ids with: python -c 'import gymnasium; print(list(gymnasium.envs.registry))'.",
    )


class RegisteredOnImportEnvCreator:
    """A picklable env creator for Tune's registry: imports the package that registers the
    gymnasium id (in whichever process builds the env), then makes it as RLlib makes an id."""

    def __init__(self, package: str, env_id: str) -> None:
        self.package = package
        self.env_id = env_id

    def __call__(self, env_config: dict[str, Any]) -> Any:
        import gymnasium as gym

        importlib.import_module(self.package)
        return gym.make(self.env_id, **dict(env_config))


class ImportedEnvCreator:
    """A picklable env creator for Tune's registry: imports ``path`` in whichever process builds
    the env (driver, env runner, evaluation worker) and calls it with the env config."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, env_config: dict[str, Any]) -> Any:
        factory = import_object(self.path, "env")
        try:
            return factory(env_config)
        except TypeError as exc:
            raise ConfigError(
                f"env '{self.path}' could not be built with env_config {dict(env_config)!r}: {exc}"
            ) from exc


def tune_registered(name: str) -> bool:
    """Whether Tune's ``register_env`` knows ``name`` (in this process, or in the running Ray)."""
    from ray.tune.registry import ENV_CREATOR, _global_registry

    return bool(_global_registry.contains(ENV_CREATOR, name))


def env_creator(resolved: ResolvedEnv) -> Any:
    """The ``env_config -> Env`` function behind an imported or Tune-registered env (None for
    gymnasium ids, which ``gym.make`` builds)."""
    if resolved.registered_as is not None:
        from ray.tune.registry import ENV_CREATOR, _global_registry

        return _global_registry.get(ENV_CREATOR, resolved.registered_as)
    if resolved.creator_path is not None:
        return ImportedEnvCreator(resolved.creator_path)
    if resolved.registering_package is not None:
        return RegisteredOnImportEnvCreator(resolved.registering_package, resolved.name)
    return None


def register_env(resolved: ResolvedEnv) -> None:
    """Register an imported env with Tune (needs a running Ray; call again before a resume)."""
    from ray import tune

    if resolved.registered_as is not None and resolved.registered_as != resolved.name:
        tune.register_env(resolved.name, env_creator(resolved))  # RLlib looks up the name as written
    elif resolved.atari:
        from rlcli.core.rllib.atari import AtariEnvCreator

        tune.register_env(resolved.name, AtariEnvCreator(resolved.name))
    elif resolved.creator_path is not None or resolved.registering_package is not None:
        tune.register_env(resolved.name, env_creator(resolved))
