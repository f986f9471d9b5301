"""What each ``analyze`` question asks of one or more experiment dirs, checked on construction
(before any trial is read): the best checkpoint, the best config, an export of every result row,
learning curves, a comparison. (The trials table's is :class:`rlcli.core.analysis.table.TableQuery`.)
``metric`` is read by :func:`rlcli.core.store.checkpoints.resolve_metric` (``eval``, old names)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rlcli.core.analysis.curves import BANDS, X_AXES, CompareOptions
from rlcli.core.analysis.plots import check_file_format
from rlcli.core.errors import UsageError
from rlcli.core.spec import DEFAULT_METRIC
from rlcli.core.store.checkpoints import check_mode, resolve_metric

Paths = tuple[str | Path, ...]
GROUPS = ("auto", "trial", "config")
COMPARE_BY = ("experiment", "config")
BEST_CONFIG_FORMATS = ("yaml", "json")
EXPORT_FORMATS = ("csv", "parquet", "json")


def _resolve(request: object, name: str, value: object) -> None:
    """Set a checked request's field to the value it means (``metric`` as the result key)."""
    object.__setattr__(request, name, value)


def _choice(flag: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"{flag} '{value}' is not one of {', '.join(choices)}.")


def _paths(paths: str | Path | Paths) -> Paths:
    found = (paths,) if isinstance(paths, (str, Path)) else tuple(paths)
    if not found:
        raise UsageError("No experiment dir given.", "Pass one or more experiment directories.")
    return found


def check_scope(scope: str) -> None:
    """``--scope``: a trial's score over all its rows, the last, or the mean of the last N."""
    if scope in ("all", "last") or (scope.startswith("avg-last-") and scope[9:].isdigit() and int(scope[9:]) > 0):
        return
    raise UsageError(f"--scope '{scope}' is not one of all, last, avg-last-N.", "e.g. --scope avg-last-5")


def _check_smooth(smooth: int) -> None:
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1:
        raise UsageError(f"--smooth must be a whole number >= 1, got {smooth!r}.")


@dataclass(frozen=True)
class BestCheckpointRequest:
    """``analyze best-checkpoint``: the checkpoint on disk whose own reported result is best;
    ``scope`` ``last`` / ``avg-last-N`` ranks trials by that score first."""

    path: str | Path
    metric: str = DEFAULT_METRIC
    mode: str = "max"
    scope: str = "all"

    def __post_init__(self) -> None:
        _resolve(self, "metric", resolve_metric(self.metric))
        check_mode(self.mode)
        check_scope(self.scope)

    @classmethod
    def build(
        cls, path: str | Path, metric: str | None = None, mode: str = "max", scope: str = "all"
    ) -> BestCheckpointRequest:
        return cls(path, metric or DEFAULT_METRIC, mode, scope)


@dataclass(frozen=True)
class BestConfigRequest:
    """``analyze best-config``: the best trial's config as a ``rlcli train -f`` file, as text
    (``yaml`` or ``json``), written to ``output`` (atomically) when given."""

    path: str | Path
    metric: str = DEFAULT_METRIC
    mode: str = "max"
    fmt: str = "yaml"
    output: Path | None = None

    def __post_init__(self) -> None:
        _resolve(self, "metric", resolve_metric(self.metric))
        check_mode(self.mode)
        _choice("--format", self.fmt, BEST_CONFIG_FORMATS)

    @classmethod
    def build(
        cls,
        path: str | Path,
        metric: str | None = None,
        mode: str = "max",
        fmt: str = "yaml",
        output: str | Path | None = None,
    ) -> BestConfigRequest:
        return cls(path, metric or DEFAULT_METRIC, mode, fmt, Path(output) if output else None)


@dataclass(frozen=True)
class TrialExportRequest:
    """``analyze export``: every trial's result rows, flattened, to one CSV, Parquet or JSON-lines file."""

    path: str | Path
    output: Path
    fmt: str = "csv"

    def __post_init__(self) -> None:
        _choice("--format", self.fmt, EXPORT_FORMATS)

    @classmethod
    def build(cls, path: str | Path, output: str | Path, fmt: str = "csv") -> TrialExportRequest:
        return cls(path, Path(output), fmt)


@dataclass(frozen=True)
class PlotRequest:
    """``analyze plot``: learning curves of one or more experiments, a line per trial or per
    config (the mean over its seeds, with ``band`` around it), drawn to ``out`` when given."""

    paths: Paths
    metric: str = DEFAULT_METRIC
    x_axis: str = "steps"
    smooth: int = 1
    group: str = "auto"
    band: str = "ci"
    out: Path | None = None

    def __post_init__(self) -> None:
        _resolve(self, "paths", _paths(self.paths))
        _resolve(self, "metric", resolve_metric(self.metric))
        _choice("--x", self.x_axis, tuple(X_AXES))
        _check_smooth(self.smooth)
        _choice("--group", self.group, GROUPS)
        _choice("--band", self.band, BANDS)
        if self.out is not None:
            check_file_format(self.out)

    @classmethod
    def build(
        cls,
        paths: str | Path | Paths,
        metric: str | None = None,
        x_axis: str = "steps",
        smooth: int = 1,
        group: str = "auto",
        band: str = "ci",
        out: str | Path | None = None,
    ) -> PlotRequest:
        return cls(_paths(paths), metric or DEFAULT_METRIC, x_axis, smooth, group, band, Path(out) if out else None)


@dataclass(frozen=True)
class CompareRequest:
    """``analyze compare``: experiments (or each one's configs, ``by="config"``) side by side."""

    paths: Paths
    metric: str = DEFAULT_METRIC
    mode: str = "max"
    by: str = "experiment"
    #: Also report when trials first reached this metric value.
    threshold: float | None = None
    #: Measure "final" where each trial stood at this x instead of at its end.
    budget: float | None = None
    x_axis: str = "steps"
    smooth: int = 1

    def __post_init__(self) -> None:
        _resolve(self, "paths", _paths(self.paths))
        _resolve(self, "metric", resolve_metric(self.metric))
        check_mode(self.mode)
        _choice("--by", self.by, COMPARE_BY)
        _choice("--x", self.x_axis, tuple(X_AXES))
        _check_smooth(self.smooth)
        if self.budget is not None and not self.budget >= 0:
            raise UsageError(f"--budget must be >= 0, got {self.budget!r}.")

    @classmethod
    def build(
        cls,
        paths: str | Path | Paths,
        metric: str | None = None,
        mode: str = "max",
        by: str = "experiment",
        threshold: float | None = None,
        budget: float | None = None,
        x_axis: str = "steps",
        smooth: int = 1,
    ) -> CompareRequest:
        return cls(_paths(paths), metric or DEFAULT_METRIC, mode, by, threshold, budget, x_axis, smooth)

    @property
    def options(self) -> CompareOptions:
        return CompareOptions(self.metric, self.mode, self.by, self.threshold, self.x_axis, self.smooth, self.budget)
