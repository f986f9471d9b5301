"""``rlcli analyze``: read Tune experiment dirs without Ray — best checkpoint, trial tables, the
best config, flat exports."""

from __future__ import annotations

from typing import Any

import click

from rlcli import api
from rlcli.console import Console
from rlcli.options import metric_option, metric_options, table_output


def _fmt(as_json: bool, as_csv: bool) -> str:
    return "json" if as_json else "csv" if as_csv else "table"


@click.group()
def analyze() -> None:
    """Read Tune experiment dirs: best checkpoint, trials, best config, curves, comparisons, export.

    \b
    Examples:
      rlcli analyze best-checkpoint ~/ray_results/my-exp
      rlcli rollout $(rlcli analyze best-checkpoint ~/ray_results/my-exp -q)
      rlcli analyze trials ~/ray_results/my-exp --sort env_runners/episode_return_mean --csv
    """


@analyze.command("best-checkpoint")
@click.argument("experiment", type=click.Path())
@metric_options
@click.option("--scope", default="all", show_default=True, help="Rank trials by all rows, the last, or avg-last-N.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the checkpoint path.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def show_best_checkpoint(experiment: str, metric: str, mode: str, scope: str, quiet: bool, as_json: bool) -> int:
    """The checkpoint on disk whose own reported result is best."""
    from rlcli.core.analysis.requests import BestCheckpointRequest

    request = BestCheckpointRequest.build(experiment, metric, mode, scope)
    console = Console(quiet=quiet or as_json)
    best = api.best_checkpoint(request, warn=console.warn)
    if best.note:
        console.warn(best.note)
    if as_json:
        console.json(best.__dict__)
    elif quiet:
        console.data(best.path)
    else:
        lines = [
            ("trial", best.trial),
            ("iteration", best.iteration),
            (best.metric, f"{best.value:g}"),
            ("path", best.path),
        ]
        console.data("\n".join(f"{key:<11} {value}" for key, value in lines))
    return 0


@analyze.command("trials")
@click.argument("experiment", type=click.Path())
@metric_options
@click.option("--sort", "sort_by", help="Column to sort by (descending for max mode).")
@click.option("--filter", "filters", multiple=True, help="Keep rows matching 'COLUMN OP NUMBER' (repeatable).")
@click.option("--columns", help="Comma-separated columns to show.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N rows.")
@table_output
def trials(
    experiment: str,
    metric: str,
    mode: str,
    sort_by: str | None,
    filters: tuple[str, ...],
    columns: str | None,
    limit: int | None,
    as_json: bool,
    as_csv: bool,
) -> int:
    """One row per trial: status, searched hyperparameters, iterations, env steps, best/last metric, time."""
    from rlcli.core.analysis.table import TableQuery

    console = Console(quiet=as_json or as_csv)
    query = TableQuery(metric, mode, columns, sort_by, filters, limit)
    table = api.trial_table(experiment, query, warn=console.warn)
    console.table(table.names, table.rows, fmt=_fmt(as_json, as_csv), title=f"{metric} ({mode})")
    return 0


@analyze.command("best-config")
@click.argument("experiment", type=click.Path())
@metric_options
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (atomically).")
def best_config(experiment: str, metric: str, mode: str, fmt: str, output: str | None) -> int:
    """The best trial's config as a runnable ``rlcli train -f`` file."""
    from rlcli.core.analysis.requests import BestConfigRequest

    request = BestConfigRequest.build(experiment, metric, mode, fmt, output)
    console = Console()
    found = api.best_config(request, warn=console.warn)
    if found.output:
        console.notice(f"wrote {output}")
    else:
        console.data(found.text.rstrip())
    return 0


@analyze.command("export")
@click.argument("experiment", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="File to write (atomically).")
def export(experiment: str, fmt: str, output: str) -> int:
    """All trials' result rows, flattened, to CSV, Parquet or JSON lines."""
    from rlcli.core.analysis.requests import TrialExportRequest

    written = api.export_trials(TrialExportRequest.build(experiment, output, fmt))
    Console().notice(f"wrote {written.rows} rows to {output}")
    return 0


def _x_option(fn: Any) -> Any:
    return click.option(
        "--x",
        "x_axis",
        type=click.Choice(["steps", "iterations", "time"]),
        default="steps",
        show_default=True,
        help="x axis: env steps sampled, training iterations or seconds.",
    )(fn)


def _smooth_option(fn: Any) -> Any:
    return click.option(
        "--smooth", type=click.IntRange(min=1), default=1, show_default=True, help="Moving average over K points."
    )(fn)


@analyze.command("plot")
@click.argument("experiments", nargs=-1, required=True, type=click.Path())
@metric_option
@_x_option
@_smooth_option
@click.option(
    "--group",
    type=click.Choice(["auto", "trial", "config"]),
    default="auto",
    show_default=True,
    help="A line per trial, or per config (the mean over its seeds); auto: config when seeds repeat.",
)
@click.option(
    "--band",
    type=click.Choice(["ci", "std"]),
    default="ci",
    show_default=True,
    help="Around a config's mean: its 95% bootstrap interval over the seeds, or ± their std.",
)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write a .png, .svg or .pdf instead.")
def plot(
    experiments: tuple[str, ...], metric: str, x_axis: str, smooth: int, group: str, band: str, out: str | None
) -> int:
    """Learning curves of one or more experiments, in the terminal or to an image file.

    \b
    Examples:
      rlcli analyze plot ~/ray_results/my-exp
      rlcli analyze plot ~/ray_results/ppo ~/ray_results/appo --x time --smooth 5
      rlcli analyze plot ~/ray_results/seeds --group config --out curves.png
    """
    import shutil

    from rlcli.core.analysis.requests import PlotRequest

    request = PlotRequest.build(experiments, metric, x_axis, smooth, group, band, out)
    console = Console()
    drawn = api.plot(request, warn=console.warn)
    if drawn.out:
        console.notice(f"wrote {out} ({len(drawn.curves)} curve(s))")
        return 0
    from rlcli.core.analysis.braille import render

    columns, rows = shutil.get_terminal_size((100, 30))
    size = (min(columns, 160), min(max(rows - 2, 16), 40))
    console.styled_lines(render(drawn.curves, drawn.title, drawn.xlabel, size))
    return 0


@analyze.command("compare")
@click.argument("experiments", nargs=-1, required=True, type=click.Path())
@metric_options
@click.option(
    "--by",
    type=click.Choice(["experiment", "config"]),
    default="experiment",
    show_default=True,
    help="A row per experiment, or per config (its seeds pooled).",
)
@click.option("--threshold", type=float, help="Also report when trials first reached this metric value.")
@click.option(
    "--budget",
    type=click.FloatRange(min=0),
    metavar="X",
    help="Measure 'final' where each trial stood at this x (env steps by default) instead of at its end.",
)
@_x_option
@_smooth_option
@table_output
def compare(
    experiments: tuple[str, ...],
    metric: str,
    mode: str,
    by: str,
    threshold: float | None,
    budget: float | None,
    x_axis: str,
    smooth: int,
    as_json: bool,
    as_csv: bool,
) -> int:
    """Experiments side by side: best, final mean ± std across trials, steps to a threshold.

    With --by config, per config over its seeds: the interquartile mean (IQM) and the mean, each
    with a 95% stratified-bootstrap interval (Agarwal et al., NeurIPS 2021), and the probability
    that the top config by IQM beats it (p_top_better).

    \b
    Examples:
      rlcli analyze compare ~/ray_results/ppo ~/ray_results/appo --threshold 450
      rlcli analyze compare ~/ray_results/sweep --by config --csv
      rlcli analyze compare ~/ray_results/seeds --by config --budget 100000
    """
    from rlcli.core.analysis.requests import CompareRequest

    request = CompareRequest.build(experiments, metric, mode, by, threshold, budget, x_axis, smooth)
    console = Console(quiet=as_json or as_csv)
    table = api.compare(request, warn=console.warn)
    console.table(table.names, table.rows, fmt=_fmt(as_json, as_csv), title=f"{metric} ({mode})")
    return 0
