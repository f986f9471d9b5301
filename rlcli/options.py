"""Option decorators shared by commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def verbosity(fn: F) -> F:
    """``-v`` brings back Ray's own logs; ``-q`` prints only the final data."""
    fn = click.option("-q", "--quiet", is_flag=True, help="Print only the summary (or the requested data).")(fn)
    return click.option("-v", "--verbose", is_flag=True, help="Show Ray's and RLlib's own logs too.")(fn)


def _stack(fn: F, *decorators: Callable[[F], F]) -> F:
    """Apply option decorators so that ``--help`` lists them in the order given."""
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def ray_options(fn: F) -> F:
    """Where to run: a fresh local Ray (default) or an existing cluster."""
    return _stack(
        fn,
        *(
            click.option(
                "--ray-address",
                metavar="ADDR",
                help="Join an existing Ray cluster ('auto' or HOST:PORT) instead of starting a local one.",
            ),
            click.option(
                "--ray-num-cpus",
                type=click.IntRange(min=1),
                metavar="N",
                help="CPUs of the local Ray instance (default: all).",
            ),
            click.option(
                "--ray-num-gpus",
                type=click.IntRange(min=0),
                metavar="N",
                help="GPUs of the local Ray instance (default: detected).",
            ),
        ),
    )


def rllib_scale_options(fn: F) -> F:
    """The scale flags of RLlib's own example scripts (``add_rllib_example_script_args``), with
    the same names; each sets the config key of that name."""
    return _stack(
        fn,
        *(
            click.option(
                "--num-env-runners",
                type=click.IntRange(min=0),
                metavar="N",
                help="Remote env runners (0: sample in the trainer).",
            ),
            click.option(
                "--num-envs-per-env-runner",
                type=click.IntRange(min=1),
                metavar="N",
                help="Vectorized envs per env runner.",
            ),
            click.option(
                "--num-learners",
                type=click.IntRange(min=0),
                metavar="N",
                help="Remote learners (0: one local learner).",
            ),
            click.option(
                "--num-gpus-per-learner", type=click.FloatRange(min=0), metavar="G", help="GPUs per learner (e.g. 1)."
            ),
        ),
    )


def _metric(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """``--metric`` as the result key it means (one rule for every command)."""
    from rlcli.core.store.checkpoints import resolve_metric

    return resolve_metric(value)


def metric_option(fn: F) -> F:
    """``--metric``, read as the result key it means: ``eval`` is the evaluation return, old
    names (``episode_reward_mean``) are translated, any reported metric works."""
    return click.option(
        "--metric",
        callback=_metric,
        metavar="METRIC",
        help="Metric to rank by (default env_runners/episode_return_mean; 'eval' for the evaluation return; "
        "any reported metric, e.g. a callback's env_runners/my_metric).",
    )(fn)


def metric_options(fn: F) -> F:
    """:func:`metric_option` and ``--mode``: what ranks checkpoints and trials."""
    fn = click.option(
        "--mode", type=click.Choice(["max", "min"]), default="max", show_default=True, help="Best is max or min."
    )(fn)
    return metric_option(fn)


def checkpoint_selection(fn: F) -> F:
    """``--which`` plus :func:`metric_options`: which checkpoint of a trial or experiment dir."""
    fn = metric_options(fn)
    return click.option(
        "--which",
        type=click.Choice(["best", "last"]),
        default="best",
        show_default=True,
        help="For trial/experiment dirs: the best checkpoint by --metric, or the last.",
    )(fn)


def table_output(fn: F) -> F:
    """``--json`` and ``--csv``: a table's rows as data on stdout for scripts instead of a table."""
    fn = click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")(fn)
    return click.option("--json", "as_json", is_flag=True, help="JSON list on stdout.")(fn)
