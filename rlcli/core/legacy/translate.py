"""Old-API-stack config keys and metric names, translated to Ray 2.60 terms.

A table, not scattered ``if``s: :data:`LEGACY_KEYS` maps each old top-level config key to a rule.
Every translation yields one notice line; keys with no equivalent raise a :class:`ConfigError`
that says what to do instead. Nothing is dropped silently. Pure Python: no Ray import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rlcli.core.errors import ConfigError, did_you_mean
from rlcli.core.legacy.offline_input import translate_legacy_input


@dataclass(frozen=True)
class Rename:
    """The key has a new name and the same meaning."""

    new: str


@dataclass(frozen=True)
class Convert:
    """The value moves elsewhere or changes shape: ``fn(value)`` returns the new keys to merge."""

    fn: Callable[[Any], dict[str, Any]]
    describe: str


@dataclass(frozen=True)
class Obsolete:
    """The setting has no effect on the new API stack (TF-only, old-stack only); noted and left out."""

    why: str


@dataclass(frozen=True)
class Unsupported:
    """No equivalent exists; the user must change the file."""

    fix: str


Rule = Rename | Convert | Obsolete | Unsupported

#: Fields of RLlib 2.60's ``DefaultModelConfig`` (checked against Ray by an integration test).
MODEL_CONFIG_FIELDS = frozenset(
    [
        "fcnet_hiddens",
        "fcnet_activation",
        "fcnet_kernel_initializer",
        "fcnet_kernel_initializer_kwargs",
        "fcnet_bias_initializer",
        "fcnet_bias_initializer_kwargs",
        "fcnet_use_layernorm",
        "conv_filters",
        "conv_activation",
        "conv_kernel_initializer",
        "conv_kernel_initializer_kwargs",
        "conv_bias_initializer",
        "conv_bias_initializer_kwargs",
        "head_fcnet_hiddens",
        "head_fcnet_activation",
        "head_fcnet_kernel_initializer",
        "head_fcnet_kernel_initializer_kwargs",
        "head_fcnet_bias_initializer",
        "head_fcnet_bias_initializer_kwargs",
        "head_fcnet_use_layernorm",
        "free_log_std",
        "log_std_clip_param",
        "vf_share_layers",
        "use_lstm",
        "max_seq_len",
        "lstm_cell_size",
        "lstm_use_prev_action",
        "lstm_use_prev_reward",
        "lstm_kernel_initializer",
        "lstm_kernel_initializer_kwargs",
        "lstm_bias_initializer",
        "lstm_bias_initializer_kwargs",
        "fusionnet_hiddens",
        "fusionnet_activation",
        "fusionnet_kernel_initializer",
        "fusionnet_kernel_initializer_kwargs",
        "fusionnet_bias_initializer",
        "fusionnet_bias_initializer_kwargs",
    ]
)

#: Old ``model: {...}`` sub-keys whose name changed.
_MODEL_RENAMES = {
    "post_fcnet_hiddens": "head_fcnet_hiddens",
    "post_fcnet_activation": "head_fcnet_activation",
    "lstm_use_prev_action_reward": None,  # split below
}


def model_key_rename(key: str) -> str | None:
    """The 2.60 name of an old ``model`` sub-key that was renamed (None: not renamed)."""
    return _MODEL_RENAMES.get(key)


#: Old ``model`` keys of the Atari frame preprocessor → settings of rlcli's Atari env wrapper
#: (None: what the wrapper always does; zero_mean: it always normalises).
ATARI_SETTINGS = "rlcli_atari"
_MODEL_ATARI = {"dim": "dim", "grayscale": "grayscale", "framestack": "framestack", "zero_mean": None}

#: Old ``model`` sub-keys that only fed the old stack's preprocessors; dropped with a notice.
_MODEL_OBSOLETE = {
    "_disable_preprocessor_api": "the new stack has no preprocessor API",
    "_disable_action_flattening": "the new stack has no action flattening",
    "_use_default_native_models": "the new stack has no native-model switch",
    "_time_major": "the new stack keeps a fixed batch-major layout",
}


#: Keys of the old stack's ``MODEL_DEFAULTS`` (its model catalog) that RLlib 2.60's default
#: RLModules do not read; at their old default they carry no intent and are left out (a test
#: checks the list against ``ray.rllib.models.catalog.MODEL_DEFAULTS``).
_MODEL_OLD_CATALOG = frozenset(
    {
        "always_check_shapes",
        "attention_dim",
        "attention_head_dim",
        "attention_init_gru_gate_bias",
        "attention_memory_inference",
        "attention_memory_training",
        "attention_num_heads",
        "attention_num_transformer_units",
        "attention_position_wise_mlp_dim",
        "attention_use_n_prev_actions",
        "attention_use_n_prev_rewards",
        "conv_bias_initializer_config",
        "conv_kernel_initializer_config",
        "conv_transpose_bias_initializer",
        "conv_transpose_bias_initializer_config",
        "conv_transpose_kernel_initializer",
        "conv_transpose_kernel_initializer_config",
        "encoder_latent_dim",
        "fcnet_bias_initializer_config",
        "fcnet_weights_initializer",
        "fcnet_weights_initializer_config",
        "lstm_bias_initializer_config",
        "lstm_weights_initializer",
        "lstm_weights_initializer_config",
        "no_final_linear",
        "post_fcnet_bias_initializer",
        "post_fcnet_bias_initializer_config",
        "post_fcnet_weights_initializer",
        "post_fcnet_weights_initializer_config",
        "use_attention",
    }
)
_CUSTOM_MODEL_KEYS = ("custom_model", "custom_model_config", "custom_action_dist", "custom_preprocessor")


#: ``max_seq_len`` of the old ``MODEL_DEFAULTS`` (an LSTM's training sequence length); RLlib 2.60's
#: connectors refuse a stateful module whose ``model_config`` dict lacks it.
OLD_MAX_SEQ_LEN = 20


def _model(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"'model' must be a mapping, got {value!r}.")
    out: dict[str, Any] = {}
    atari: dict[str, Any] = {}
    for key, sub in value.items():
        if key in _MODEL_ATARI:
            atari.update(_atari_setting(key, sub))
        elif not _left_out(key, sub):
            out.update(_model_key(key, sub))
    if out.get("use_lstm") and "max_seq_len" not in out:  # the old catalog's default; the new stack needs it said
        out["max_seq_len"] = OLD_MAX_SEQ_LEN
    converted: dict[str, Any] = {"model_config": out} if out or not atari else {}
    if atari:
        converted["env_config"] = {ATARI_SETTINGS: atari}
    return converted


def _left_out(key: str, value: Any) -> bool:
    """Old ``model`` keys with nothing to carry over: a custom_* at its empty default, an
    old-catalog setting the new default modules lack, a setting of the old preprocessors."""
    if key in _CUSTOM_MODEL_KEYS:
        return not value
    if key == "use_attention":
        return not value
    if key == "lstm_use_prev_action_reward":  # -1: the old catalog's "deprecated, not set" marker
        return bool(value == -1)
    return key in _MODEL_OLD_CATALOG or key in _MODEL_OBSOLETE


def _model_key(key: str, value: Any) -> dict[str, Any]:
    """One old ``model`` sub-key → ``model_config`` entries, or an error saying what to do."""
    if key in _CUSTOM_MODEL_KEYS or key == "use_attention":
        raise ConfigError(
            f"'model.{key}' has no equivalent on RLlib 2.60's new API stack.",
            "Write an RLModule and set it through rl_module_spec (see 'Your own code' in docs/train.md).",
        )
    if key == "lstm_use_prev_action_reward":
        return {"lstm_use_prev_action": value, "lstm_use_prev_reward": value}
    renamed = _MODEL_RENAMES.get(key)
    if renamed is not None:
        return {renamed: value}
    if key in MODEL_CONFIG_FIELDS:
        return {key: value}
    raise ConfigError(
        f"'model.{key}' has no equivalent in RLlib 2.60's model_config.",
        did_you_mean(str(key), MODEL_CONFIG_FIELDS) or "Remove it or move it into your own RLModule.",
    )


def _atari_setting(key: str, value: Any) -> dict[str, Any]:
    name = _MODEL_ATARI[key]
    if name is None:
        return {}
    return {name: (4 if value else None) if key == "framestack" else value}


def _num_gpus(value: Any) -> dict[str, Any]:
    if not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"'num_gpus' must be a number >= 0, got {value!r}.")
    if value == 0:
        return {"num_gpus_per_learner": 0}
    if value < 1:
        return {"num_gpus_per_learner": value}
    return {"num_learners": int(value) if value > 1 else 0, "num_gpus_per_learner": 1}


def _framework(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and set(value) == {"grid_search"}:  # a tf-vs-torch grid becomes one torch run
        for option in value["grid_search"]:
            _framework(option)
        return {}
    if value not in ("torch", "tf", "tf2", "tfe", "jax"):
        raise ConfigError(f"'framework' must be torch (or a legacy tf/tf2/tfe), got {value!r}.")
    return {"framework": "torch"} if value == "torch" else {}


def _observation_filter(value: Any) -> dict[str, Any]:
    if value == "NoFilter":
        return {}
    if value in ("MeanStdFilter", "ConcurrentMeanStdFilter"):
        return {"env_to_module_connector": "MeanStdFilter"}
    raise ConfigError(f"observation_filter '{value}' has no new-stack equivalent.", "Use MeanStdFilter or NoFilter.")


def _evaluation_num_episodes(value: Any) -> dict[str, Any]:
    return {"evaluation_duration": value, "evaluation_duration_unit": "episodes"}


#: The old DDPG/TD3 exploration classes → the ``exploration_noise`` of rlcli's DDPG and TD3.
_NOISE_TYPES = {
    "GaussianNoise": "gaussian",
    "PerWorkerGaussianNoise": "gaussian",
    "OrnsteinUhlenbeckNoise": "ou",
    "PerWorkerOrnsteinUhlenbeckNoise": "ou",
}
#: Their settings → DDPG/TD3's top-level keys (same meaning, env action units).
_NOISE_KEYS = {
    "random_timesteps": "random_timesteps",
    "stddev": "noise_stddev",
    "ou_base_scale": "ou_base_scale",
    "ou_theta": "ou_theta",
    "ou_sigma": "ou_sigma",
    "initial_scale": "initial_scale",
    "final_scale": "final_scale",
    "scale_timesteps": "scale_timesteps",
}


def _noise(value: dict[str, Any], kind: str | None) -> dict[str, Any]:
    """GaussianNoise / OrnsteinUhlenbeckNoise (or, untyped, DDPG's and TD3's own default noise)."""
    out: dict[str, Any] = {"exploration_noise": _NOISE_TYPES[kind]} if kind else {}
    for key, setting in value.items():
        if key == "type":
            continue
        if key not in _NOISE_KEYS:
            raise ConfigError(
                f"exploration_config.{key} is not a setting of {kind or 'the DDPG/TD3 exploration noise'}.",
                did_you_mean(str(key), _NOISE_KEYS) or f"Valid settings: {', '.join(_NOISE_KEYS)}.",
            )
        out[_NOISE_KEYS[key]] = setting
    return out


def _exploration_config(value: Any) -> dict[str, Any]:
    kind = value.get("type") if isinstance(value, dict) else None
    short = kind.rsplit(".", 1)[-1] if isinstance(kind, str) else kind
    if isinstance(value, dict) and (short in _NOISE_TYPES or (short is None and set(value) & set(_NOISE_KEYS))):
        return _noise(value, short)
    if kind in ("StochasticSampling", None) and isinstance(value, dict):
        return {}
    if kind == "EpsilonGreedy":
        start = value.get("initial_epsilon", 1.0)
        end = value.get("final_epsilon", 0.05)
        steps = value.get("epsilon_timesteps", 100_000)
        return {"epsilon": [[0, start], [steps, end]]}
    if kind == "ParameterNoise":  # learned parameter-space noise: NoisyNet layers, no epsilon
        return {"noisy": True, "epsilon": [[0, 0.0]]}
    if kind == "SoftQ":  # Boltzmann sampling is not offered; keep exploring, by a short epsilon schedule
        return {"epsilon": [[0, 1.0], [10_000, 0.02]]}
    raise ConfigError(
        f"exploration_config type {kind!r} has no equivalent on the new API stack.",
        "Exploration now lives in the RLModule; for DQN set epsilon: [[0, 1.0], [10000, 0.05]].",
    )


def _horizon(value: Any) -> dict[str, Any]:
    return {"env_config": {"max_episode_steps": value}}


def _into(section: str, key: str) -> Callable[[Any], dict[str, Any]]:
    def convert(value: Any) -> dict[str, Any]:
        return {section: {key: value}}

    return convert


_WORKER_RENAMES = {
    "num_rollout_workers": "num_env_runners",
    "num_envs_per_worker": "num_envs_per_env_runner",
    "num_cpus_per_worker": "num_cpus_per_env_runner",
    "num_gpus_per_worker": "num_gpus_per_env_runner",
    "custom_resources_per_worker": "custom_resources_per_env_runner",
    "num_learner_workers": "num_learners",
    "num_cpus_per_learner_worker": "num_cpus_per_learner",
    "num_gpus_per_learner_worker": "num_gpus_per_learner",
    "num_cpus_for_local_worker": "num_cpus_for_main_process",
    "num_cpus_for_driver": "num_cpus_for_main_process",
    "evaluation_num_workers": "evaluation_num_env_runners",
    "recreate_failed_workers": "restart_failed_env_runners",
    "recreate_failed_env_runners": "restart_failed_env_runners",
    "ignore_worker_failures": "ignore_env_runner_failures",
    "max_num_worker_restarts": "max_num_env_runner_restarts",
    "delay_between_worker_restarts_s": "delay_between_env_runner_restarts_s",
    "num_consecutive_worker_failures_tolerance": "num_consecutive_env_runner_failures_tolerance",
    "worker_health_probe_timeout_s": "env_runner_health_probe_timeout_s",
    "worker_restore_timeout_s": "env_runner_restore_timeout_s",
    "validate_workers_after_construction": "validate_env_runners_after_construction",
    "max_requests_in_flight_per_sampler_worker": "max_requests_in_flight_per_env_runner",
}

_TF_ONLY = "TensorFlow-only; the new API stack runs torch"
_TRUNCATION = (
    "the new stack tells time-limit truncation (gymnasium's truncated flag) from termination and "
    "bootstraps values at truncation, which is what this key used to ask for"
)


def _into_key(new_key: str) -> Callable[[Any], dict[str, Any]]:
    def convert(value: Any) -> dict[str, Any]:
        return {new_key: value}

    return convert


def _sac_model(key: str) -> Callable[[Any], dict[str, Any]]:
    """Old SAC's separate policy/Q model dicts: on the new stack one ``model_config`` shapes both."""

    def convert(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ConfigError(f"'{key}' must be a mapping, got {value!r}.")
        kept = {k: v for k, v in value.items() if k in ("fcnet_hiddens", "fcnet_activation", "post_fcnet_hiddens")}
        return _model(kept) if kept else {}

    return convert


#: Old replay-buffer classes and their new-stack (episode-based) counterparts.
_REPLAY_BUFFERS = {
    "MultiAgentReplayBuffer": "EpisodeReplayBuffer",
    "ReplayBuffer": "EpisodeReplayBuffer",
    "MultiAgentPrioritizedReplayBuffer": "PrioritizedEpisodeReplayBuffer",
    "PrioritizedReplayBuffer": "PrioritizedEpisodeReplayBuffer",
}
_REPLAY_OBSOLETE = (
    "prioritized_replay",
    "storage_unit",
    "replay_sequence_length",
    "worker_side_prioritization",
    "prioritized_replay_eps",
)
#: Moved out of the buffer's config: the old buffers' "sample nothing before N items".
_REPLAY_MOVED = ("min_size_for_sampling",)


#: Old replay-buffer settings the episode buffers spell differently ('epsilon' they lack:
#: a priority is ``|TD error| + 1e-6`` there, the old default).
_REPLAY_RENAMES = {"prioritized_replay_alpha": "alpha", "prioritized_replay_beta": "beta"}


def _replay_buffer(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"'replay_buffer_config' must be a mapping, got {value!r}.")
    out = {_REPLAY_RENAMES.get(k, k): v for k, v in value.items() if k not in _REPLAY_OBSOLETE + _REPLAY_MOVED}
    kind = out.get("type")
    if isinstance(kind, str):
        short = kind.rsplit(".", 1)[-1]
        if short in _REPLAY_BUFFERS:
            out["type"] = _REPLAY_BUFFERS[short]
        elif "Episode" not in short:
            raise ConfigError(
                f"replay buffer type '{kind}' has no episode-based equivalent on the new stack.",
                "Use EpisodeReplayBuffer or PrioritizedEpisodeReplayBuffer.",
            )
    if value.get("prioritized_replay") and "type" not in value:
        out["type"] = "PrioritizedEpisodeReplayBuffer"
    if "min_size_for_sampling" in value:
        return {"replay_buffer_config": out, "num_steps_sampled_before_learning_starts": value["min_size_for_sampling"]}
    return {"replay_buffer_config": out}


_OPTIMIZATION = {
    "actor_learning_rate": "actor_lr",
    "critic_learning_rate": "critic_lr",
    "entropy_learning_rate": "alpha_lr",
}


def _optimization(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not set(value) <= set(_OPTIMIZATION):
        raise ConfigError(
            f"'optimization' must map {', '.join(_OPTIMIZATION)} to numbers, got {value!r}.",
            "Set actor_lr, critic_lr and alpha_lr instead.",
        )
    return {_OPTIMIZATION[k]: v for k, v in value.items()}


#: Old APEX's ``optimizer`` settings for its distributed replay actors (the new stack has none).
_APEX_OPTIMIZER = ("num_replay_buffer_shards", "max_weight_sync_delay", "debug", "replay_buffer_num_slots")


def _optimizer(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {"optimizer": value}
    kept = {k: v for k, v in value.items() if k not in _APEX_OPTIMIZER}
    return {"optimizer": kept} if kept else {}


def _prioritized(value: Any) -> dict[str, Any]:
    return {"replay_buffer_config": {"type": "PrioritizedEpisodeReplayBuffer"}} if value else {}


def _vtrace(value: Any) -> dict[str, Any]:
    return {}  # True is the only setting; False is no longer offered (noted by the rule's description)


def _replay_proportion(value: Any) -> dict[str, Any]:
    if not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"'replay_proportion' must be a number >= 0, got {value!r}.")
    return {"circular_buffer_iterations_per_batch": max(1, round(1 + value))}


#: ``monitor: true`` (gym's Monitor recorded training episodes): rlcli's training videos, this often.
MONITOR_EVERY = 10
#: The reserved key a translated ``monitor`` lands on; the experiment builder turns it into
#: the experiment's ``video_every`` (it never reaches RLlib).
VIDEO_EVERY_KEY = "rlcli_video_every"


def _monitor(value: Any) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise ConfigError(f"'monitor' must be true or false, got {value!r}.", "Or use rlcli train --video-every N.")
    return {VIDEO_EVERY_KEY: MONITOR_EVERY} if value else {}


_OLD_STACK = "old-API-stack only; no effect on Ray 2.60's new stack"

#: RLlib's internal spellings that users copy from its source; renamed to rlcli's public key silently.
ALIASES = {"_model_config": "model_config"}

LEGACY_KEYS: dict[str, Rule] = {
    **{old: Rename(new) for old, new in _WORKER_RENAMES.items()},
    "num_workers": Rename("num_env_runners"),
    "num_sgd_iter": Rename("num_epochs"),
    "sgd_minibatch_size": Rename("minibatch_size"),
    "learning_starts": Rename("num_steps_sampled_before_learning_starts"),
    "timesteps_per_iteration": Rename("min_sample_timesteps_per_iteration"),
    "min_iter_time_s": Rename("min_time_s_per_iteration"),
    "min_time_s_per_reporting": Rename("min_time_s_per_iteration"),
    "min_sample_timesteps_per_reporting": Rename("min_sample_timesteps_per_iteration"),
    "min_train_timesteps_per_reporting": Rename("min_train_timesteps_per_iteration"),
    "metrics_smoothing_episodes": Rename("metrics_num_episodes_for_smoothing"),
    "collect_metrics_timeout": Rename("metrics_episode_collection_timeout_s"),
    "synchronize_filter": Rename("update_worker_filter_stats"),
    "create_env_on_driver": Rename("create_env_on_local_worker"),
    "multi_agent": Rename("multiagent"),
    "model": Convert(_model, "model_config (the RLModule's model config; Atari frame keys: env_config.rlcli_atari)"),
    "vf_share_layers": Convert(_into("model_config", "vf_share_layers"), "model_config.vf_share_layers"),
    "num_gpus": Convert(_num_gpus, "num_gpus_per_learner (learners hold the GPUs on the new stack)"),
    "framework": Convert(_framework, "torch, the only framework of the new API stack"),
    "observation_filter": Convert(_observation_filter, "an env-to-module MeanStdFilter connector"),
    "evaluation_num_episodes": Convert(_evaluation_num_episodes, "evaluation_duration (unit: episodes)"),
    "lr_schedule": Convert(_into_key("lr"), "lr as a [[timestep, value], ...] schedule"),
    "entropy_coeff_schedule": Convert(_into_key("entropy_coeff"), "entropy_coeff as a schedule"),
    "exploration_config": Convert(
        _exploration_config,
        "the RLModule's exploration (EpsilonGreedy: epsilon schedule; ParameterNoise: noisy: true; SoftQ, which "
        "the new stack lacks: an epsilon schedule; DDPG/TD3's GaussianNoise/OrnsteinUhlenbeckNoise: "
        "exploration_noise and its settings as top-level keys, stddev as noise_stddev)",
    ),
    "buffer_size": Convert(_into("replay_buffer_config", "capacity"), "replay_buffer_config.capacity"),
    "horizon": Convert(_horizon, "env_config.max_episode_steps (gymnasium's TimeLimit)"),
    "_enable_new_api_stack": Obsolete("the new API stack is the default in Ray 2.60"),
    "_enable_rl_module_api": Obsolete("the new API stack is the default in Ray 2.60"),
    "_enable_learner_api": Obsolete("the new API stack is the default in Ray 2.60"),
    "eager_tracing": Obsolete(_TF_ONLY),
    "eager_max_retraces": Obsolete(_TF_ONLY),
    "tf_session_args": Obsolete(_TF_ONLY),
    "local_tf_session_args": Obsolete(_TF_ONLY),
    "simple_optimizer": Obsolete(_OLD_STACK),
    "sample_async": Obsolete(_OLD_STACK),
    "_fake_gpus": Obsolete(_OLD_STACK),
    "soft_horizon": Obsolete(_TRUNCATION),
    "no_done_at_end": Obsolete(_TRUNCATION),
    "enable_connectors": Obsolete("the new API stack always runs connectors"),
    "use_pytorch": Convert(lambda value: {}, "torch, the only framework of the new API stack"),
    "num_accs": Obsolete("multi-GPU tower stacks are gone: learners (num_learners, num_gpus_per_learner) hold GPUs"),
    "vtrace_drop_last_ts": Obsolete(_OLD_STACK),
    "gpu": Convert(lambda value: _num_gpus(1 if value else 0), "num_gpus_per_learner (a GPU for the learner)"),
    "num_data_loader_buffers": Obsolete("multi-GPU data loader buffers are gone: learners hold GPUs"),
    "num_multi_acc_tower_stacks": Obsolete("multi-GPU tower stacks are gone: learners hold GPUs"),
    "num_multi_gpu_tower_stacks": Obsolete("multi-GPU tower stacks are gone: learners hold GPUs"),
    "_disable_execution_plan_api": Obsolete("execution plans are gone; training_step() is the only path"),
    "_disable_preprocessor_api": Obsolete("the new stack has no preprocessor API"),
    "_disable_action_flattening": Obsolete("the new stack has no action flattening"),
    "use_state_preprocessor": Obsolete("DDPG/TD3's RLModule reads Box observations directly"),
    "Q_model": Convert(_sac_model("Q_model"), "model_config (new-stack SAC: one model config, pi and Q alike)"),
    "policy_model": Convert(_sac_model("policy_model"), "model_config (new-stack SAC: one model config)"),
    "q_model_config": Convert(_sac_model("q_model_config"), "model_config (new-stack SAC: one model config)"),
    "policy_model_config": Convert(_sac_model("policy_model_config"), "model_config (new-stack SAC)"),
    "replay_buffer_config": Convert(
        _replay_buffer,
        "an episode replay buffer of the same capacity and kind (prioritized_replay_alpha/beta: alpha/beta; "
        "min_size_for_sampling: num_steps_sampled_before_learning_starts; prioritized_replay_eps and "
        "worker_side_prioritization left out)",
    ),
    "optimizer": Convert(
        _optimizer,
        "left out: APEX's replay-shard settings (num_replay_buffer_shards, max_weight_sync_delay); one learner "
        "samples one buffer on the new stack",
    ),
    "optimization": Convert(_optimization, "actor_lr / critic_lr / alpha_lr (new-stack SAC and CQL)"),
    "prioritized_replay": Convert(_prioritized, "replay_buffer_config.type PrioritizedEpisodeReplayBuffer when true"),
    "prioritized_replay_alpha": Convert(_into("replay_buffer_config", "alpha"), "replay_buffer_config.alpha"),
    "prioritized_replay_beta": Convert(_into("replay_buffer_config", "beta"), "replay_buffer_config.beta"),
    "prioritized_replay_eps": Convert(_into("replay_buffer_config", "epsilon"), "replay_buffer_config.epsilon"),
    "final_prioritized_replay_beta": Obsolete("the new stack's prioritized buffer keeps beta fixed (no annealing)"),
    "prioritized_replay_beta_annealing_timesteps": Obsolete("the new stack keeps beta fixed (no annealing)"),
    "worker_side_prioritization": Obsolete(_OLD_STACK),
    "vtrace": Convert(_vtrace, "v-trace, always on for IMPALA/APPO on the new stack"),
    "minibatch_buffer_size": Convert(
        _into_key("circular_buffer_num_batches"), "circular_buffer_num_batches (APPO's circular buffer)"
    ),
    "replay_proportion": Convert(
        _replay_proportion, "circular_buffer_iterations_per_batch = 1 + replay_proportion (rounded)"
    ),
    "max_sample_requests_in_flight_per_worker": Rename("max_requests_in_flight_per_env_runner"),
    "replay_ratio": Obsolete(
        "IMPALA on the new stack learns from each batch once; APPO replays through circular_buffer_iterations_per_batch"
    ),
    "enable_async_evaluation": Obsolete("new-stack evaluation runs in parallel via evaluation_parallel_to_training"),
    "monitor": Convert(
        lambda value: _monitor(value),
        f"a video of one greedy episode at iteration 1 and every {MONITOR_EVERY} iterations in the trial's "
        "videos/ (rlcli train --video-every N)",
    ),
    "record_env": Unsupported(
        "Remove it and record videos with 'rlcli train --video-every N' or 'rollout --video-dir'."
    ),
    "microbatch_size": Obsolete(
        "A2C takes one gradient step on the whole train batch, the update old A2C's accumulated microbatch "
        "gradients made (for memory, lower train_batch_size or add learners)"
    ),
    "keep_local_weights_in_sync": Obsolete("DD-PPO's learners (num_learners) keep one set of weights by design"),
    "torch_distributed_backend": Obsolete("RLlib's learners pick torch DDP's backend (gloo on CPU, nccl on GPU)"),
    "custom_resources_per_trial": Unsupported("Remove it; set resources per env runner/learner instead."),
}


@dataclass(frozen=True)
class Migrated:
    """A translated mapping plus the notice lines that explain each change."""

    config: dict[str, Any]
    notices: tuple[str, ...]


def _native(key: str, rule: Rule, value: Any, accepts: Callable[[str], bool] | None) -> bool:
    """The algorithm takes ``key`` itself and could not take its translation (IMPALA's own
    ``replay_proportion`` must not become APPO's ``circular_buffer_iterations_per_batch``)."""
    if accepts is None or not isinstance(rule, (Rename, Convert)) or not accepts(key):
        return False
    targets = [rule.new] if isinstance(rule, Rename) else list(rule.fn(value))
    return not all(accepts(target) for target in targets)


def migrate_config(
    config: dict[str, Any], where: str = "config", accepts: Callable[[str], bool] | None = None
) -> Migrated:
    """Translate the legacy top-level keys of one config mapping (nested sections are kept).

    ``accepts`` (the algorithm's own key check) keeps a key the algorithm still takes when its
    legacy translation lands on keys that algorithm does not have."""
    from rlcli.core.mappings import deep_merge

    out: dict[str, Any] = {}
    moved: list[dict[str, Any]] = []
    notices: list[str] = []
    for key, value in config.items():
        if key in ALIASES:
            moved.append({ALIASES[key]: value})
            continue
        rule = LEGACY_KEYS.get(key)
        if rule is None and key == "evaluation_config" and isinstance(value, dict):
            nested = migrate_config(value, f"{where}.evaluation_config", accepts)
            out[key] = nested.config
            notices += nested.notices
        elif rule is None or _native(key, rule, value, accepts):
            out[key] = value
        elif isinstance(rule, Rename):
            moved.append({rule.new: value})
            notices.append(f"{where}: legacy key '{key}' → '{rule.new}'")
        elif isinstance(rule, Convert):
            converted = rule.fn(value)
            moved.append(converted)
            if converted != {key: value}:  # an already-current value passes without a notice
                notices.append(f"{where}: legacy key '{key}: {short_repr(value)}' → {rule.describe}")
        elif isinstance(rule, Obsolete):
            notices.append(f"{where}: legacy key '{key}' left out: {rule.why}")
        else:
            raise ConfigError(f"{where}: legacy key '{key}' has no equivalent in RLlib 2.60.", rule.fix)
    for extra in moved:
        out = deep_merge(out, extra)
    notices += _framework_notice(config, where)
    notices += _n_step_fragment(out, where)
    notices += translate_legacy_input(out, where)
    return Migrated(out, tuple(notices))


def _n_step_fragment(config: dict[str, Any], where: str) -> list[str]:
    """The old stack allowed ``rollout_fragment_length < n_step``; the new one samples at least
    ``n_step`` steps per fragment (to build n-step returns from episodes), so raise it to match."""
    n_step, fragment = config.get("n_step"), config.get("rollout_fragment_length")
    longest = n_step[1] if isinstance(n_step, (list, tuple)) and len(n_step) == 2 else n_step
    if isinstance(longest, int) and isinstance(fragment, int) and not isinstance(fragment, bool) and fragment < longest:
        config["rollout_fragment_length"] = longest
        return [f"{where}: rollout_fragment_length {fragment} → {longest} (the new stack needs >= n_step)"]
    return []


def _framework_notice(config: dict[str, Any], where: str) -> list[str]:
    if config.get("framework") in ("tf", "tf2", "tfe", "jax"):
        return [f"{where}: framework '{config['framework']}' becomes torch (RLlib 2.60's new stack is torch-only)"]
    return []


def short_repr(value: Any, width: int = 40) -> str:
    """A value as one short line for notices and comments."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 1] + "…"


#: Old result names → Ray 2.60 flattened metric paths (for stop criteria and checkpoint scores).
LEGACY_METRICS = {
    "episode_reward_mean": "env_runners/episode_return_mean",
    "episode_reward_max": "env_runners/episode_return_max",
    "episode_reward_min": "env_runners/episode_return_min",
    "episode_len_mean": "env_runners/episode_len_mean",
    "episodes_total": "env_runners/num_episodes_lifetime",
    "timesteps_total": "num_env_steps_sampled_lifetime",
    "agent_timesteps_total": "num_agent_steps_sampled_lifetime",
    "sampler_results/episode_reward_mean": "env_runners/episode_return_mean",
    "sampler_results/episode_reward_max": "env_runners/episode_return_max",
    "sampler_results/episode_reward_min": "env_runners/episode_return_min",
    "sampler_results/episode_len_mean": "env_runners/episode_len_mean",
    "evaluation/episode_reward_mean": "evaluation/env_runners/episode_return_mean",
    "evaluation/sampler_results/episode_reward_mean": "evaluation/env_runners/episode_return_mean",
    "info/num_env_steps_sampled": "num_env_steps_sampled_lifetime",
    # the old stack's top-level counters (Ray 2.x before the new stack); 2.60 reports lifetimes
    "num_env_steps_sampled": "num_env_steps_sampled_lifetime",
    "num_env_steps_trained": "learners/__all_modules__/num_env_steps_trained_lifetime",
}


def migrate_metric(name: str) -> tuple[str, str | None]:
    """``(new_name, notice or None)`` for one metric name."""
    new = LEGACY_METRICS.get(name)
    if new is None:
        return name, None
    return new, f"legacy metric '{name}' → '{new}'"


#: Env ids that gymnasium no longer has, mapped to their current version.
LEGACY_ENV_IDS = {
    "Pendulum-v0": "Pendulum-v1",
    "FrozenLake-v0": "FrozenLake-v1",
    "FrozenLake8x8-v0": "FrozenLake8x8-v1",
    "MountainCarContinuous-v0": "MountainCarContinuous-v0",
    "LunarLander-v2": "LunarLander-v3",
    "LunarLanderContinuous-v2": "LunarLanderContinuous-v3",
    "BipedalWalker-v2": "BipedalWalker-v3",
    "Taxi-v2": "Taxi-v3",
    **{
        f"{name}-v{v}": f"{name}-v5"
        for name in (
            "HalfCheetah",
            "Hopper",
            "Walker2d",
            "Ant",
            "Humanoid",
            "HumanoidStandup",
            "Swimmer",
            "Reacher",
            "InvertedPendulum",
            "InvertedDoublePendulum",
            "Pusher",
        )
        for v in (0, 1, 2, 3)
    },
}


#: RLlib moved its example envs; old import paths of them point to the new package.
LEGACY_ENV_MODULES = {"ray.rllib.examples.env.": "ray.rllib.examples.envs.classes."}


def legacy_env_config(env: str) -> dict[str, Any]:
    """env_config an old id implied: ``PongDeterministic-v4`` = ALE v5, a fixed skip of 4 (done by
    rlcli's Atari wrapper, so the env itself skips none) and no sticky actions."""
    if env.endswith("Deterministic-v4"):
        return {"frameskip": 1, "repeat_action_probability": 0.0}
    return {}


#: ``env_config`` keys that were options of old gym's env registration, never constructor arguments
#: (old RLlib did not pass env_config to gym ids, so they were ignored; gymnasium would fail on them).
LEGACY_ENV_CONFIG = {"nondeterministic": "a flag of old gym's env registry, not an argument of the env"}


def migrate_env_config(env_config: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """``env_config`` without the old gym registry flags, and a notice for each left out."""
    kept = {k: v for k, v in env_config.items() if k not in LEGACY_ENV_CONFIG}
    notices = [f"{where}: env_config '{k}' left out: {LEGACY_ENV_CONFIG[k]}" for k in env_config if k not in kept]
    return kept, notices


def migrate_env_id(env: str) -> tuple[str, str | None]:
    """``(current_id, notice or None)``: old gym ids move to their gymnasium successor, old RLlib
    example-env import paths to where Ray 2.60 keeps them."""
    for old, moved in LEGACY_ENV_MODULES.items():
        if env.startswith(old):
            new_path = moved + env[len(old) :]
            return new_path, f"env '{env}' moved in Ray 2.60 → '{new_path}'"
    if env.endswith("Deterministic-v4"):
        game = env.removesuffix("Deterministic-v4")
        return f"ALE/{game}-v5", f"env '{env}' is gone from ale-py → 'ALE/{game}-v5' (skip 4, no sticky actions)"
    new = LEGACY_ENV_IDS.get(env)
    if new is None or new == env:
        return env, None
    return new, f"env '{env}' is gone from gymnasium (or needs a package it dropped) → '{new}'"
