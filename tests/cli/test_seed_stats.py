"""IQM, stratified-bootstrap intervals and the probability of improvement, checked against direct
computations, and ``analyze compare --by config`` on hand-made seeds whose answers are known."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rlcli.cli import cli
from rlcli.core.analysis import seed_stats


def test_iqm_is_the_mean_of_the_middle_half():
    assert seed_stats.iqm([8, 1, 7, 2, 6, 3, 5, 4]) == 4.5  # mean of 3, 4, 5, 6
    values = np.random.default_rng(3).normal(size=10)
    middle = np.sort(values)[2:8]  # int(0.25 * 10) = 2 cut from each end
    assert seed_stats.iqm(values) == pytest.approx(middle.mean())
    assert seed_stats.iqm([1.0, 2.0, 3.0, 1000.0]) == 2.5  # one broken seed does not move it


def test_probability_of_improvement_counts_pairs():
    x, y = [3.0, 1.0, 2.0], [2.0, 0.0]
    pairs = [(a > b) + 0.5 * (a == b) for a, b in itertools.product(x, y)]
    assert seed_stats.probability_of_improvement(x, y) == pytest.approx(sum(pairs) / len(pairs))  # 4.5 / 6
    assert seed_stats.probability_of_improvement([5, 6], [1, 2]) == 1.0
    assert seed_stats.probability_of_improvement([1, 2], [1, 2]) == 0.5


def test_bootstrap_interval_of_the_mean_matches_the_normal_approximation():
    values = np.random.default_rng(0).normal(10.0, 2.0, size=400)
    low, high = seed_stats.stratified_bootstrap_ci([values], seed_stats.mean)
    half = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    assert low == pytest.approx(values.mean() - half, abs=0.1 * half + 0.02)
    assert high == pytest.approx(values.mean() + half, abs=0.1 * half + 0.02)


def test_stratified_resampling_keeps_each_stratum_whole():
    """Each resample draws 3 runs from each stratum, so the mean is always exactly 5: an
    unstratified bootstrap of the same 6 numbers would spread from 0 to 10."""
    assert seed_stats.stratified_bootstrap_ci([[0, 0, 0], [10, 10, 10]], seed_stats.mean) == (5.0, 5.0)
    low, high = seed_stats.stratified_bootstrap_ci([[0, 0, 0, 10, 10, 10]], seed_stats.mean)
    assert low < 3 and high > 7


def test_constant_runs_have_a_zero_width_interval_and_seeds_repeat():
    assert seed_stats.stratified_bootstrap_ci([[2.0] * 5], seed_stats.iqm) == (2.0, 2.0)
    runs = [[1.0, 4.0, 2.0, 8.0, 3.0]]
    assert seed_stats.stratified_bootstrap_ci(runs, seed_stats.iqm) == seed_stats.stratified_bootstrap_ci(
        runs, seed_stats.iqm
    )


def test_curve_band_is_the_bootstrap_interval_of_the_mean_at_each_point():
    """60 runs over 3 points, each point with its own spread: the band matches the normal
    approximation there, and equals the per-point percentile bootstrap computed directly."""
    rng = np.random.default_rng(1)
    runs = rng.normal([0.0, 5.0, 10.0], [1.0, 3.0, 0.5], size=(60, 3))
    low, high = seed_stats.bootstrap_band(runs)
    half = 1.96 * runs.std(axis=0, ddof=1) / np.sqrt(60)
    np.testing.assert_allclose(low, runs.mean(axis=0) - half, atol=0.12 * half.max())
    np.testing.assert_allclose(high, runs.mean(axis=0) + half, atol=0.12 * half.max())
    # An independent percentile bootstrap (its own generator, 20,000 resamples of whole runs)
    # lands on the same band to within Monte-Carlo error.
    picks = np.random.default_rng(12345).integers(0, 60, (20_000, 60))
    reference = np.quantile(runs[picks].mean(axis=1), [0.025, 0.975], axis=0)
    np.testing.assert_allclose((low, high), reference, atol=0.1 * half.max())
    np.testing.assert_allclose(seed_stats.bootstrap_band(np.full((4, 2), 7.0)), np.full((2, 2), 7.0))  # no spread


def _trial(exp: Path, name: str, lr: float, seed: int, returns: list[float]) -> None:
    trial = exp / name
    trial.mkdir(parents=True)
    (trial / "params.json").write_text(json.dumps({"lr": lr, "seed": seed}))
    rows = [
        {"env_runners": {"episode_return_mean": r}, "training_iteration": i, "num_env_steps_sampled_lifetime": 100 * i}
        for i, r in enumerate(returns, 1)
    ]
    (trial / "result.json").write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_compare_by_config_reports_iqm_intervals_and_improvement(tmp_path):
    exp = tmp_path / "seeds"
    good = {0: [10, 50], 1: [10, 60], 2: [10, 70], 3: [10, 500]}  # one lucky seed
    bad = {0: [10, 40], 1: [10, 45], 2: [10, 55], 3: [10, 20]}
    for seed, returns in good.items():
        _trial(exp, f"good_{seed}", 0.001, seed, [float(r) for r in returns])
    for seed, returns in bad.items():
        _trial(exp, f"bad_{seed}", 0.1, seed, [float(r) for r in returns])
    result = CliRunner().invoke(cli, ["analyze", "compare", str(exp), "--by", "config", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["config"]: row for row in json.loads(result.stdout)}
    top, other = rows["lr=0.001"], rows["lr=0.1"]
    assert top["iqm"] == pytest.approx(65.0)  # mean of 60 and 70: the lucky 500 is trimmed
    assert top["final"] == pytest.approx(170.0)  # the mean is not
    assert top["iqm_lo"] <= 65.0 <= top["iqm_hi"] and top["final_lo"] <= 170.0 <= top["final_hi"]
    assert other["iqm"] == pytest.approx(42.5)
    finals_top, finals_other = [50, 60, 70, 500], [40, 45, 55, 20]
    expected = np.mean([(a > b) + 0.5 * (a == b) for a in finals_top for b in finals_other])
    assert other["p_top_better"] == pytest.approx(expected) and top["p_top_better"] is None
    at_budget = CliRunner().invoke(cli, ["analyze", "compare", str(exp), "--by", "config", "--budget", "150", "--json"])
    assert {row["iqm"] for row in json.loads(at_budget.stdout)} == {10.0}  # where each stood at 100 env steps
