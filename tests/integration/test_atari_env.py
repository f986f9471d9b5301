"""rlcli's Atari envs: ALE ids registered, frames preprocessed by RLlib's new-stack wrapper with
the settings translated from an old file's ``model`` keys, one frame skip (not two)."""

from __future__ import annotations

import pytest

from rlcli.core.config.experiments import TrainInputs, build_specs
from rlcli.core.rllib.atari import AtariEnvCreator, is_ale_env

pytestmark = pytest.mark.integration


def test_old_ids_and_model_keys_become_a_wrapped_ale_env(tmp_path):
    exp = tmp_path / "pong.yaml"
    exp.write_text(
        "pong:\n  run: PPO\n  env: PongDeterministic-v4\n"
        "  config: {model: {dim: 42, grayscale: true, zero_mean: false, framestack: true}}\n"
    )
    (spec,) = build_specs(TrainInputs(files=(str(exp),))).specs
    assert spec.env == "ALE/Pong-v5" and is_ale_env(spec.env)
    assert spec.env_config == {
        "frameskip": 1,
        "repeat_action_probability": 0.0,
        "rlcli_atari": {"dim": 42, "grayscale": True, "framestack": 4},
    }
    env = AtariEnvCreator(spec.env)(spec.env_config)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (42, 42, 4) and env.observation_space.contains(obs)
    obs, reward, *_ = env.step(env.action_space.sample())
    assert obs.shape == (42, 42, 4) and isinstance(float(reward), float)
    env.close()


def test_no_frameskip_ids_and_plain_ids():
    assert is_ale_env("BreakoutNoFrameskip-v4") and is_ale_env("ALE/Breakout-v5")
    assert not is_ale_env("CartPole-v1") and not is_ale_env("Pendulum-v1")
