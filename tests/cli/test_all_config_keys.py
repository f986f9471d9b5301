"""Every keyword of every ``AlgorithmConfig`` builder method, for every algorithm, goes through
``rlcli train --dry-run`` at its default value (RLlib's own meaning: the value the default config
holds), written the way a YAML file has to (classes and functions as import paths)."""

from __future__ import annotations

import enum
import inspect
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from rlcli.cli import cli
from rlcli.core.rllib.config_keys import BUILDER_METHODS, keys_for_algorithm
from rlcli.core.rllib.resolve import REGISTRY_NAMES, algorithm_names

#: What each algorithm trains on in this test (offline ones read a tiny recorded dataset).
ENVS = {"SAC": "Pendulum-v1", "TQC": "Pendulum-v1", "CQL": "Pendulum-v1", "IQL": "Pendulum-v1"}
OFFLINE = {"BC", "MARWIL", "CQL", "IQL"}


class Unwritable(Exception):
    """A default no YAML file can hold (an object built in code)."""


def as_yaml_value(value: Any) -> Any:
    """A default as a user would write it: import paths for classes and functions."""
    if isinstance(value, enum.Enum):  # RLlib's str-valued enums read back from their value
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [as_yaml_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): as_yaml_value(v) for k, v in value.items()}
    if isinstance(value, (type, types.FunctionType)) and "<" not in value.__qualname__:
        return f"{value.__module__}:{value.__qualname__}"
    raise Unwritable(repr(value))


def builder_defaults(algorithm: str) -> tuple[dict[str, Any], list[str]]:
    """Every builder keyword RLlib takes with its default value (the deprecated ones RLlib warns
    about are the legacy table's business, tested in test_legacy)."""
    cls, _ = algorithm_names()[algorithm]()
    default = cls.get_default_config()
    keys = keys_for_algorithm(cls)
    config: dict[str, Any] = {}
    skipped = []
    for key, entry in keys.builder.items():
        if entry.attribute is None or entry.deprecated:
            continue
        try:
            config[key] = as_yaml_value(getattr(default, entry.attribute))
        except Unwritable:
            skipped.append(key)
    return config, skipped


def test_the_builder_keywords_are_all_looked_at():
    cls, _ = algorithm_names()["PPO"]()
    keys = keys_for_algorithm(cls)
    for method in BUILDER_METHODS:
        for klass in type(cls.get_default_config()).__mro__:  # PPOConfig.training(**kwargs) → AlgorithmConfig's
            if method in vars(klass):
                params = inspect.signature(vars(klass)[method]).parameters
                named = {p for p, par in params.items() if p != "self" and par.kind is not par.VAR_KEYWORD}
                assert named <= set(keys.builder), (klass, method)
    assert keys.builder["model_config"].attribute == "_model_config"
    assert keys.builder["on_episode_end"].attribute == "callbacks_on_episode_end"
    assert keys.builder["train_batch_size_per_learner"].attribute == "_train_batch_size_per_learner"
    assert "train_batch_size_per_learner" in keys.accepted


@pytest.mark.parametrize("algorithm", REGISTRY_NAMES)
def test_every_builder_keyword_at_its_default_passes_dry_run(algorithm, storage, tmp_path: Path):
    config, skipped = builder_defaults(algorithm)
    # Only settings that hold live objects by default are left out, and they are few.
    assert len(skipped) <= 3, skipped
    assert len(config) > 200
    env = ENVS.get(algorithm, "CartPole-v1")
    if algorithm in OFFLINE:
        data = tmp_path / "data"
        data.mkdir()
        # RLlib's offline rule: without evaluation it cannot learn the spaces from the env.
        config.update(input_=str(data), evaluation_interval=1)
    path = tmp_path / "all-keys.yaml"
    path.write_text(yaml.safe_dump({"all-keys": {"run": algorithm, "env": env, "config": config}}))
    result = CliRunner().invoke(cli, ["train", "-f", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "all-keys:" in result.stdout


def dry_run_config(*args: str) -> tuple[dict[str, Any], str]:
    result = CliRunner().invoke(cli, ["train", "--name", "x", *args, "--dry-run"])
    assert result.exit_code == 0, result.output
    return yaml.safe_load(result.stdout)["x"]["config"], result.stderr


def test_properties_and_algorithm_model_config_keys_are_accepted(storage):
    config, _ = dry_run_config("--run", "PPO", "--env", "CartPole-v1", "train_batch_size_per_learner=512")
    assert config["train_batch_size_per_learner"] == 512
    config, _ = dry_run_config("--run", "DQN", "--env", "CartPole-v1", "model_config.dueling=false")
    assert config["model_config"] == {"dueling": False}
    config, _ = dry_run_config("--run", "SAC", "--env", "Pendulum-v1", "model_config.twin_q=false")
    assert config["model_config"] == {"twin_q": False}


def test_a_key_the_default_module_does_not_read_is_refused_with_the_nearest(storage):
    result = CliRunner().invoke(
        cli, ["train", "--run", "DQN", "--env", "CartPole-v1", "model_config.duelling=true", "--dry-run"]
    )
    assert result.exit_code != 0
    assert "Unknown model_config key 'duelling'" in str(result.exception)
    assert "'dueling'" in str(result.exception)


def test_an_algorithms_own_key_is_not_translated_as_legacy(storage):
    config, notices = dry_run_config(
        "--run", "IMPALA", "--env", "CartPole-v1", "replay_proportion=0.0", "replay_buffer_num_slots=0"
    )
    assert config["replay_proportion"] == 0.0 and config["replay_buffer_num_slots"] == 0
    assert "circular_buffer" not in str(config) and "replay_proportion" not in notices
    config, notices = dry_run_config("--run", "APPO", "--env", "CartPole-v1", "replay_proportion=1.0")
    assert config["circular_buffer_iterations_per_batch"] == 2 and "legacy key 'replay_proportion" in notices
