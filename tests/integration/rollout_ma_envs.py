"""A tiny multi-agent env for the rollout tests: ``--env rollout_ma_envs:RandomPair`` (this
directory goes on the ``rlcli`` subprocesses' PYTHONPATH)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from ray.rllib.env.multi_agent_env import MultiAgentEnv


class RandomPair(MultiAgentEnv):
    """Two agents, ``a0`` and ``a1``; each episode draws its length (5..30 steps) and a reward per
    step for each agent from the env's generator at reset, so independent episodes have distinct
    returns and a seeded reset replays them exactly."""

    def __init__(self, config: Any = None) -> None:
        super().__init__()
        self.possible_agents = ["a0", "a1"]
        self.agents = list(self.possible_agents)
        self.observation_spaces = {a: gym.spaces.Box(0.0, 1.0, (1,), np.float32) for a in self.agents}
        self.action_spaces = {a: gym.spaces.Discrete(2) for a in self.agents}
        self.rng = np.random.default_rng()

    def _obs(self) -> dict[str, np.ndarray]:
        return {a: np.array([min(self.t / 30, 1.0)], np.float32) for a in self.agents}

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.agents = list(self.possible_agents)
        self.t, self.length = 0, int(self.rng.integers(5, 31))
        self.pay = {a: float(self.rng.random()) for a in self.agents}
        return self._obs(), {a: {} for a in self.agents}

    def step(self, actions: dict) -> tuple[dict, dict, dict, dict, dict]:
        self.t += 1
        done = self.t >= self.length
        rewards = {a: self.pay[a] for a in actions}
        terms = {a: done for a in actions} | {"__all__": done}
        truncs = {a: False for a in actions} | {"__all__": False}
        return self._obs(), rewards, terms, truncs, {a: {} for a in actions}
