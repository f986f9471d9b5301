"""Option decorators shared by commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def verbosity(fn: F) -> F:
    """``-v`` brings back Ray's own logs; ``-q`` prints only the final data."""
    fn = click.option("-q", "--quiet", is_flag=True, help="Print only the summary (or the requested data).")(fn)
    return click.option(
        "-v", "--verbose", count=True, help="Show Ray's and RLlib's own logs too (-vv: RLlib's log_level DEBUG)."
    )(fn)


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
            click.option(
                "--ray-num-nodes",
                type=click.IntRange(min=1),
                metavar="N",
                help="Emulate a cluster of N nodes here (ray.cluster_utils.Cluster), each with --ray-num-cpus "
                "(default 1) CPUs.",
            ),
            click.option(
                "--ray-object-store-memory",
                type=click.IntRange(min=1),
                metavar="BYTES",
                help="Object store size of the local Ray (per node with --ray-num-nodes).",
            ),
            click.option("--ray-ui/--no-ray-ui", default=False, help="Start Ray's dashboard (default: off)."),
            click.option(
                "--ray-runtime-env",
                metavar="MAPPING",
                help='Ray\'s runtime environment for every worker, e.g. \'{"working_dir": "."}\' or '
                '\'{"py_modules": ["./mypkg"]}\' to ship your code to a cluster\'s nodes.',
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


#: Parameter names of :func:`old_train_options`, listed in their own ``--help`` section.
OLD_TRAIN_OPTIONS = (
    "upload_dir",
    "resources_per_trial",
    "framework",
    "torch",
    "eager",
    "trace",
    "log_info",
    "log_debug",
    "queue_trials",
    "export_formats",
)


class SectionedCommand(click.Command):
    """A command whose ``--help`` lists the old RLlib CLI's flags in a section of their own, so
    the flags a new user needs stay readable while every old command line still parses."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        current: list[tuple[str, str]] = []
        old: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                (old if param.name in OLD_TRAIN_OPTIONS else current).append(record)
        with formatter.section("Options"):
            formatter.write_dl(current)
        if old:
            with formatter.section("Old rllib CLI options (accepted; each says what it does in Ray 2.60)"):
                formatter.write_dl(old)


def old_train_options(fn: F) -> F:
    """The flags of the RLlib 1.x/2.x ``rllib train`` that Ray 2.60 has no direct equivalent
    for (see :mod:`rlcli.core.config.old_flags`)."""
    return _stack(
        fn,
        click.option("--upload-dir", metavar="URI", help="The storage path (Tune 2.60 writes there directly)."),
        click.option(
            "--resources-per-trial",
            metavar="MAPPING",
            help="{cpu, gpu} of the trial process → num_cpus_for_main_process, num_gpus_per_learner.",
        ),
        click.option("--framework", metavar="NAME", help="torch (RLlib 2.60's only framework; others say so)."),
        click.option("--torch", is_flag=True, help="Same as --framework torch."),
        click.option("--eager", is_flag=True, help="TensorFlow eager mode: gone; says so, trains with torch."),
        click.option("--trace", is_flag=True, help="TensorFlow tracing: gone; says so, trains with torch."),
        click.option("--log-info", is_flag=True, help="Same as -v, plus RLlib's log_level INFO."),
        click.option("--log-debug", is_flag=True, help="Same as -vv: -v plus RLlib's log_level DEBUG."),
        click.option("--queue-trials", is_flag=True, help="Tune 2.60 always queues trials; says so."),
        click.option("--export-formats", metavar="LIST", help="Gone from Tune; says where the weights are."),
    )
