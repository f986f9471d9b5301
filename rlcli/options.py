"""Option decorators shared by commands (``rlcli train``'s own options are the table in
:mod:`rlcli.train_options`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def _stack(fn: F, *decorators: Callable[[F], F]) -> F:
    """Apply option decorators so that ``--help`` lists them in the order given."""
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


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
