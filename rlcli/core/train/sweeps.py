"""Tune's trial schedulers by name (``--scheduler asha --scheduler-config '{...}'``), built with
Tune's own factory so every scheduler Tune ships is there, and checked harder than the factory:
``create_scheduler`` silently drops keyword arguments the scheduler does not take, so a typo
such as ``grace_perod`` would run a different experiment than the one asked for."""

from __future__ import annotations

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
    kwargs, notices = _ranking(dict(spec.scheduler_config), accepted)
    for key in kwargs:
        if key not in accepted:
            raise ConfigError(
                f"--scheduler-config: '{key}' is not an argument of Tune's {name} scheduler.",
                did_you_mean(key, accepted) or f"Its arguments: {', '.join(sorted(accepted))}.",
            )
    try:
        return create_scheduler(name, **searchspace.to_tune(kwargs)), notices
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Tune's {name} scheduler rejects --scheduler-config: {exc}") from None


def _arguments(factory: Any) -> set[str]:
    """The keyword arguments a registry entry's scheduler class takes (pb2 is behind a function)."""
    cls = factory() if inspect.isfunction(factory) else factory
    return {p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "args", "kwargs")}


#: What schedulers rank and count by unless told otherwise: rlcli's rolling return (the mean of
#: the last 100 episodes, steadier than one iteration's mean) and env steps (iterations differ in
#: size between algorithms and configs; env steps compare trials fairly).
DEFAULT_SCHEDULER_METRIC = ROLLING_RETURN
DEFAULT_TIME_ATTR = "num_env_steps_sampled_lifetime"


def _ranking(kwargs: dict[str, Any], accepted: set[str]) -> tuple[dict[str, Any], list[str]]:
    notices = []
    if "metric" in accepted:
        metric, notice = migrate_metric(str(kwargs.get("metric", DEFAULT_SCHEDULER_METRIC)))
        kwargs["metric"] = metric
        kwargs.setdefault("mode", "max")
        if notice:
            notices.append(f"--scheduler-config: {notice}")
    if "time_attr" in accepted:
        kwargs.setdefault("time_attr", DEFAULT_TIME_ATTR)
    if "metric" in accepted or "time_attr" in accepted:
        notices.append(
            f"scheduler ranks trials by {kwargs.get('metric')} ({kwargs.get('mode')}) over "
            f"{kwargs.get('time_attr', 'training_iteration')} (set metric/mode/time_attr in --scheduler-config)"
        )
    return kwargs, notices
