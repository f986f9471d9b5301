from __future__ import annotations

import pytest

from rlcli.core import searchspace
from rlcli.core.errors import ConfigError


def test_find_markers_at_any_depth():
    cfg = {
        "lr": {"grid_search": [1, 2]},
        "model_config": {"fcnet_hiddens": {"choice": [[8], [16]]}},
        "x": [{"uniform": [0, 1]}],
    }
    kinds = {path: kind for path, kind, _ in searchspace.find(cfg)}
    assert kinds == {"lr": "grid_search", "model_config.fcnet_hiddens": "choice", "x[0]": "uniform"}


def test_count_trials_multiplies_grids_and_samples():
    cfg = {"a": {"grid_search": [1, 2, 3]}, "b": {"grid_search": [1, 2]}, "c": {"uniform": [0, 1]}}
    assert searchspace.count_trials(cfg, 1) == 6
    assert searchspace.count_trials(cfg, 3) == 18
    assert searchspace.count_trials({"lr": 0.1}, 4) == 4


def test_sample_gives_representative_values():
    cfg = {
        "a": {"grid_search": [5, 6]},
        "b": {"loguniform": [1e-4, 1e-2]},
        "c": {"randint": [2, 9]},
        "d": {"uniform": [0, 2]},
    }
    point = searchspace.sample(cfg)
    assert point["a"] == 5 and point["c"] == 2 and point["d"] == 1
    assert point["b"] == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "bad",
    [
        {"grid_search": []},
        {"choice": "abc"},
        {"uniform": [1]},
        {"uniform": [2, 1]},
        {"loguniform": [0, 1]},
        {"randint": [0.5, 3]},
    ],
)
def test_malformed_markers_are_config_errors(bad):
    with pytest.raises(ConfigError):
        searchspace.find({"lr": bad})
