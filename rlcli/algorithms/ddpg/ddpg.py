"""DDPG (Lillicrap et al. 2015) on Ray 2.60's new API stack: ``DDPGConfig`` and ``DDPG``.

The algorithm is RLlib's own off-policy loop (DQN's ``training_step``, which SAC also runs:
sample into an episode replay buffer, sample n-step batches from it, one learner update,
priorities, weight sync); what is DDPG's is the RLModule (:mod:`.module`), the losses and
target updates (:mod:`.learner`) and the config below. Its keys are the old RLlib DDPG's, with
its defaults (TD3 is this algorithm with ``twin_q``, ``policy_delay`` and
``smooth_target_policy`` on: :mod:`rlcli.algorithms.td3`):

- networks: ``actor_hiddens``, ``actor_hidden_activation``, ``critic_hiddens``,
  ``critic_hidden_activation``;
- TD3's tricks: ``twin_q``, ``policy_delay``, ``smooth_target_policy``, ``target_noise``,
  ``target_noise_clip``;
- losses: ``actor_lr``, ``critic_lr``, ``tau``, ``target_network_update_freq``, ``use_huber``,
  ``huber_threshold``, ``l2_reg``, ``n_step``, ``grad_clip``;
- exploration (the old ``exploration_config``, flattened): ``exploration_noise`` ("ou" or
  "gaussian"), ``random_timesteps``, ``noise_stddev``, ``ou_base_scale``, ``ou_theta``,
  ``ou_sigma``, ``initial_scale``, ``final_scale``, ``scale_timesteps``;
- replay: ``replay_buffer_config`` (an episode buffer), ``training_intensity``,
  ``num_steps_sampled_before_learning_starts``, ``store_buffer_in_checkpoints``.
"""

from __future__ import annotations

from typing import Any

from ray.rllib.algorithms.algorithm_config import AlgorithmConfig, NotProvided
from ray.rllib.algorithms.dqn.dqn import DQN
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from rlcli.algorithms.ddpg.noise import NOISE_TYPES
from rlcli.fast.ready_batches import ReadyBatches

#: model_config keys the RLModule reads, filled in from the config's own keys.
MODULE_KEYS = (
    "actor_hiddens",
    "actor_hidden_activation",
    "critic_hiddens",
    "critic_hidden_activation",
    "twin_q",
    "smooth_target_policy",
    "target_noise",
    "target_noise_clip",
    "exploration_noise",
    "random_timesteps",
    "noise_stddev",
    "ou_base_scale",
    "ou_theta",
    "ou_sigma",
    "initial_scale",
    "final_scale",
    "scale_timesteps",
)

#: The training() keywords DDPG adds to AlgorithmConfig's.
TRAINING_KEYS = (
    *MODULE_KEYS,
    "policy_delay",
    "actor_lr",
    "critic_lr",
    "tau",
    "target_network_update_freq",
    "use_huber",
    "huber_threshold",
    "l2_reg",
    "n_step",
    "replay_buffer_config",
    "store_buffer_in_checkpoints",
    "training_intensity",
    "num_steps_sampled_before_learning_starts",
)

_EPISODE_BUFFERS = (
    "EpisodeReplayBuffer",
    "PrioritizedEpisodeReplayBuffer",
    "MultiAgentEpisodeReplayBuffer",
    "MultiAgentPrioritizedEpisodeReplayBuffer",
)


def _at_default(key: str, value: Any) -> bool:
    """A ``DefaultModelConfig`` field at its default value: it asks for nothing DDPG's module lacks."""
    import dataclasses

    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    fields = {f.name: f for f in dataclasses.fields(DefaultModelConfig)}
    if key not in fields:
        return False
    default = DefaultModelConfig()
    return bool(getattr(default, key) == value)


class DDPGConfig(AlgorithmConfig):
    """DDPG's settings (the old RLlib DDPG's keys and defaults)."""

    def __init__(self, algo_class: type | None = None) -> None:
        super().__init__(algo_class=algo_class or DDPG)
        self.actor_hiddens = [400, 300]
        self.actor_hidden_activation = "relu"
        self.critic_hiddens = [400, 300]
        self.critic_hidden_activation = "relu"
        self.twin_q = False
        self.policy_delay = 1
        self.smooth_target_policy = False
        self.target_noise = 0.2
        self.target_noise_clip = 0.5
        self.exploration_noise = "ou"
        self.random_timesteps = 1000
        self.noise_stddev = 0.1
        self.ou_base_scale = 0.1
        self.ou_theta = 0.15
        self.ou_sigma = 0.2
        self.initial_scale = 1.0
        self.final_scale = 0.02
        self.scale_timesteps = 10000
        self.actor_lr = 1e-3
        self.critic_lr = 1e-3
        self.lr = None  # type: ignore[assignment]
        self.tau = 0.002
        self.target_network_update_freq = 0
        self.use_huber = False
        self.huber_threshold = 1.0
        self.l2_reg = 1e-6
        self.n_step = 1
        self.replay_buffer_config = {
            "type": "PrioritizedEpisodeReplayBuffer",
            "capacity": 50000,
            "alpha": 0.6,
            "beta": 0.4,
        }
        self.store_buffer_in_checkpoints = False
        self.training_intensity = None
        self.num_steps_sampled_before_learning_starts = 1500
        self.train_batch_size = 256
        self.rollout_fragment_length = "auto"  # type: ignore[assignment]
        self.min_time_s_per_iteration = 1  # type: ignore[assignment]
        self.min_sample_timesteps_per_iteration = 1000

    def training(self, **kwargs: Any) -> DDPGConfig:
        """AlgorithmConfig's training keys plus DDPG's (:data:`TRAINING_KEYS`)."""
        own = {k: kwargs.pop(k) for k in list(kwargs) if k in TRAINING_KEYS}
        super().training(**kwargs)
        for key, value in own.items():
            if value is NotProvided:
                continue
            if key == "replay_buffer_config" and isinstance(value, dict):  # merged, as RLlib's own configs do
                value = {**self.replay_buffer_config, **value}
            setattr(self, key, value)
        return self

    def validate(self) -> None:
        super().validate()
        for problem in (self._settings_problem(), self._buffer_problem(), self._model_config_problem()):
            if problem:
                self._value_error(problem)

    def _settings_problem(self) -> str | None:
        if self.lr is not None:
            return f"{self._name} learns with actor_lr and critic_lr; lr must be null (it is {self.lr!r})."
        if self.exploration_noise not in NOISE_TYPES:
            return f"exploration_noise must be one of {', '.join(NOISE_TYPES)}, got {self.exploration_noise!r}."
        if int(self.policy_delay) < 1:
            return f"policy_delay must be >= 1, got {self.policy_delay!r}."
        if self.grad_clip is not None and self.grad_clip <= 0:
            return "grad_clip must be > 0."
        return None

    def _buffer_problem(self) -> str | None:
        longest = self.n_step[1] if isinstance(self.n_step, (tuple, list)) else self.n_step
        fragment = self.rollout_fragment_length
        if not self.in_evaluation and fragment != "auto" and fragment < longest:
            return f"rollout_fragment_length ({fragment}) must be >= n_step ({self.n_step})."
        kind = self.replay_buffer_config.get("type")
        # the Algorithm builds an episode buffer for any type whose name holds "EpisodeReplayBuffer"
        # (RLlib's four, rlcli.fast.replay's two, a user's subclass by its dotted path)
        if isinstance(kind, str) and "EpisodeReplayBuffer" not in kind:
            names = ", ".join(_EPISODE_BUFFERS[:2])
            return f"replay_buffer_config.type must be an episode buffer ({names}), got {kind!r}."
        return None

    def _model_config_problem(self) -> str | None:
        if self._rl_module_spec is not None or not isinstance(self._model_config, dict):
            return None
        unread = sorted(k for k, v in self._model_config.items() if k not in MODULE_KEYS and not _at_default(k, v))
        if not unread:
            return None
        return (
            f"{self._name}'s RLModule does not read model_config key(s) {', '.join(unread)}: its networks are "
            "set by actor_hiddens, critic_hiddens, actor_hidden_activation and critic_hidden_activation."
        )

    @property
    def _name(self) -> str:
        return getattr(self.algo_class, "__name__", "DDPG")

    def get_rollout_fragment_length(self, worker_index: int = 0) -> int:
        if self.rollout_fragment_length == "auto":
            return int(self.n_step[1] if isinstance(self.n_step, (tuple, list)) else self.n_step)
        return int(self.rollout_fragment_length)

    def get_default_rl_module_spec(self) -> RLModuleSpec:
        from rlcli.algorithms.ddpg.module import DDPGTorchRLModule

        return RLModuleSpec(module_class=DDPGTorchRLModule)

    def get_default_learner_class(self) -> type:
        from rlcli.algorithms.ddpg.learner import DDPGTorchLearner

        return DDPGTorchLearner

    @property
    def _model_config_auto_includes(self) -> dict[str, Any]:
        return super()._model_config_auto_includes | {key: getattr(self, key) for key in MODULE_KEYS}


class DDPG(ReadyBatches, DQN):
    """Deep Deterministic Policy Gradient on the new API stack (RLlib's replay loop, DDPG's module
    and learner), learning from ready batches where it can (:mod:`rlcli.fast.ready_batches`)."""

    @classmethod
    def get_default_config(cls) -> DDPGConfig:  # type: ignore[override]
        return DDPGConfig()
