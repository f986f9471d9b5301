"""Every search algorithm rlcli names an extra for, built by ``make_searcher`` from what a user
writes (rlcli's markers, ``--search-config`` JSON), driven through Tune's Searcher interface as
Tune drives it: suggestions inside the space, results reported back, the state saved and
restored (what ``--resume`` does) and the search going on from it. No trials are trained: this
checks the integration with each library, which is what breaks when a library moves on (the
pins in setup.cfg come from here)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from rlcli.core import searchspace
from rlcli.core.spec import CheckpointSpec, ExperimentSpec
from rlcli.core.train.sweeps import SEARCH_EXTRAS, SEARCH_MODULES, make_searcher

METRIC = "rlcli/episode_return_rolling_mean"
SPACE = {"lr": {"loguniform": [1e-5, 1e-2]}, "gamma": {"uniform": [0.9, 0.999]}}
#: What each searcher's factory needs from --search-config.
SEARCH_CONFIGS: dict[str, dict] = {
    "nevergrad": {"optimizer": "OnePlusOne"},
    "bayesopt": {"random_search_steps": 2},
}


def _spec(name: str) -> ExperimentSpec:
    return ExperimentSpec(
        "s",
        "PPO",
        "CartPole-v1",
        {},
        dict(SPACE),
        {},
        CheckpointSpec(),
        "/tmp",
        search_alg=name,
        search_config=SEARCH_CONFIGS.get(name, {}),
    )


def _objective(config: dict) -> float:
    """Best at lr=1e-3, gamma=0.99."""
    return -((math.log10(config["lr"]) + 3) ** 2) - 100 * (config["gamma"] - 0.99) ** 2


def _drive(searcher, start: int, count: int) -> list[dict]:
    suggested = []
    for i in range(start, start + count):
        config = searcher.suggest(f"t{i}")
        assert isinstance(config, dict), config
        assert 1e-5 <= config["lr"] <= 1e-2 and 0.9 <= config["gamma"] <= 0.999, config
        searcher.on_trial_complete(f"t{i}", {METRIC: _objective(config), "training_iteration": 1})
        suggested.append(config)
    return suggested


@pytest.mark.parametrize("name", sorted(SEARCH_EXTRAS))
def test_searcher_suggests_learns_and_resumes(name, tmp_path: Path):
    if importlib.util.find_spec(SEARCH_MODULES[name]) is None:
        pytest.skip(
            f"rlcli[{SEARCH_EXTRAS[name]}] is not installed: make test installs the extras of optuna, hyperopt, "
            "bayesopt and nevergrad; ax, hebo and bohb pull in large stacks and are not checked here"
        )
    spec = _spec(name)
    searcher, notices = make_searcher(spec)
    assert notices and METRIC in notices[0]
    assert searcher.set_search_properties(None, None, searchspace.to_tune(spec.config))
    first = _drive(searcher, 0, 4)
    assert len({(c["lr"], c["gamma"]) for c in first}) == 4

    state = tmp_path / "searcher-state.pkl"
    searcher.save(str(state))
    restored, _ = make_searcher(spec)
    restored.set_search_properties(None, None, searchspace.to_tune(spec.config))
    restored.restore(str(state))
    after = _drive(restored, 4, 2)
    assert len({(c["lr"], c["gamma"]) for c in first + after}) == 6


def test_a_searched_trial_dir_names_the_searched_values():
    """Not the whole config Tune's own name lists (with placeholders of rlcli's callbacks)."""
    from rlcli.core.train.sweeps import searched_trial_dirname

    class Trial:
        def __init__(self) -> None:
            self.experiment_tag = "3_fcnet_hiddens=16,callbacks_on_train_result=ref_ph_4d476e04,env=CartPole-v1"
            self.evaluated_params = {"lr": 0.00123, "env_config/reward": 7.08}

        def __str__(self) -> str:
            return "PPO_CartPole-v1_1583f3de"

    name = searched_trial_dirname(Trial())
    assert name.startswith("PPO_CartPole-v1_1583f3de_3_reward=7.0800,lr=0.0012_20")
