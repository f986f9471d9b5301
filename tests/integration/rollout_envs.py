"""A tiny env for the rollout tests, imported by ``rlcli`` subprocesses (this directory goes on
their PYTHONPATH): ``--env rollout_envs:SkewedEpisodes``. Only gymnasium at import, so that
collecting the tests stays cheap."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

#: SkewedEpisodes: an episode lasts LONG steps with probability P_LONG, else 1..SHORT_MAX steps
#: (uniform). Its return is its length whatever the policy does.
LONG, P_LONG, SHORT_MAX = 200, 0.25, 4
EXPECTED_RETURN = P_LONG * LONG + (1 - P_LONG) * (1 + SHORT_MAX) / 2
RETURN_STD = float(
    np.sqrt(P_LONG * LONG**2 + (1 - P_LONG) * np.mean(np.arange(1, SHORT_MAX + 1) ** 2) - EXPECTED_RETURN**2)
)


def draw_length(rng: np.random.Generator) -> int:
    return LONG if rng.random() < P_LONG else int(rng.integers(1, SHORT_MAX + 1))


class SkewedEpisodes(gym.Env):
    """Episode lengths vary a lot and do not depend on the actions (reward 1 per step).

    It reads ``config.worker_index``/``vector_index``/``num_workers`` as attributes, which only an
    RLlib ``EnvContext`` has (a plain dict raises AttributeError), and with ``chatty: true`` it
    prints from ``__init__``, ``reset`` and ``step`` as careless user code does."""

    def __init__(self, config: Any) -> None:
        self.where = f"worker_index={config.worker_index} vector_index={config.vector_index}"
        self.where += f" num_workers={config.num_workers}"
        self.chatty = bool(config.get("chatty", False))
        self.observation_space = gym.spaces.Box(0.0, 1.0, (2,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self._say(f"made {self.where}")

    def _say(self, text: str) -> None:
        if self.chatty:
            print(f"env says: {text}")

    def _obs(self) -> np.ndarray:
        return np.array([self.t / LONG, self.length / LONG], np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t, self.length = 0, draw_length(self.np_random)
        self._say(f"reset {self.where} length={self.length}")
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.t += 1
        self._say(f"step {self.t}")
        return self._obs(), 1.0, self.t >= self.length, False, {}
