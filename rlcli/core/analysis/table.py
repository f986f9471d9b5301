"""The ``analyze trials`` table: one row per trial (status, searched hyperparameters, iterations,
env steps, best/last metric, time, and any reported metric asked for by name), filtered, sorted
and cut as asked. ``--filter`` expressions are parsed, never evaluated as code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rlcli.core.analysis import trials as analysis
from rlcli.core.errors import UsageError, did_you_mean
from rlcli.core.metrics import flatten, number
from rlcli.core.spec import DEFAULT_METRIC
from rlcli.core.store.checkpoints import check_mode, resolve_metric

FIXED = ("trial", "status", "iterations", "env_steps", "best", "last", "time_s")


@dataclass(frozen=True)
class TableQuery:
    """What the user asked of the table."""

    metric: str = DEFAULT_METRIC
    mode: str = "max"
    columns: str | None = None
    sort_by: str | None = None
    filters: tuple[str, ...] = ()
    limit: int | None = None

    def __post_init__(self) -> None:
        """Checked before any trial is read: the metric as the result key it means, each
        ``--filter`` parsed."""
        object.__setattr__(self, "metric", resolve_metric(self.metric))
        object.__setattr__(self, "filters", tuple(self.filters))
        check_mode(self.mode)
        if self.limit is not None and (
            isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1
        ):
            raise UsageError(f"--limit must be a whole number >= 1, got {self.limit!r}.")
        for text in self.filters:
            _parse_filter(text)


@dataclass(frozen=True)
class Table:
    names: list[str]
    rows: list[dict[str, Any]]


def trial_table(records: list[Any], query: TableQuery, reread: Callable[[tuple[str, ...]], list[Any]]) -> Table:
    """The table for ``records``; ``reread(columns)`` reads the trials again with extra metric
    columns (the scan reads only the columns it is given)."""
    extra = _metric_columns(_asked_columns(query), records)
    if extra:
        records = reread(extra)
    names, rows = _trial_rows(records, query.metric, query.mode, extra)
    for name in extra:
        if all(row.get(name) is None for row in rows):
            _require_column(name, [n for n in names if n not in extra])
    rows = _filtered(rows, names, query.filters)
    if query.sort_by:
        rows = _sorted(rows, names, query.sort_by, query.mode)
    if query.columns:
        names = [c.strip() for c in query.columns.split(",") if c.strip()]
        for name in names:
            _require_column(name, [*rows[0].keys()] if rows else names)
    return Table(names, rows[: query.limit] if query.limit else rows)


def _filtered(rows: list[dict[str, Any]], names: list[str], filters: tuple[str, ...]) -> list[dict[str, Any]]:
    for text in filters:
        column, op, value = _parse_filter(text)
        _require_column(column, names)
        rows = [r for r in rows if number(r.get(column)) is not None and op(r[column], value)]
    return rows


def _sorted(rows: list[dict[str, Any]], names: list[str], column: str, mode: str) -> list[dict[str, Any]]:
    """Best first (descending for max mode); rows without a value last."""
    _require_column(column, names)

    def key(row: dict[str, Any]) -> tuple[bool, float]:
        value = number(row.get(column))
        return value is None, -(value or 0.0) if mode == "max" else (value or 0.0)

    return sorted(rows, key=key)


def _trial_rows(
    records: list[Any], metric: str, mode: str, extra: tuple[str, ...] = ()
) -> tuple[list[str], list[dict[str, Any]]]:
    """The table's rows; ``extra`` are reported metrics asked for by name (a callback's custom
    metric, a learner stat), shown at their last reported value."""
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


def _asked_columns(query: TableQuery) -> tuple[str, ...]:
    """Every column named by --columns, --sort and --filter, in that order."""
    names = [c.strip() for c in (query.columns or "").split(",") if c.strip()]
    names += [query.sort_by] if query.sort_by else []
    names += [_parse_filter(text)[0] for text in query.filters]
    return tuple(dict.fromkeys(names))


def _metric_columns(asked: tuple[str, ...], records: list[Any]) -> tuple[str, ...]:
    """The asked columns that are reported metrics (read from the trials' results)."""
    standard = {*FIXED, *analysis.varied_keys(records)}
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


def _require_column(column: str, names: list[str]) -> None:
    if column not in names:
        raise UsageError(f"No column '{column}'.", did_you_mean(column, names) or f"Columns: {', '.join(names)}.")
