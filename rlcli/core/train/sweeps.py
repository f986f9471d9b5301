"""Tune's trial schedulers and search algorithms by name (``--scheduler asha``, ``--search-alg
optuna``), built with Tune's own factories so everything Tune ships is there, and checked harder
than the factories: ``create_scheduler`` and ``create_searcher`` silently drop keyword arguments
the class does not take, so a typo such as ``grace_perod`` would run a different experiment than
the one asked for."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
from typing import Any

from rlcli.core import searchspace
from rlcli.core.errors import ConfigError, UsageError, did_you_mean
from rlcli.core.legacy.translate import migrate_metric
from rlcli.core.rllib.rolling_return import ROLLING_RETURN
from rlcli.core.spec import ExperimentSpec

#: Names users write that Tune's registry spells otherwise (Tune exports ``ASHAScheduler``).
ALIASES = {"asha": "async_hyperband", "median": "median_stopping_rule"}


def scheduler_names() -> list[str]:
    from ray.tune.schedulers import SCHEDULER_IMPORT

    return sorted({*SCHEDULER_IMPORT, *ALIASES})


def make_scheduler(spec: ExperimentSpec) -> tuple[Any, list[str]]:
    """The Tune scheduler of ``spec`` (None without ``--scheduler``) and the notices it took.
    Ranking defaults to rlcli's metric (``env_runners/episode_return_mean``, max) unless the
    config names another; old metric names are translated as everywhere else."""
    if not spec.scheduler:
        return None, []
    from ray.tune.schedulers import SCHEDULER_IMPORT, create_scheduler

    name = ALIASES.get(spec.scheduler.lower(), spec.scheduler.lower())
    if name not in SCHEDULER_IMPORT:
        raise UsageError(
            f"Unknown scheduler '{spec.scheduler}'.",
            did_you_mean(spec.scheduler.lower(), scheduler_names()) or f"Choose one of {', '.join(scheduler_names())}.",
        )
    try:
        accepted = _arguments(SCHEDULER_IMPORT[name])
    except ImportError as exc:
        raise UsageError(
            f"Tune's {name} scheduler needs a package that is missing: {exc}.", "pip install it."
        ) from None
    kwargs, notices = _ranking(dict(spec.scheduler_config), accepted, "scheduler", "--scheduler-config")
    _check_arguments(kwargs, accepted, f"Tune's {name} scheduler", "--scheduler-config")
    try:
        return create_scheduler(name, **searchspace.to_tune(kwargs)), notices
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Tune's {name} scheduler rejects --scheduler-config: {exc}") from None


#: Schedulers that only pause, perturb or reorder trials: a trial they ran ended by the stop criteria.
_NEVER_STOP = ("fifo", "pbt", "pbt_replay", "pb2", "resource_changing")


def stopping_scheduler(spec: ExperimentSpec) -> str | None:
    """The registry name of ``spec``'s scheduler when it may stop trials early, else None."""
    if not spec.scheduler:
        return None
    name = ALIASES.get(spec.scheduler.lower(), spec.scheduler.lower())
    return None if name in _NEVER_STOP else name


#: Schedulers that exploit: a trial continues from another trial's checkpoint with mutated values.
_EXPLOITING = ("pbt", "pbt_replay", "pb2")
#: Their arguments that name config keys (the values to mutate, or PB2's bounds).
_MUTATION_ARGS = ("hyperparam_mutations", "hyperparam_bounds")
#: Tune warns that PBT with fewer kept checkpoints may delete one before another trial loads it.
_MIN_KEPT_FOR_EXPLOIT = 3
#: Perturb every this many iterations' worth of env steps unless told otherwise.
PERTURB_EVERY_ITERATIONS = 10


def arrange_exploits(
    spec: ExperimentSpec, accepted_keys: set[str], iteration_steps: int
) -> tuple[ExperimentSpec, list[str]]:
    """What PBT, PBT-replay and PB2 need, arranged before the run, each with a notice:

    - the config keys they mutate exist (a typo would be added to the config and fail in the trial);
    - ``perturbation_interval``: Tune's default (60) is meant for seconds; rlcli counts env steps,
      where 60 would perturb (and checkpoint) every iteration. It becomes
      :data:`PERTURB_EVERY_ITERATIONS` iterations' worth (``iteration_steps`` each);
    - Tune checkpoints the top trials itself at each perturbation; ``keep`` below
      :data:`_MIN_KEPT_FOR_EXPLOIT` could delete one before a trial restores from it."""
    name = ALIASES.get((spec.scheduler or "").lower(), (spec.scheduler or "").lower())
    if name not in _EXPLOITING:
        return spec, []
    config = dict(spec.scheduler_config)
    for arg in _MUTATION_ARGS:
        for key in config.get(arg) or {}:
            if key not in accepted_keys:
                raise ConfigError(
                    f"--scheduler-config: {arg} names '{key}', which is not a config key of {spec.algorithm}.",
                    did_you_mean(str(key), accepted_keys) or "Mutate keys of the algorithm's config.",
                )
    notices = []
    time_attr = config.get("time_attr", DEFAULT_TIME_ATTR)
    interval = config.get("perturbation_interval")
    if isinstance(interval, (int, float)) and time_attr == DEFAULT_TIME_ATTR and interval < iteration_steps:
        notices.append(
            f"{name}: perturbation_interval {interval:g} env steps is less than one iteration (about "
            f"{iteration_steps:,}): it perturbs and checkpoints at every iteration"
        )
    if interval is None:
        config["perturbation_interval"] = PERTURB_EVERY_ITERATIONS * iteration_steps
        notices.append(
            f"{name} perturbs every {config['perturbation_interval']:,} {time_attr} "
            f"(about {PERTURB_EVERY_ITERATIONS} iterations; set perturbation_interval in --scheduler-config)"
        )
    checkpoint = spec.checkpoint
    if checkpoint.keep is not None and checkpoint.keep < _MIN_KEPT_FOR_EXPLOIT:
        notices.append(
            f"{name} keeps {_MIN_KEPT_FOR_EXPLOIT} checkpoints per trial, not {checkpoint.keep}: a trial "
            "restores from another's checkpoint, which must not be deleted first"
        )
        checkpoint = dataclasses.replace(checkpoint, keep=_MIN_KEPT_FOR_EXPLOIT)
    notices.append(
        f"{name} checkpoints the top trials at each perturbation and restarts the others from those "
        "checkpoints with mutated values (see pbt_global.txt in the experiment dir)"
    )
    return dataclasses.replace(spec, scheduler_config=config, checkpoint=checkpoint), notices


def _arguments(factory: Any) -> set[str]:
    """The keyword arguments a registry entry's scheduler class takes (pb2 is behind a function)."""
    cls = factory() if inspect.isfunction(factory) else factory
    return {p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "args", "kwargs")}


#: What schedulers rank and count by unless told otherwise: rlcli's rolling return (the mean of
#: the last 100 episodes, steadier than one iteration's mean) and env steps (iterations differ in
#: size between algorithms and configs; env steps compare trials fairly).
DEFAULT_SCHEDULER_METRIC = ROLLING_RETURN
DEFAULT_TIME_ATTR = "num_env_steps_sampled_lifetime"


def _ranking(kwargs: dict[str, Any], accepted: set[str], what: str, flag: str) -> tuple[dict[str, Any], list[str]]:
    notices = []
    if "metric" in accepted:
        metric, notice = migrate_metric(str(kwargs.get("metric", DEFAULT_SCHEDULER_METRIC)))
        kwargs["metric"] = metric
        kwargs.setdefault("mode", "max")
        if notice:
            notices.append(f"{flag}: {notice}")
    if "time_attr" in accepted:
        kwargs.setdefault("time_attr", DEFAULT_TIME_ATTR)
        notices.append(
            f"{what} ranks trials by {kwargs.get('metric')} ({kwargs.get('mode')}) over {kwargs['time_attr']} "
            f"(set metric/mode/time_attr in {flag})"
        )
    elif "metric" in accepted:
        notices.append(f"{what} ranks trials by {kwargs['metric']} ({kwargs['mode']}) (set metric/mode in {flag})")
    return kwargs, notices


#: Tune's searchers by name → the rlcli extra that installs what each needs.
SEARCH_EXTRAS = {
    "optuna": "optuna",
    "hyperopt": "hyperopt",
    "bayesopt": "bayesopt",
    "nevergrad": "nevergrad",
    "ax": "ax",
    "hebo": "hebo",
    "bohb": "bohb",
}
#: Searchers Tune 2.60 ships that cannot run a sweep to its end, and why (found by
#: tests/unit/test_searchers.py's protocol run).
BROKEN_SEARCHERS = {
    "zoopt": "Tune 2.60's ZOOpt search stops suggesting after its initial samples (zoopt 0.4.1 and 0.4.2: "
    "SRacos waits for a result that already came), so the sweep would wait forever",
}
#: The module each of those searchers imports (to tell a missing package from a bad argument:
#: Tune's searchers report both with ``assert``).
SEARCH_MODULES = {
    "optuna": "optuna",
    "hyperopt": "hyperopt",
    "bayesopt": "bayes_opt",
    "nevergrad": "nevergrad",
    "ax": "ax",
    "hebo": "hebo",
    "bohb": "hpbandster",
}
#: Searchers that only suggest from distributions (they reject grid_search in the space).
_GRID_FREE = ("optuna", "hyperopt", "bayesopt", "nevergrad", "ax", "hebo", "bohb")


def searcher_names() -> list[str]:
    from ray.tune.search import SEARCH_ALG_IMPORT

    return sorted(SEARCH_ALG_IMPORT)


def make_searcher(spec: ExperimentSpec, check_space: bool = False) -> tuple[Any, list[str]]:
    """The Tune search algorithm of ``spec`` (None: Tune's default random/grid generator), built
    by Tune's ``create_searcher`` after the same argument check as the schedulers get; a missing
    package is one line naming the rlcli extra that installs it. ``check_space`` also hands it
    the config's search space, as Tune will (that searcher is then for the check only), so a
    distribution the library cannot search (BayesOpt and ``choice``) is an error before Ray
    starts, not inside ``fit``."""
    if not spec.search_alg:
        return None, []
    from ray.tune.search import SEARCH_ALG_IMPORT

    name = spec.search_alg.lower()
    if name not in SEARCH_ALG_IMPORT:
        raise UsageError(
            f"Unknown search algorithm '{spec.search_alg}'.",
            did_you_mean(name, searcher_names()) or f"Choose one of {', '.join(searcher_names())}.",
        )
    if name in BROKEN_SEARCHERS:
        raise UsageError(
            f"--search-alg {name}: {BROKEN_SEARCHERS[name]}.", "Use optuna, hyperopt, nevergrad or bayesopt."
        )
    if name in _GRID_FREE and searchspace.has_grid(spec.config):
        raise ConfigError(
            f"--search-alg {name} suggests values from distributions; the config has a grid_search.",
            "Use choice: [...] instead of grid_search (or drop --search-alg).",
        )
    accepted = _arguments(SEARCH_ALG_IMPORT[name])
    kwargs, notices = _ranking(dict(spec.search_config), accepted, "search algorithm", "--search-config")
    _check_arguments(kwargs, accepted, f"Tune's {name} search algorithm", "--search-config")
    searcher = _create_searcher(name, kwargs, notices)
    if check_space:  # the searcher then holds the space: a check, never handed to a Tuner
        try:
            searcher.set_search_properties(None, None, searchspace.to_tune(spec.config))
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"--search-alg {name} cannot search this config's space: {exc}",
                "Use the distributions it supports, or another --search-alg.",
            ) from None
    return searcher, notices


def _create_searcher(name: str, kwargs: dict[str, Any], notices: list[str]) -> Any:
    from ray.tune.search import create_searcher

    try:
        return create_searcher(name, **_library_objects(name, kwargs, notices))
    except (ImportError, AssertionError) as exc:  # Tune's searchers assert that their library is there
        module = SEARCH_MODULES.get(name)
        if isinstance(exc, AssertionError) and module and importlib.util.find_spec(module) is not None:
            raise ConfigError(f"Tune's {name} search algorithm rejects --search-config: {exc}") from None
        extra = SEARCH_EXTRAS.get(name, name)
        raise UsageError(
            f"--search-alg {name} needs a package that is not installed ({exc}).",
            f"pip install 'rlcli[{extra}]'",
        ) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Tune's {name} search algorithm rejects --search-config: {exc}") from None


#: Nevergrad's optimizer when --search-config names none (the one nevergrad recommends).
NEVERGRAD_DEFAULT = "NGOpt"


def _library_objects(name: str, kwargs: dict[str, Any], notices: list[str]) -> dict[str, Any]:
    """Arguments a searcher takes only as its library's objects, from the names JSON can carry:
    Nevergrad's ``optimizer`` (``"OnePlusOne"`` → ``ng.optimizers.registry["OnePlusOne"]``)."""
    if name != "nevergrad":
        return kwargs
    try:
        import nevergrad as ng
    except ImportError:
        return kwargs  # create_searcher says which package is missing
    optimizer = kwargs.get("optimizer")
    if optimizer is None:
        optimizer = NEVERGRAD_DEFAULT
        notices.append(f"nevergrad optimizer: {optimizer} (set optimizer in --search-config)")
    if isinstance(optimizer, str):
        registry = ng.optimizers.registry
        if optimizer not in registry:
            raise ConfigError(
                f"--search-config: '{optimizer}' is not a Nevergrad optimizer.",
                did_you_mean(optimizer, list(registry)) or "See nevergrad's optimizers registry for names.",
            )
        kwargs = {**kwargs, "optimizer": registry[optimizer]}
    return kwargs


def searched_trial_dirname(trial: Any) -> str:
    """A searched trial's directory named as Tune names grid and random trials: index and the
    values the searcher chose (``..._2_lr=0.0012,reward=7.08_DATE``). Tune's own name for such a
    trial lists the whole config, placeholders of rlcli's callbacks first, cut at 130 characters."""
    from ray.tune.search.variant_generator import format_vars
    from ray.tune.utils import date_str

    index = str(trial.experiment_tag).split("_", 1)[0]
    chosen = {tuple(str(key).split("/")): value for key, value in trial.evaluated_params.items()}  # paths, as Tune's
    return f"{trial}_{index}_{format_vars(chosen)}"[:130] + f"_{date_str()}"


def _check_arguments(kwargs: dict[str, Any], accepted: set[str], what: str, flag: str) -> None:
    for key in kwargs:
        if key not in accepted:
            raise ConfigError(
                f"{flag}: '{key}' is not an argument of {what}.",
                did_you_mean(key, accepted) or f"Its arguments: {', '.join(sorted(accepted))}.",
            )
