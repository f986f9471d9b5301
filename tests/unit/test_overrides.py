from __future__ import annotations

import pytest

from rlcli.core.config.overrides import deep_merge, merge_sources, parse_override, route_overrides
from rlcli.core.errors import UsageError


def test_values_are_yaml():
    assert parse_override("lr=0.001").value == 0.001
    assert parse_override("model_config.fcnet_hiddens=[128,128]").value == [128, 128]
    assert parse_override("use_gae=false").value is False
    assert parse_override("name=hello").value == "hello"
    assert parse_override("lr=1e-4").value == 0.0001


def test_missing_equals_is_a_usage_error():
    with pytest.raises(UsageError, match="has no '='"):
        parse_override("lr0.001")


def test_empty_key_is_a_usage_error():
    with pytest.raises(UsageError, match="empty key"):
        parse_override("a..b=1")


def test_routing_to_sections():
    routed = route_overrides(
        [
            parse_override(o)
            for o in ("stop.training_iteration=5", "env_config.size=3", "lr=0.1", "config.gamma=0.9", "num_samples=2")
        ]
    )
    assert routed.stop == {"training_iteration": 5}
    assert routed.config == {"env_config": {"size": 3}, "lr": 0.1, "gamma": 0.9}
    assert routed.experiment == {"num_samples": 2}


def test_precedence_later_layers_win_and_nested_maps_merge():
    file = {"lr": 1, "model_config": {"fcnet_hiddens": [8], "fcnet_activation": "tanh"}}
    flags = {"lr": 2}
    overrides = {"model_config": {"fcnet_hiddens": [16]}}
    assert merge_sources(file, None, flags, overrides) == {
        "lr": 2,
        "model_config": {"fcnet_hiddens": [16], "fcnet_activation": "tanh"},
    }


def test_search_space_markers_replace_rather_than_merge():
    base = {"lr": {"grid_search": [1, 2]}}
    assert deep_merge(base, {"lr": {"choice": [3]}}) == {"lr": {"choice": [3]}}
    assert deep_merge(base, {"lr": 0.5}) == {"lr": 0.5}
