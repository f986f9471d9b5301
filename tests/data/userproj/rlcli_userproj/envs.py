"""Envs of the user project. Importing this module registers one with Tune (Griddly's pattern)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from ray.tune.registry import register_env


class CountdownEnv(gym.Env):
    """Episodes of ``length`` steps (default 20); reward 1 for action 1, 0 for action 0."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        config = config or {}
        self.length = int(config.get("length", 20))
        self.observation_space = gym.spaces.Box(0.0, 1.0, (1,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.t = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        return np.array([1.0], np.float32), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.t += 1
        obs = np.array([1.0 - self.t / self.length], np.float32)
        return obs, float(action), self.t >= self.length, False, {}


register_env("userproj-countdown", lambda config: CountdownEnv(config))
