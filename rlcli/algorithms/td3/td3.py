"""TD3: a config of DDPG (:mod:`rlcli.algorithms.ddpg`) with the old RLlib TD3's defaults."""

from __future__ import annotations

from rlcli.algorithms.ddpg.ddpg import DDPG, DDPGConfig


class TD3Config(DDPGConfig):
    """DDPG with ``twin_q``, ``policy_delay: 2``, ``smooth_target_policy`` and Gaussian exploration
    noise (the old TD3's defaults, which followed the paper)."""

    def __init__(self, algo_class: type | None = None) -> None:
        super().__init__(algo_class=algo_class or TD3)
        self.twin_q = True
        self.policy_delay = 2
        self.smooth_target_policy = True
        self.l2_reg = 0.0
        self.tau = 5e-3
        self.train_batch_size = 100
        self.replay_buffer_config = {"type": "EpisodeReplayBuffer", "capacity": 1_000_000}
        self.num_steps_sampled_before_learning_starts = 10000
        self.exploration_noise = "gaussian"
        self.random_timesteps = 10000
        self.noise_stddev = 0.1
        self.initial_scale = 1.0
        self.final_scale = 1.0
        self.scale_timesteps = 1


class TD3(DDPG):
    """Twin Delayed DDPG on the new API stack."""

    @classmethod
    def get_default_config(cls) -> TD3Config:  # type: ignore[override]
        return TD3Config()
