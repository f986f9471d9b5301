"""Stable-Baselines3 PPO on CartPole-v1 with RL-Zoo3's tuned hyperparameters, until the rolling
mean return of the last 100 episodes reaches the target. The reference for `make bench`'s
side-by-side: runs in the bench environment (.venv-bench: torch, stable-baselines3, rl-zoo3),
never in rlcli's. Prints one JSON line: env steps, rolling mean, seconds since process start.

The hyperparameters are read from the installed rl-zoo3 (hyperparams/ppo.yml), not copied here,
so the comparison follows the Zoo.
"""

from __future__ import annotations

import time

PROCESS_START = time.time()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)

import rl_zoo3  # noqa: E402
import yaml  # noqa: E402
from rl_zoo3.utils import linear_schedule  # noqa: E402
from stable_baselines3 import PPO  # noqa: E402
from stable_baselines3.common.callbacks import BaseCallback  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402

ENV_ID = "CartPole-v1"
TARGET = float(sys.argv[1]) if len(sys.argv) > 1 else 450.0
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else None


def zoo_hyperparameters() -> dict:
    """The Zoo's PPO settings for CartPole-v1, with its ``lin_X`` strings as linear schedules."""
    path = Path(rl_zoo3.__file__).parent / "hyperparams" / "ppo.yml"
    params = dict(yaml.safe_load(path.read_text())[ENV_ID])
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("lin_"):
            params[key] = linear_schedule(float(value[4:]))
    return params


class StopAtRollingMean(BaseCallback):
    """Stop when the mean of the last 100 episode returns (SB3's ep_info_buffer) reaches TARGET."""

    def __init__(self) -> None:
        super().__init__()
        self.rolling_mean = float("nan")

    def _on_step(self) -> bool:
        buffer = self.model.ep_info_buffer
        if len(buffer) >= 100:
            self.rolling_mean = sum(info["r"] for info in buffer) / len(buffer)
            if self.rolling_mean >= TARGET:
                return False
        return True


def main() -> None:
    params = zoo_hyperparameters()
    n_envs = params.pop("n_envs")
    n_timesteps = int(params.pop("n_timesteps"))
    policy = params.pop("policy")
    env = make_vec_env(ENV_ID, n_envs=n_envs, seed=SEED)
    model = PPO(policy, env, seed=SEED, device="cpu", verbose=0, **params)
    callback = StopAtRollingMean()
    model.learn(total_timesteps=n_timesteps, callback=callback)
    print(
        json.dumps(
            {
                "env_steps": int(model.num_timesteps),
                "rolling_mean": callback.rolling_mean,
                "reached": callback.rolling_mean >= TARGET,
                "seconds": time.time() - PROCESS_START,
            }
        )
    )


if __name__ == "__main__":
    main()
