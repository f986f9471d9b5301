"""An env for the scheduler tests, imported by ``rlcli`` subprocesses (this directory goes on
their PYTHONPATH): ``--env sweep_envs:FixedReward``. Only gymnasium at import."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

#: Every FixedReward episode lasts this many steps, whatever the policy does.
LENGTH = 10


class FixedReward(gym.Env):
    """Each step pays ``env_config["reward"]``, so an episode returns ``LENGTH * reward`` exactly:
    which trial is better is known before training, and a scheduler's choice can be checked."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.reward = float((config or {}).get("reward", 1.0))
        self.observation_space = gym.spaces.Box(0.0, 1.0, (1,), np.float32)
        self.action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1, np.float32), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.t += 1
        return np.array([self.t / LENGTH], np.float32), self.reward, self.t >= LENGTH, False, {}
