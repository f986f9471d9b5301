"""Statistics over seeds, as Agarwal et al. recommend ("Deep RL at the Edge of the Statistical
Precipice", NeurIPS 2021, the rliable library): with the 3-10 seeds RL experiments can afford, a
mean ± std misleads; the interquartile mean (IQM: the mean of the middle 50% of runs) is robust
to one lucky or broken seed and more efficient than the median, and every point estimate comes
with a 95% stratified-bootstrap confidence interval (runs resampled with replacement within each
task, so each task keeps its number of runs). The probability of improvement P(X > Y) is the
Mann-Whitney statistic: the chance that a random run of X scores above a random run of Y (ties
count half).

Plain numpy, seeded, so the same runs always give the same intervals."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Bootstrap resamples: rliable's default is 2,000 for intervals at the 95% level.
BOOTSTRAP_REPS = 2000
CONFIDENCE = 0.95
SEED = 0

Statistic = Callable[[np.ndarray], float]


def iqm(values: Sequence[float] | np.ndarray) -> float:
    """Interquartile mean: the mean after dropping the lowest and highest 25% of the sorted
    values (``int(0.25 * n)`` from each end, as ``scipy.stats.trim_mean(x, 0.25)`` does)."""
    x = np.sort(np.asarray(values, dtype=float).ravel())
    if x.size == 0:
        raise ValueError("iqm of no values")
    cut = int(0.25 * x.size)
    return float(np.mean(x[cut : x.size - cut]))


def mean(values: Sequence[float] | np.ndarray) -> float:
    return float(np.mean(np.asarray(values, dtype=float)))


def stratified_bootstrap_ci(
    strata: Sequence[Sequence[float]],
    statistic: Statistic,
    reps: int = BOOTSTRAP_REPS,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> tuple[float, float]:
    """Percentile interval of ``statistic`` over all runs, each resample drawing every stratum's
    runs (e.g. the seeds of one env) with replacement from that stratum alone."""
    groups = [np.asarray(s, dtype=float).ravel() for s in strata if len(s)]
    if not groups:
        raise ValueError("bootstrap of no values")
    rng = np.random.default_rng(seed)
    draws = np.empty(reps)
    for r in range(reps):
        draws[r] = statistic(np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups]))
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return float(low), float(high)


#: Resamples drawn at once by :func:`bootstrap_band`: bounds its memory for many seeds.
_BAND_CHUNK = 250


def bootstrap_band(
    runs: np.ndarray, reps: int = BOOTSTRAP_REPS, confidence: float = CONFIDENCE, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """The 95% bootstrap interval of the mean over runs at each point of a learning curve.
    ``runs`` is (runs, points), every run on the same x grid; a resample draws whole runs (with
    replacement), so one seed's curve stays together, as a seed's points are not independent."""
    curves = np.asarray(runs, dtype=float)
    if curves.ndim != 2 or curves.shape[0] == 0:
        raise ValueError("bootstrap_band needs a (runs, points) array with at least one run")
    rng = np.random.default_rng(seed)
    n = curves.shape[0]
    means = np.empty((reps, curves.shape[1]))
    for start in range(0, reps, _BAND_CHUNK):
        count = min(_BAND_CHUNK, reps - start)
        means[start : start + count] = curves[rng.integers(0, n, (count, n))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail], axis=0)
    return low, high


def probability_of_improvement(x: Sequence[float], y: Sequence[float]) -> float:
    """P(X > Y) + P(X = Y) / 2 over all pairs of a run of X and a run of Y."""
    a = np.asarray(x, dtype=float)[:, None]
    b = np.asarray(y, dtype=float)[None, :]
    if a.size == 0 or b.size == 0:
        raise ValueError("probability of improvement needs runs on both sides")
    return float(np.mean((a > b) + 0.5 * (a == b)))


def oriented(values: Sequence[float], mode: str) -> list[float]:
    """Scores where higher is better (a ``min`` metric negated), so IQM and P(X > Y) read one way."""
    return [float(v) for v in values] if mode == "max" else [-float(v) for v in values]
