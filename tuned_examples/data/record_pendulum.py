"""Record ``pendulum-controller-episodes.parquet``: offline data for the CQL and IQL examples.

A scripted swing-up controller (pump energy with the velocity's sign, then a PD law near the top)
acting with Gaussian noise on its torque, so the data is good but not optimal and covers
off-policy actions, as offline RL expects. Written in RLlib's offline schema through rlcli's own
writer (the same one ``rlcli rollout --out`` uses).

    .venv/bin/python tuned_examples/data/record_pendulum.py   # ~10 s; prints the data's returns
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from rlcli.core.rollout.runner import Recorder
from rlcli.core.rollout.writers import write_offline_parquet

EPISODES, NOISE, SEED = 50, 0.6, 0
OUT = Path(__file__).resolve().parent / "pendulum-controller-episodes.parquet"


def controller(obs: np.ndarray) -> float:
    cos, sin, velocity = obs
    angle = math.atan2(sin, cos)  # 0 is upright
    if cos > 0.85:
        return -12.0 * angle - 2.0 * velocity
    energy = 0.5 * velocity**2 / 3.0 + 5.0 * cos  # upright at rest: 5.0
    return 2.0 * math.copysign(1.0, velocity if velocity else 1.0) if energy < 5.0 else -0.5 * velocity


def main() -> None:
    env = gym.make("Pendulum-v1")
    rng = np.random.default_rng(SEED)
    recorder, returns = Recorder(), []
    for episode in range(EPISODES):
        obs, _ = env.reset(seed=SEED + episode)
        total, done = 0.0, False
        while not done:
            action = np.clip([controller(obs) + rng.normal(0.0, NOISE)], -2.0, 2.0).astype(np.float32)
            next_obs, reward, term, trunc, _ = env.step(action)
            recorder.step(0, obs, action, float(reward), next_obs, term, trunc)
            obs, total, done = next_obs, total + float(reward), term or trunc
        recorder.end_episode(0, keep=True)
        returns.append(total)
    write_offline_parquet(recorder.rows, OUT)
    mean, std = np.mean(returns), np.std(returns)
    print(f"{len(recorder.rows)} steps, {EPISODES} episodes, return {mean:.1f} ± {std:.1f} → {OUT}")


if __name__ == "__main__":
    main()
