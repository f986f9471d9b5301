"""``rlcli analyze``: read Tune experiment dirs without Ray — best checkpoint, trial tables, the
best config, flat exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from rlcli.console import Console
from rlcli.core.errors import UsageError
from rlcli.options import metric_options


def _read_trials(
    paths: tuple[str, ...], metric: str, console: Console, base: tuple[str, ...] | None = None
) -> list[Any]:
    """The trials of each experiment given (each read once), with what went wrong reading them on stderr."""
    from rlcli.core.analysis import trials as analysis

    records: list[Any] = []
    seen: set[Path] = set()
    for path in paths:
        if Path(path).expanduser().resolve() in seen:
            continue
        seen.add(Path(path).expanduser().resolve())
        records.extend(analysis.load_trials(path, metric, base) if base else analysis.load_trials(path, metric))
    for warning in (w for record in records for w in record.warnings):
        console.warn(warning)
    return records


def _fmt(as_json: bool, as_csv: bool) -> str:
    return "json" if as_json else "csv" if as_csv else "table"


def _scope(value: str) -> str:
    if value in ("all", "last") or (value.startswith("avg-last-") and value[9:].isdigit() and int(value[9:]) > 0):
        return value
    raise UsageError(f"--scope '{value}' is not one of all, last, avg-last-N.", "e.g. --scope avg-last-5")


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
def best_checkpoint(experiment: str, metric: str, mode: str, scope: str, quiet: bool, as_json: bool) -> int:
    """The checkpoint on disk whose own reported result is best."""
    from rlcli.core.analysis import trials as analysis

    console = Console(quiet=quiet or as_json)
    records = _read_trials((experiment,), metric, console, base=("training_iteration",))
    best = analysis.best_checkpoint(records, metric, mode, _scope(scope))
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


def _trial_rows(
    records: list[Any], metric: str, mode: str, extra: tuple[str, ...] = ()
) -> tuple[list[str], list[dict[str, Any]]]:
    """The table's rows; ``extra`` are reported metrics asked for by name (a callback's custom
    metric, a learner stat), shown at their last reported value."""
    from rlcli.core.analysis import trials as analysis
    from rlcli.core.metrics import flatten

    varied = analysis.varied_keys(records)
    rows = []
    for record in records:
        flat = flatten(record.config)
        row: dict[str, Any] = {"trial": record.name, "status": record.status}
        row.update({key: flat.get(key) for key in varied})
        row["iterations"] = record.last("training_iteration")
        row["env_steps"] = record.last("num_env_steps_sampled_lifetime")
        row["best"] = analysis.score(record, metric, mode, "all")
        row["last"] = analysis.score(record, metric, mode, "last")
        row["time_s"] = record.last("time_total_s")
        row.update({name: record.last(name) for name in extra if name not in row})
        rows.append(row)
    fixed = ["trial", "status", *varied, "iterations", "env_steps", "best", "last", "time_s"]
    return fixed + [name for name in extra if name not in fixed], rows


def _asked_columns(columns: str | None, sort_by: str | None, filters: tuple[str, ...]) -> tuple[str, ...]:
    """Every column named by --columns, --sort and --filter, in that order."""
    names = [c.strip() for c in (columns or "").split(",") if c.strip()]
    names += [sort_by] if sort_by else []
    names += [_parse_filter(text)[0] for text in filters]
    return tuple(dict.fromkeys(names))


def _metric_columns(asked: tuple[str, ...], records: list[Any]) -> tuple[str, ...]:
    """The asked columns that are reported metrics (read from the trials' results)."""
    from rlcli.core.analysis import trials as analysis

    standard = {"trial", "status", "iterations", "env_steps", "best", "last", "time_s", *analysis.varied_keys(records)}
    return tuple(name for name in asked if name not in standard)


_OPS = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _parse_filter(text: str) -> tuple[str, Any, float]:
    """``'best > 100'`` → (column, operator, number). Never evaluated as code."""
    parts = text.split()
    if len(parts) != 3 or parts[1] not in _OPS:
        raise UsageError(
            f"--filter '{text}' is not 'COLUMN OP NUMBER'.", "e.g. --filter 'best >= 400' (OP: > < >= <= == !=)"
        )
    try:
        return parts[0], _OPS[parts[1]], float(parts[2])
    except ValueError:
        raise UsageError(f"--filter '{text}': '{parts[2]}' is not a number.") from None


@analyze.command("trials")
@click.argument("experiment", type=click.Path())
@metric_options
@click.option("--sort", "sort_by", help="Column to sort by (descending for max mode).")
@click.option("--filter", "filters", multiple=True, help="Keep rows matching 'COLUMN OP NUMBER' (repeatable).")
@click.option("--columns", help="Comma-separated columns to show.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N rows.")
@click.option("--json", "as_json", is_flag=True, help="JSON list on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")
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
    from rlcli.core.analysis import trials as analysis
    from rlcli.core.metrics import number

    console = Console(quiet=as_json or as_csv)
    records = _read_trials((experiment,), metric, console)
    extra = _metric_columns(_asked_columns(columns, sort_by, filters), records)
    if extra:  # read again with those columns (the scan reads only the columns it is given)
        records = _read_trials((experiment,), metric, console, base=(*analysis.BASE_COLUMNS, *extra))
    names, rows = _trial_rows(records, metric, mode, extra)
    for name in extra:
        if all(row.get(name) is None for row in rows):
            _require_column(name, [n for n in names if n not in extra])
    for text in filters:
        column, op, value = _parse_filter(text)
        _require_column(column, names)
        rows = [r for r in rows if number(r.get(column)) is not None and op(r[column], value)]
    if sort_by:
        _require_column(sort_by, names)
        rows.sort(
            key=lambda r: (
                number(r.get(sort_by)) is None,
                -(number(r.get(sort_by)) or 0) if mode == "max" else (number(r.get(sort_by)) or 0),
            )
        )
    if columns:
        names = [c.strip() for c in columns.split(",") if c.strip()]
        for name in names:
            _require_column(name, [*rows[0].keys()] if rows else names)
    rows = rows[:limit] if limit else rows
    console.table(names, rows, fmt=_fmt(as_json, as_csv), title=f"{metric} ({mode})")
    return 0


def _require_column(column: str, names: list[str]) -> None:
    if column not in names:
        from rlcli.core.errors import did_you_mean

        raise UsageError(f"No column '{column}'.", did_you_mean(column, names) or f"Columns: {', '.join(names)}.")


@analyze.command("best-config")
@click.argument("experiment", type=click.Path())
@metric_options
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (atomically).")
def best_config(experiment: str, metric: str, mode: str, fmt: str, output: str | None) -> int:
    """The best trial's config as a runnable ``rlcli train -f`` file."""
    from rlcli.core.analysis.best_config import best_config_document

    records = _read_trials((experiment,), metric, Console())
    doc = best_config_document(records, metric, mode)
    from rlcli.core.config.spec_file import dump_yaml

    text = dump_yaml(doc) if fmt == "yaml" else json.dumps(doc, indent=2) + "\n"
    if output:
        from rlcli.core.files import atomic_write

        atomic_write(Path(output), text)
        Console().notice(f"wrote {output}")
    else:
        Console().data(text.rstrip())
    return 0


@analyze.command("export")
@click.argument("experiment", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="File to write (atomically).")
def export(experiment: str, fmt: str, output: str) -> int:
    """All trials' result rows, flattened, to CSV, Parquet or JSON lines."""
    from rlcli.core.analysis.export import export_rows

    count = export_rows(experiment, Path(output), fmt)
    Console().notice(f"wrote {count} rows to {output}")
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


def _load_experiments(paths: tuple[str, ...], metric: str, console: Console) -> dict[str, list[Any]]:
    from rlcli.core.analysis.curves import group_by_experiment

    return group_by_experiment(_read_trials(paths, metric, console))


@analyze.command("plot")
@click.argument("experiments", nargs=-1, required=True, type=click.Path())
@metric_options
@_x_option
@_smooth_option
@click.option(
    "--group",
    type=click.Choice(["auto", "trial", "config"]),
    default="auto",
    show_default=True,
    help="A line per trial, or per config (mean ± std over its seeds); auto: config when seeds repeat.",
)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write a .png, .svg or .pdf instead.")
def plot(experiments: tuple[str, ...], metric: str, x_axis: str, smooth: int, group: str, out: str | None) -> int:
    """Learning curves of one or more experiments, in the terminal or to an image file.

    \b
    Examples:
      rlcli analyze plot ~/ray_results/my-exp
      rlcli analyze plot ~/ray_results/ppo ~/ray_results/appo --x time --smooth 5
      rlcli analyze plot ~/ray_results/seeds --group config --out curves.png
    """
    import shutil

    from rlcli.core.analysis import curves, plots

    console = Console()
    if out:
        plots.check_file_format(Path(out))
    lines = curves.build_curves(_load_experiments(experiments, metric, console), metric, x_axis, smooth, group)
    title = f"{metric}" + (f" (moving average of {smooth})" if smooth > 1 else "")
    xlabel = curves.X_AXES[x_axis][1]
    if out:
        plots.file_plot(lines, Path(out), title, xlabel, metric)
        console.notice(f"wrote {out} ({len(lines)} curve(s))")
        return 0
    from rlcli.core.analysis.braille import render

    columns, rows = shutil.get_terminal_size((100, 30))
    console.styled_lines(render(lines, title, xlabel, (min(columns, 160), min(max(rows - 2, 16), 40))))
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
@_x_option
@_smooth_option
@click.option("--json", "as_json", is_flag=True, help="JSON list on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")
def compare(
    experiments: tuple[str, ...],
    metric: str,
    mode: str,
    by: str,
    threshold: float | None,
    x_axis: str,
    smooth: int,
    as_json: bool,
    as_csv: bool,
) -> int:
    """Experiments side by side: best, final mean ± std across trials, steps to a threshold.

    \b
    Examples:
      rlcli analyze compare ~/ray_results/ppo ~/ray_results/appo --threshold 450
      rlcli analyze compare ~/ray_results/sweep --by config --csv
    """
    from rlcli.core.analysis import curves

    console = Console(quiet=as_json or as_csv)
    loaded = _load_experiments(experiments, metric, console)
    opts = curves.CompareOptions(metric, mode, by, threshold, x_axis, smooth)
    names, rows = curves.compare_rows(loaded, opts)
    console.table(names, rows, fmt=_fmt(as_json, as_csv), title=f"{metric} ({mode})")
    return 0
