"""An env for the external-simulator test (imported by ``rlcli`` subprocesses, this directory on
their PYTHONPATH): CartPole's spaces, and it refuses to be reset or stepped, so every episode a
training with ``--external-env`` reports must have come from the external client."""

from __future__ import annotations

from typing import Any

import gymnasium as gym


class NeverStepped(gym.Env):
    def __init__(self, config: Any = None) -> None:
        cartpole = gym.make("CartPole-v1")
        self.observation_space, self.action_space = cartpole.observation_space, cartpole.action_space

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> Any:
        raise RuntimeError("NeverStepped was reset: episodes must come from the external simulator")

    def step(self, action: Any) -> Any:
        raise RuntimeError("NeverStepped was stepped: episodes must come from the external simulator")
