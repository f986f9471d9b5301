"""Curve arithmetic: smoothing, seeds folded into one config, mean ± std on a shared grid,
steps to a threshold, and the terminal chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlcli.core.analysis.braille import render
from rlcli.core.analysis.curves import CompareOptions, build_curves, compare_rows, config_labels, first_reaching, smooth
from rlcli.core.analysis.trials import TrialRecord


def record(name: str, config: dict, returns: list[float], steps_per_iter: int = 100) -> TrialRecord:
    n = len(returns)
    columns = {
        "training_iteration": list(range(1, n + 1)),
        "num_env_steps_sampled_lifetime": [steps_per_iter * i for i in range(1, n + 1)],
        "time_total_s": [1.5 * i for i in range(1, n + 1)],
        "env_runners/episode_return_mean": returns,
    }
    return TrialRecord(name, "exp", Path("/x") / name, "TERMINATED", config, columns)


METRIC = "env_runners/episode_return_mean"


def test_smooth_is_a_trailing_mean():
    assert smooth([1, 2, 3, 4], 1) == [1, 2, 3, 4]
    assert smooth([1, 2, 3, 4], 2) == [1, 1.5, 2.5, 3.5]
    assert smooth([3, 3, 9], 3) == [3, 3, 5]


def test_first_reaching_in_both_modes():
    assert first_reaching([10, 20, 30], [1, 5, 9], 5, "max") == 20
    assert first_reaching([10, 20, 30], [9, 5, 1], 5, "min") == 20
    assert first_reaching([10, 20], [1, 2], 5, "max") is None


def test_seeds_share_a_config_label():
    records = [record(f"t{i}", {"lr": lr, "seed": i}, [1.0]) for i, lr in enumerate([0.1, 0.2, 0.1, 0.2])]
    assert config_labels(records) == ["lr=0.1", "lr=0.2", "lr=0.1", "lr=0.2"]


def test_config_curves_are_mean_and_std_over_seeds():
    records = [
        record("t0", {"lr": 0.1, "seed": 0}, [0.0, 10.0, 20.0]),
        record("t1", {"lr": 0.1, "seed": 1}, [10.0, 20.0, 30.0]),
        record("t2", {"lr": 0.2, "seed": 0}, [5.0, 5.0, 5.0]),
    ]
    curves = build_curves({"exp": records}, METRIC, "steps", 1, "auto", band="std")
    mean = next(c for c in curves if c.trials == 2)
    assert mean.x[0] == 100 and mean.x[-1] == 300
    assert mean.y[0] == pytest.approx(5.0) and mean.y[-1] == pytest.approx(25.0)
    assert mean.high[-1] - mean.low[-1] == pytest.approx(10.0)  # ± one std (5)
    assert "mean ± std of 2 trials" in mean.label
    # The default band: a resample of the 2 seeds ends at mean 20, 25 or 30 (p = 1/4, 1/2, 1/4),
    # so the 95% interval at the end is [20, 30]; at x=200 (returns 10 and 20) it is [10, 20].
    ci = next(c for c in build_curves({"exp": records}, METRIC, "steps", 1, "config") if c.trials == 2)
    assert (ci.low[-1], ci.high[-1]) == pytest.approx((20.0, 30.0))
    middle = ci.x.index(min(ci.x, key=lambda x: abs(x - 200)))
    assert ci.low[middle] == pytest.approx(10.0, abs=0.2) and ci.high[middle] == pytest.approx(20.0, abs=0.2)
    assert "mean, 95% bootstrap CI of 2 trials" in ci.label
    per_trial = build_curves({"exp": records}, METRIC, "iterations", 1, "trial")
    assert len(per_trial) == 3 and per_trial[0].x == [1, 2, 3]


def test_compare_pools_seeds_per_config():
    records = [
        record("t0", {"lr": 0.1, "seed": 0}, [0.0, 10.0, 20.0]),
        record("t1", {"lr": 0.1, "seed": 1}, [10.0, 20.0, 30.0]),
        record("t2", {"lr": 0.2, "seed": 0}, [5.0, 5.0, 5.0]),
    ]
    columns, rows = compare_rows({"exp": records}, CompareOptions(METRIC, "max", "config", 20.0, "steps", 1))
    assert columns[-2:] == ["steps_to_20", "reached"]
    first = {key: rows[0][key] for key in ("experiment", "config", "trials", "best", "final", "final_std")}
    assert first == {
        "experiment": "exp",
        "config": "lr=0.1",
        "trials": 2,
        "best": 30.0,
        "final": 25.0,
        "final_std": 5.0,
    }
    assert (rows[0]["steps_to_20"], rows[0]["reached"]) == (250.0, "2/2")
    # finals 20 and 30: IQM of two runs is their mean; a resample is (20,20), (20,30) or (30,30)
    assert (rows[0]["iqm"], rows[0]["iqm_lo"], rows[0]["iqm_hi"]) == (25.0, 20.0, 30.0)
    assert rows[1]["p_top_better"] == 1.0  # both seeds of lr=0.1 end above lr=0.2's 5
    assert rows[1]["reached"] == "0/1" and rows[1]["steps_to_20"] is None


def test_terminal_chart_has_axes_curves_and_legend():
    curves = build_curves({"exp": [record("t0", {"lr": 0.1}, [1.0, 50.0, 100.0])]}, METRIC, "steps", 1, "trial")
    lines = ["".join(text for text, _ in row) for row in render(curves, "title", "env steps", (60, 20))]
    assert lines[0] == "title"
    assert lines[1].lstrip().startswith("100") and any(line.lstrip().startswith("1 │") for line in lines)
    assert any("env steps" in line for line in lines) and lines[-1].strip().endswith("all trials")
    assert sum(ch != " " and 0x2800 <= ord(ch) <= 0x28FF for line in lines for ch in line) > 20
