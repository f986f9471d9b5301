from __future__ import annotations

import pytest

from rlcli.core.config.stopping import (
    LATE_METRIC_GRACE,
    flatten,
    normalize_stop,
    unknown_stop_keys,
    unknown_stop_message,
)
from rlcli.core.errors import ConfigError


def test_nested_and_legacy_criteria_are_flattened_and_translated():
    stop = normalize_stop(
        {"sampler_results": {"episode_reward_mean": 150}, "timesteps_total": 1000, "training_iteration": 3}
    )
    assert stop.criteria == {
        "env_runners/episode_return_mean": 150,
        "num_env_steps_sampled_lifetime": 1000,
        "training_iteration": 3,
    }
    assert len(stop.notices) == 2


def test_non_numeric_criterion_is_an_error():
    with pytest.raises(ConfigError, match="must be a finite number"):
        normalize_stop({"training_iteration": "ten"})


def test_unknown_keys_detected_at_first_result_but_late_metrics_get_grace():
    seen = set(flatten({"training_iteration": 1, "env_runners": {"num_env_steps_sampled": 10}}))
    criteria = ["training_iteration", "bogus_metric", "env_runners/episode_return_mean"]
    assert unknown_stop_keys(criteria, seen, results_seen=1) == ["bogus_metric"]
    assert unknown_stop_keys(criteria, seen, results_seen=LATE_METRIC_GRACE) == [
        "bogus_metric",
        "env_runners/episode_return_mean",
    ]


def test_unknown_message_suggests_the_closest_metric():
    msg = unknown_stop_message("training_iteraton", ["training_iteration", "time_total_s"])
    assert "training_iteration" in msg and "could never fire" in msg
