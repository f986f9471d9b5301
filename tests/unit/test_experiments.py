from __future__ import annotations

import pytest

from rlcli.core.config.experiments import TrainInputs, build_specs
from rlcli.core.config.loading import parse_yaml
from rlcli.core.config.spec_file import dump_yaml, spec_to_dict
from rlcli.core.errors import ConfigError, UsageError
from rlcli.core.files import atomic_write


def _one(**kw):
    built = build_specs(TrainInputs(**kw))
    assert len(built.specs) == 1
    return built.specs[0], built.notices


def test_flags_only_experiment(storage):
    spec, notices = _one(run="ppo", env="CartPole-v1", stop='{"training_iteration": 3}', seed=7)
    assert spec.algorithm == "PPO"
    assert spec.env == "CartPole-v1"
    assert spec.config == {"seed": 7}
    assert spec.stop == {"training_iteration": 3}
    assert spec.storage_path == str(storage)
    assert spec.name.startswith("PPO_CartPole-v1_")
    assert notices == ()


def test_precedence_file_config_flags_overrides(tmp_path):
    f = tmp_path / "exp.yaml"
    f.write_text(
        "exp:\n  run: PPO\n  env: CartPole-v1\n  checkpoint_freq: 2\n"
        "  config: {lr: 0.1, gamma: 0.5, num_sgd_iter: 3}\n  stop: {training_iteration: 9}\n"
    )
    spec, notices = _one(
        files=(str(f),),
        config='{"lr": 0.2, "gamma": 0.6}',
        checkpoint_freq=4,
        overrides=("lr=0.3", "stop.training_iteration=2", "num_epochs=7"),
    )
    assert spec.name == "exp"
    assert spec.config == {"lr": 0.3, "gamma": 0.6, "num_epochs": 7}
    assert spec.stop == {"training_iteration": 2}
    assert spec.checkpoint.frequency == 4
    assert any("num_sgd_iter" in n for n in notices)


def test_legacy_override_path_is_translated():
    spec, notices = _one(run="PPO", env="CartPole-v1", overrides=("model.fcnet_hiddens=[8]", "num_workers=0"))
    assert spec.config == {"model_config": {"fcnet_hiddens": [8]}, "num_env_runners": 0}
    assert len(notices) == 2


def test_env_config_flag_and_override_merge():
    spec, _ = _one(run="PPO", env="CartPole-v1", env_config='{"a": 1}', overrides=("env_config.b=2",))
    assert spec.env_config == {"a": 1, "b": 2}
    assert "env_config" not in spec.config


def test_checkpoint_score_attr_min_prefix_and_legacy_name():
    spec, _ = _one(run="PPO", env="CartPole-v1", checkpoint_score_attr="min-episode_len_mean")
    assert spec.checkpoint.score_attr == "env_runners/episode_len_mean"
    assert spec.checkpoint.score_order == "min"


def test_legacy_local_dir_and_env_id(tmp_path):
    f = tmp_path / "exp.yaml"
    f.write_text(f"p:\n  run: PPO\n  env: Pendulum-v0\n  local_dir: {tmp_path}/out\n")
    spec, notices = _one(files=(str(f),))
    assert spec.env == "Pendulum-v1"
    assert spec.storage_path == f"{tmp_path}/out"
    assert len(notices) == 2


def test_several_experiments_in_files(tmp_path):
    f = tmp_path / "exp.yaml"
    f.write_text("a:\n  run: PPO\n  env: CartPole-v1\nb:\n  run: DQN\n  env: CartPole-v1\n")
    built = build_specs(TrainInputs(files=(str(f),), seed=1))
    assert [s.name for s in built.specs] == ["a", "b"]
    assert all(s.config == {"seed": 1} for s in built.specs)
    with pytest.raises(UsageError, match="--name"):
        build_specs(TrainInputs(files=(str(f),), name="x"))


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(env="CartPole-v1"), "No algorithm"),
        (dict(run="PPO", env="CartPole-v1", overrides=("checkpoint_freq=-1",)), "checkpoint_freq must be >= 0"),
        (dict(run="PPO", env="CartPole-v1", overrides=("num_samples=zero",)), "num_samples must be an integer"),
        (dict(run="PPO", env="CartPole-v1", stop='{"training_iteration": "x"}'), "must be a finite number"),
        (dict(run="PPO", env="CartPole-v1", overrides=("lr={uniform: [1]}",)), "uniform"),
    ],
)
def test_bad_values_fail_with_a_message(kw, match):
    with pytest.raises((ConfigError, UsageError), match=match):
        build_specs(TrainInputs(**kw))


def test_spec_round_trips_through_yaml(tmp_path):
    spec, _ = _one(run="PPO", env="CartPole-v1", config='{"lr": {"grid_search": [0.1, 0.2]}}', keep_checkpoints_num=2)
    text = dump_yaml(spec_to_dict(spec))
    f = tmp_path / "again.yaml"
    f.write_text(text)
    again, _ = _one(files=(str(f),))
    assert (again.config, again.stop, again.checkpoint, again.storage_path) == (
        spec.config,
        spec.stop,
        spec.checkpoint,
        spec.storage_path,
    )
    assert parse_yaml(text, "x")[spec.name]["run"] == "PPO"


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "file.yaml"
    atomic_write(target, "a: 1\n")
    atomic_write(target, "a: 2\n")
    assert target.read_text() == "a: 2\n"
    assert [p.name for p in target.parent.iterdir()] == ["file.yaml"]
