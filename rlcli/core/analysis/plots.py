"""Draw learning curves to a PNG/SVG/PDF file with matplotlib (imported only when asked for),
written atomically. The terminal chart is ``braille``'s."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rlcli.core.analysis.curves import X_AXES, Curve, build_curves
from rlcli.core.errors import UsageError
from rlcli.core.files import atomic_path

if TYPE_CHECKING:
    from rlcli.core.analysis.requests import PlotRequest
    from rlcli.core.analysis.trials import TrialRecord

FILE_FORMATS = (".png", ".svg", ".pdf")


def check_file_format(path: Path) -> None:
    if path.suffix.lower() not in FILE_FORMATS:
        raise UsageError(f"--out '{path}': unknown image type '{path.suffix}'.", "Use a .png, .svg or .pdf file name.")


def file_plot(curves: list[Curve], path: Path, title: str, xlabel: str, ylabel: str) -> None:
    """A matplotlib figure: one line per curve, the std band shaded; replaced atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    check_file_format(path)
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=120)
    for curve in curves:
        (line,) = ax.plot(curve.x, curve.y, label=curve.label, linewidth=1.6)
        if curve.low is not None and curve.high is not None:
            ax.fill_between(curve.x, curve.low, curve.high, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    if len(curves) <= 20:
        ax.legend(fontsize="small", loc="best")
    fig.tight_layout()
    with atomic_path(path.expanduser().absolute(), suffix=path.suffix) as tmp:
        fig.savefig(tmp, format=path.suffix.lower().lstrip("."))
    plt.close(fig)


@dataclass(frozen=True)
class Plot:
    """The answer of ``analyze plot``: its curves and labels, and the image file they were
    drawn to (None: not drawn; the terminal chart is drawn from them by ``braille.render``)."""

    curves: list[Curve]
    title: str
    xlabel: str
    ylabel: str
    out: str | None = None


def learning_curves(experiments: dict[str, list[TrialRecord]], request: PlotRequest) -> Plot:
    """The curves ``request`` asks for of ``experiments`` (trials by experiment name), drawn to
    its ``out`` file when it names one."""
    lines = build_curves(experiments, request.metric, request.x_axis, request.smooth, request.group, request.band)
    title = request.metric + (f" (moving average of {request.smooth})" if request.smooth > 1 else "")
    plot = Plot(lines, title, X_AXES[request.x_axis][1], request.metric)
    if request.out is None:
        return plot
    file_plot(lines, request.out, plot.title, plot.xlabel, plot.ylabel)
    return replace(plot, out=str(request.out))
