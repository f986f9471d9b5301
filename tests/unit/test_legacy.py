from __future__ import annotations

import pytest

from rlcli.core.errors import ConfigError
from rlcli.core.legacy.translate import LEGACY_KEYS, Obsolete, migrate_config, migrate_env_id, migrate_metric


def test_renames_each_give_one_notice():
    out = migrate_config({"num_workers": 2, "num_sgd_iter": 5, "sgd_minibatch_size": 64, "num_envs_per_worker": 4})
    assert out.config == {"num_env_runners": 2, "num_epochs": 5, "minibatch_size": 64, "num_envs_per_env_runner": 4}
    assert len(out.notices) == 4
    assert all("legacy key" in n for n in out.notices)


def test_model_dict_becomes_model_config():
    out = migrate_config({"model": {"fcnet_hiddens": [32], "post_fcnet_hiddens": [8], "vf_share_layers": False}})
    assert out.config == {"model_config": {"fcnet_hiddens": [32], "head_fcnet_hiddens": [8], "vf_share_layers": False}}


def test_model_custom_model_has_no_equivalent():
    with pytest.raises(ConfigError, match="custom_model"):
        migrate_config({"model": {"custom_model": "my_model"}})


def test_unknown_model_key_suggests_the_nearest():
    with pytest.raises(ConfigError, match="fcnet_hiddens"):
        migrate_config({"model": {"fcnet_hidden": [32]}})


def test_framework_tf_becomes_torch_with_notice():
    out = migrate_config({"framework": "tf2", "lr": 0.1})
    assert out.config == {"lr": 0.1}
    assert any("becomes torch" in n for n in out.notices)


def test_values_that_change_shape():
    assert migrate_config({"num_gpus": 1}).config == {"num_learners": 0, "num_gpus_per_learner": 1}
    assert migrate_config({"num_gpus": 2}).config == {"num_learners": 2, "num_gpus_per_learner": 1}
    assert migrate_config({"evaluation_num_episodes": 10}).config == {
        "evaluation_duration": 10,
        "evaluation_duration_unit": "episodes",
    }
    assert migrate_config({"lr_schedule": [[0, 0.1], [100, 0.01]]}).config == {"lr": [[0, 0.1], [100, 0.01]]}
    assert migrate_config({"observation_filter": "MeanStdFilter"}).config == {
        "env_to_module_connector": "MeanStdFilter"
    }
    assert migrate_config({"buffer_size": 5000}).config == {"replay_buffer_config": {"capacity": 5000}}
    eps = {"type": "EpsilonGreedy", "initial_epsilon": 1.0, "final_epsilon": 0.02, "epsilon_timesteps": 1000}
    assert migrate_config({"exploration_config": eps}).config == {"epsilon": [[0, 1.0], [1000, 0.02]]}


def test_nested_evaluation_config_is_translated():
    out = migrate_config({"evaluation_config": {"num_envs_per_worker": 2, "explore": False}})
    assert out.config == {"evaluation_config": {"num_envs_per_env_runner": 2, "explore": False}}


def test_obsolete_keys_are_noted_not_silently_dropped():
    out = migrate_config({"eager_tracing": True})
    assert out.config == {}
    assert out.notices and "left out" in out.notices[0]
    assert all(isinstance(LEGACY_KEYS[k], Obsolete) for k in ("eager_tracing", "simple_optimizer"))


def test_unsupported_key_is_an_error_with_fix():
    with pytest.raises(ConfigError) as err:
        migrate_config({"record_env": "videos/"})
    assert "--video-every" in str(err.value) and "rollout --video-dir" in str(err.value)


def test_monitor_becomes_training_videos():
    out = migrate_config({"monitor": True, "lr": 0.1})
    assert out.config == {"lr": 0.1, "rlcli_video_every": 10}
    assert "every 10 iterations" in out.notices[0]
    assert migrate_config({"monitor": False}).config == {}
    with pytest.raises(ConfigError):
        migrate_config({"monitor": "yes"})


def test_current_keys_pass_untouched():
    cfg = {"lr": 0.1, "num_env_runners": 0, "model_config": {"fcnet_hiddens": [8]}}
    out = migrate_config(cfg)
    assert out.config == cfg and out.notices == ()


def test_metric_and_env_id_translation():
    assert migrate_metric("episode_reward_mean")[0] == "env_runners/episode_return_mean"
    assert migrate_metric("timesteps_total")[0] == "num_env_steps_sampled_lifetime"
    # the old stack's counters (a stop on them could never fire on Ray 2.60, which reports lifetimes)
    assert migrate_metric("num_env_steps_sampled")[0] == "num_env_steps_sampled_lifetime"
    assert migrate_metric("num_env_steps_trained")[0] == "learners/__all_modules__/num_env_steps_trained_lifetime"
    assert migrate_metric("training_iteration") == ("training_iteration", None)
    assert migrate_env_id("Pendulum-v0")[0] == "Pendulum-v1"
    assert migrate_env_id("CartPole-v0") == ("CartPole-v0", None)


def test_ddpg_td3_exploration_noise_becomes_flat_keys():
    ou = {"type": "OrnsteinUhlenbeckNoise", "ou_theta": 0.15, "ou_sigma": 0.2, "scale_timesteps": 100}
    assert migrate_config({"exploration_config": ou}).config == {
        "exploration_noise": "ou",
        "ou_theta": 0.15,
        "ou_sigma": 0.2,
        "scale_timesteps": 100,
    }
    gauss = {"type": "ray.rllib.utils.exploration.gaussian_noise.GaussianNoise", "stddev": 0.3}
    assert migrate_config({"exploration_config": gauss}).config == {
        "exploration_noise": "gaussian",
        "noise_stddev": 0.3,
    }
    # Untyped (the old DDPG/TD3 files): the settings only; the algorithm's own noise kind stays.
    assert migrate_config({"exploration_config": {"random_timesteps": 5000}}).config == {"random_timesteps": 5000}
    with pytest.raises(ConfigError, match="ou_thetaa"):
        migrate_config({"exploration_config": {"type": "OrnsteinUhlenbeckNoise", "ou_thetaa": 0.1}})


def test_old_replay_buffer_settings_are_renamed_not_dropped():
    old = {
        "type": "MultiAgentPrioritizedReplayBuffer",
        "capacity": 50000,
        "prioritized_replay_alpha": 0.6,
        "prioritized_replay_beta": 0.4,
        "prioritized_replay_eps": 1e-6,
        "min_size_for_sampling": 1000,
    }
    migrated = migrate_config({"replay_buffer_config": old})
    assert migrated.config == {
        "replay_buffer_config": {
            "type": "PrioritizedEpisodeReplayBuffer",
            "capacity": 50000,
            "alpha": 0.6,
            "beta": 0.4,
        },
        "num_steps_sampled_before_learning_starts": 1000,
    }
    assert "min_size_for_sampling" in migrated.notices[0] and "prioritized_replay_eps" in migrated.notices[0]
