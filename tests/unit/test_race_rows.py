"""``benchmarks/race.py``'s rows: each existing tuned example stops on its row's criterion (so
rlcli and SB3 race to the same thing), and the profile summary counts what it says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


race = _load("race")


@pytest.mark.parametrize("row", [r for r in race.ROWS if r.example_path().exists()], ids=lambda r: r.key)
def test_each_tuned_example_stops_on_its_rows_criterion(row):
    experiment = race.read_example(row)
    assert experiment["run"] == row.algorithm and experiment["env"] == row.env


def test_rows_are_unique_and_the_three_of_the_issue_exist():
    keys = [r.key for r in race.ROWS]
    assert len(keys) == len(set(keys))
    assert {"ppo-cartpole", "sac-pendulum", "dqn-cartpole"} <= {r.key for r in race.ROWS if r.example_path().exists()}


def test_a_row_whose_example_stops_elsewhere_is_refused(tmp_path):
    example = tmp_path / "x.yaml"
    example.write_text("x:\n  run: SAC\n  env: Pendulum-v1\n  stop: {rlcli/episode_return_rolling_mean: -300}\n")
    row = race.Row("x", "SAC", "Pendulum-v1", race.Criterion("rolling", -250, window=10), "sac", str(example))
    with pytest.raises(SystemExit, match="not on rlcli/episode_return_rolling_mean >= -250"):
        race.read_example(row)


def test_profile_summary_shares_are_of_the_training_step_samples(tmp_path):
    profile = _load("profile_trial")
    raw = tmp_path / "stacks.txt"
    step = "DQN.training_step (/x/site-packages/ray/rllib/algorithms/dqn/dqn.py:700)"
    raw.write_text(
        f"main (rlcli:1);{step};sample (/x/site-packages/ray/b.py:3) 30\n"
        f"main (rlcli:1);{step};update (/x/site-packages/ray/c.py:9);forward (/x/site-packages/torch/d.py:2) 10\n"
        f"main (rlcli:1);{step} 10\n"
        "main (rlcli:1);ray_init (/x/site-packages/ray/e.py:1) 50\n"  # outside training_step: not counted
    )
    total, inclusive, own = profile.summarize(raw, top=10)
    assert total == 50
    shares = dict((name, pct) for pct, name in inclusive)
    assert shares["DQN.training_step (ray/rllib/algorithms/dqn/dqn.py)"] == pytest.approx(100.0)
    assert shares["sample (ray/b.py)"] == pytest.approx(60.0)
    assert shares["update (ray/c.py)"] == pytest.approx(20.0)
    assert dict((name, pct) for pct, name in own)["forward (torch/d.py)"] == pytest.approx(20.0)
