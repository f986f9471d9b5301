"""Learning curves and comparisons from trial records: the x axis, smoothing, trials of one
config (seeds) folded into their mean on a shared grid with a band (95% bootstrap interval, or
± std), steps to a threshold. Plain numbers in,
plain numbers out; drawing is ``plots``'s job."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rlcli.core.analysis import seed_stats
from rlcli.core.analysis.trials import TrialRecord, score, varied_keys
from rlcli.core.errors import UsageError
from rlcli.core.metrics import flatten

X_AXES = {
    "steps": ("num_env_steps_sampled_lifetime", "env steps"),
    "iterations": ("training_iteration", "training iteration"),
    "time": ("time_total_s", "seconds"),
}
GRID_POINTS = 200
#: What the band around a config's mean curve shows: the 95% stratified-bootstrap interval of the
#: mean over its seeds (how sure the mean is), or the std over them (how much seeds differ).
BANDS = ("ci", "std")


@dataclass
class Curve:
    """One line of a plot: a trial, or the mean of the trials of one config (then with its band)."""

    label: str
    x: list[float]
    y: list[float]
    low: list[float] | None = None  # the band's bounds, for a config over several trials
    high: list[float] | None = None
    trials: int = 1


def x_column(x_axis: str) -> str:
    return X_AXES[x_axis][0]


def points(record: TrialRecord, metric: str, x_axis: str) -> tuple[list[float], list[float]]:
    """The (x, metric) pairs of a trial where both are numbers, in reporting order."""
    xs, ys = [], []
    for x, y in zip(record.values(x_column(x_axis)), record.values(metric), strict=True):
        if x is not None and y is not None:
            xs.append(x)
            ys.append(y)
    return xs, ys


def smooth(values: Sequence[float], window: int) -> list[float]:
    """Trailing moving average over ``window`` points (the first points average what there is)."""
    if window <= 1:
        return list(values)
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def _is_seed(key: str) -> bool:
    return key.rsplit("/", 1)[-1] in ("seed", "env_seed")


def config_labels(records: list[TrialRecord]) -> list[str]:
    """Per trial, the searched hyperparameters that tell it apart, seeds left out (so trials
    differing only by seed share a label: one config)."""
    keys = [k for k in varied_keys(records) if not _is_seed(k)]
    labels = []
    for record in records:
        flat = flatten(record.config)
        labels.append(", ".join(f"{k.rsplit('/', 1)[-1]}={_short(flat.get(k))}" for k in keys) or "all trials")
    return labels


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def config_groups(experiments: dict[str, list[TrialRecord]]) -> list[tuple[str, str, list[TrialRecord]]]:
    """``(experiment, config label, trials)`` for each config of each experiment, in trial order."""
    groups: list[tuple[str, str, list[TrialRecord]]] = []
    for exp_name, records in experiments.items():
        by_config: dict[str, list[TrialRecord]] = {}
        for label, record in zip(config_labels(records), records, strict=True):
            by_config.setdefault(label, []).append(record)
        groups.extend((exp_name, label, members) for label, members in by_config.items())
    return groups


def build_curves(
    experiments: dict[str, list[TrialRecord]], metric: str, x_axis: str, window: int, group: str, band: str = "ci"
) -> list[Curve]:
    """One curve per trial (``trial``), or per config: the mean over its trials with ``band``
    (``config``); ``auto`` picks ``config`` when some config ran more than once."""
    groups = config_groups(experiments)
    if group == "auto":
        group = "config" if any(len(members) > 1 for _, _, members in groups) else "trial"
    curves = []
    for exp_name, config, members in groups:
        label = f"{exp_name}: {config}" if len(experiments) > 1 else config
        if group == "config" and len(members) > 1:
            mean = _mean_curve(label, members, metric, x_axis, window, band)
            curves += [mean] if mean is not None else []
            continue
        for record in members:
            xs, ys = points(record, metric, x_axis)
            name = label if len(members) == 1 else f"{label} [{_trial_tag(record.name)}]"
            if xs:
                curves.append(Curve(name, xs, smooth(ys, window)))
    if not curves:
        raise UsageError(f"No trial has both {metric} and {x_column(x_axis)} to plot.", "Try --x iterations.")
    return curves


def _trial_tag(name: str) -> str:
    """``PPO_CartPole-v1_6d8e2_00003_3_lr=...`` -> ``00003``: short and unique within an experiment."""
    parts = name.split("_")
    return next((p for p in parts if p.isdigit() and len(p) == 5), name[:24])


def _mean_curve(
    label: str, members: list[TrialRecord], metric: str, x_axis: str, window: int, band: str
) -> Curve | None:
    """The mean over trials at shared x values, with ``band`` around it: each trial interpolated
    linearly on a grid up to the smallest final x among them (beyond it some trials have no data)."""
    import numpy as np

    series = [points(r, metric, x_axis) for r in members]
    series = [(xs, smooth(ys, window)) for xs, ys in series if len(xs) >= 2]
    if not series:
        return None
    start = max(xs[0] for xs, _ in series)
    stop = min(xs[-1] for xs, _ in series)
    if stop <= start:
        return None
    grid = np.linspace(start, stop, GRID_POINTS)
    stacked = np.stack([np.interp(grid, xs, ys) for xs, ys in series])
    mean = stacked.mean(axis=0)
    if band == "std":
        low, high, what = mean - stacked.std(axis=0), mean + stacked.std(axis=0), "mean ± std"
    else:
        low, high = seed_stats.bootstrap_band(stacked)
        what = "mean, 95% bootstrap CI"
    return Curve(
        f"{label} ({what} of {len(series)} trials)",
        grid.tolist(),
        mean.tolist(),
        low.tolist(),
        high.tolist(),
        len(series),
    )


def first_reaching(xs: Sequence[float], ys: Sequence[float], threshold: float, mode: str) -> float | None:
    """The first x at which the metric reaches ``threshold`` (``>=`` for max mode, ``<=`` for min)."""
    for x, y in zip(xs, ys, strict=True):
        if (y >= threshold) if mode == "max" else (y <= threshold):
            return x
    return None


@dataclass(frozen=True)
class CompareOptions:
    metric: str
    mode: str
    by: str  # "experiment" or "config"
    threshold: float | None
    x_axis: str
    window: int
    #: Measure "final" at this x (env steps, by default) instead of at each trial's end.
    budget: float | None = None


#: Columns ``--by config`` adds: IQM and mean with 95% stratified-bootstrap intervals over the
#: config's seeds, and the probability that the top config (by IQM) beats this one.
SEED_COLUMNS = ["iqm", "iqm_lo", "iqm_hi", "final_lo", "final_hi", "p_top_better"]


def compare_rows(experiments: dict[str, list[TrialRecord]], opts: CompareOptions) -> tuple[list[str], list[dict]]:
    """One row per experiment (or per config of each experiment): trials, best, final mean ± std
    across trials, and with a threshold, the median x at which trials reached it."""
    columns = ["experiment", *(["config"] if opts.by == "config" else []), "trials", "best", "final", "final_std"]
    if opts.by == "config":
        columns += SEED_COLUMNS
    if opts.threshold is not None:
        columns += [_threshold_column(opts), "reached"]
    if opts.by == "config":
        groups = config_groups(experiments)
    else:
        groups = [(exp_name, "", records) for exp_name, records in experiments.items()]
    rows = [{"experiment": exp_name, "config": label, **_summary(members, opts)} for exp_name, label, members in groups]
    if opts.by == "config":
        finals = [_finals_and_hits(members, opts)[0] for _, _, members in groups]
        for row, values in zip(rows, finals, strict=True):
            row.update(seed_statistics(values))
        _add_top_comparison(rows, finals, opts.mode)
    return columns, rows


def seed_statistics(finals: list[float]) -> dict[str, float | None]:
    """IQM and mean of one config's per-seed finals, each with its 95% bootstrap interval."""
    if not finals:
        return {key: None for key in SEED_COLUMNS[:-1]}
    iqm_lo, iqm_hi = seed_stats.stratified_bootstrap_ci([finals], seed_stats.iqm)
    mean_lo, mean_hi = seed_stats.stratified_bootstrap_ci([finals], seed_stats.mean)
    return {"iqm": seed_stats.iqm(finals), "iqm_lo": iqm_lo, "iqm_hi": iqm_hi, "final_lo": mean_lo, "final_hi": mean_hi}


def _add_top_comparison(rows: list[dict[str, Any]], finals: list[list[float]], mode: str) -> None:
    """``p_top_better``: P(a seed of the top config, by IQM, scores better than one of this)."""
    scored = [i for i, values in enumerate(finals) if values]
    for row in rows:
        row["p_top_better"] = None
    if len(scored) < 2:
        return
    sign = 1.0 if mode == "max" else -1.0
    top = max(scored, key=lambda i: sign * seed_stats.iqm(finals[i]))
    best = seed_stats.oriented(finals[top], mode)
    for i in scored:
        if i != top:
            rows[i]["p_top_better"] = seed_stats.probability_of_improvement(best, seed_stats.oriented(finals[i], mode))


def _threshold_column(opts: CompareOptions) -> str:
    return f"{opts.x_axis}_to_{opts.threshold:g}"


def _finals_and_hits(members: list[TrialRecord], opts: CompareOptions) -> tuple[list[float], list[float]]:
    """Each trial's final (smoothed) value, and where those that reached the threshold first did."""
    finals: list[float] = []
    reached: list[float] = []
    for record in members:
        xs, ys = points(record, opts.metric, opts.x_axis)
        ys = smooth(ys, opts.window)
        if opts.budget is not None:  # the curve as it stood at the budget
            kept = sum(1 for x in xs if x <= opts.budget)
            xs, ys = xs[:kept], ys[:kept]
        if not ys:
            continue
        finals.append(ys[-1])
        hit = first_reaching(xs, ys, opts.threshold, opts.mode) if opts.threshold is not None else None
        if hit is not None:
            reached.append(hit)
    return finals, reached


def _summary(members: list[TrialRecord], opts: CompareOptions) -> dict[str, Any]:
    pick = max if opts.mode == "max" else min
    bests = [b for b in (score(r, opts.metric, opts.mode, "all") for r in members) if b is not None]
    finals, reached = _finals_and_hits(members, opts)
    row: dict[str, Any] = {
        "trials": len(members),
        "best": pick(bests) if bests else None,
        "final": statistics.fmean(finals) if finals else None,
        "final_std": statistics.pstdev(finals) if len(finals) > 1 else (0.0 if finals else None),
    }
    if opts.threshold is not None:
        row[_threshold_column(opts)] = statistics.median(reached) if reached else None
        row["reached"] = f"{len(reached)}/{len(members)}"
    return row


def group_by_experiment(records: list[TrialRecord]) -> dict[str, list[TrialRecord]]:
    """Trials keyed by their experiment dir's name (its full path where two dirs share a name)."""
    parents: dict[str, set[Any]] = {}
    for record in records:
        parents.setdefault(record.experiment, set()).add(record.path.parent)
    out: dict[str, list[TrialRecord]] = {}
    for record in records:
        name = record.experiment if len(parents[record.experiment]) == 1 else str(record.path.parent)
        out.setdefault(name, []).append(record)
    return out
