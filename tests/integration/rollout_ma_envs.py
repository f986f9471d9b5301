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


class ShapedTrio(MultiAgentEnv):
    """Three agents for ``rlcli serve``'s multi-agent test: ``a0`` and ``a2`` see 1 number and
    choose from 2 actions (both mapped to one module), ``a1`` sees 3 numbers and chooses from 3,
    so a request routed to the wrong module is a shape error, never a plausible answer. ``a2``'s
    observations are ten times ``a0``'s, so their MeanStdFilter states (one per agent) differ."""

    def __init__(self, config: Any = None) -> None:
        super().__init__()
        self.possible_agents = ["a0", "a1", "a2"]
        self.agents = list(self.possible_agents)
        small = gym.spaces.Box(-100.0, 100.0, (1,), np.float32)
        self.observation_spaces = {"a0": small, "a1": gym.spaces.Box(-1.0, 1.0, (3,), np.float32), "a2": small}
        self.action_spaces = {"a0": gym.spaces.Discrete(2), "a1": gym.spaces.Discrete(3), "a2": gym.spaces.Discrete(2)}
        self.rng = np.random.default_rng()

    def _obs(self) -> dict[str, np.ndarray]:
        x = self.t / 10
        return {
            "a0": np.array([x], np.float32),
            "a1": np.array([x, -x, self.rng.uniform(-1, 1)], np.float32),
            "a2": np.array([10 * x + 5], np.float32),
        }

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.t = 0
        return self._obs(), {a: {} for a in self.agents}

    def step(self, actions: dict) -> tuple[dict, dict, dict, dict, dict]:
        self.t += 1
        done = self.t >= 10
        rewards = {a: float(self.rng.random()) for a in actions}
        terms = {a: done for a in actions} | {"__all__": done}
        truncs = {a: False for a in actions} | {"__all__": False}
        return self._obs(), rewards, terms, truncs, {a: {} for a in actions}
