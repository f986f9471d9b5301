from __future__ import annotations

import pytest

from rlcli.core.config.loading import load_experiment_file, parse_yaml
from rlcli.core.config.overrides import load_mapping
from rlcli.core.errors import ConfigError, UsageError


def test_scientific_notation_is_a_float():
    assert parse_yaml("lr: 1e-3", "x") == {"lr": 0.001}
    assert parse_yaml("[1.5e+2, 3]", "x") == [150.0, 3]


def test_inline_json_and_yaml_mappings():
    assert load_mapping('{"lr": 0.1, "gamma": 0.9}', "--config") == {"lr": 0.1, "gamma": 0.9}
    assert load_mapping("{lr: 0.1}", "--config") == {"lr": 0.1}
    assert load_mapping("", "--config") == {}


def test_mapping_from_file(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("lr: 0.5\nmodel_config: {fcnet_hiddens: [8]}\n")
    assert load_mapping(str(f), "--config") == {"lr": 0.5, "model_config": {"fcnet_hiddens": [8]}}


@pytest.mark.parametrize("text", ['{"lr": 0.1', "lr: [1, 2", "{a: b: c}"])
def test_malformed_mapping_names_the_position(text):
    with pytest.raises(ConfigError) as err:
        load_mapping(text, "--config")
    assert "--config" in str(err.value)


def test_non_mapping_is_rejected():
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_mapping("[1, 2]", "--stop")


def test_python_tags_are_refused():
    with pytest.raises(ConfigError, match="plain YAML"):
        parse_yaml("x: !!python/object/apply:os.system ['echo hi']", "evil.yaml")


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_mapping(str(tmp_path / "nope.yaml"), "--config")
    with pytest.raises(UsageError, match="does not exist"):
        load_experiment_file(str(tmp_path / "nope.yaml"))


def test_experiment_file_shape(tmp_path):
    f = tmp_path / "exp.yaml"
    f.write_text("a:\n  run: PPO\n  env: CartPole-v1\nb:\n  run: DQN\n  env: CartPole-v1\n")
    assert [name for name, _ in load_experiment_file(str(f))] == ["a", "b"]


def test_experiment_file_unknown_key_suggests(tmp_path):
    f = tmp_path / "exp.yaml"
    f.write_text("a:\n  run: PPO\n  chekpoint_freq: 3\n")
    with pytest.raises(ConfigError, match="checkpoint_freq"):
        load_experiment_file(str(f))


def test_experiment_file_must_hold_mappings(tmp_path):
    f = tmp_path / "exp.yaml"
    f.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="expected one or more experiments"):
        load_experiment_file(str(f))
