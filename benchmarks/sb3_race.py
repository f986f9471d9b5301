"""Stable-Baselines3 with RL-Zoo3's tuned hyperparameters for one (algorithm, env), until a
criterion is met: the reference side of ``benchmarks/race.py``. Runs in the bench environment
(``.venv-bench``: torch, stable-baselines3, rl-zoo3), never in rlcli's, with 1 torch thread.

    sb3_race.py ALGO ENV CRITERION_JSON [--seed N] [--max-env-steps N]

CRITERION_JSON is the race row's criterion, the same one rlcli's side is judged on:
``{"kind": "rolling", "window": 100, "target": 450}`` (mean return of the last ``window``
training episodes >= target) or ``{"kind": "greedy", "episodes": 5, "every": 512, "target": 450}``
(every ``every`` env steps, ``episodes`` deterministic episodes on a separate env; their mean
>= target). Prints one JSON line: env steps, the criterion's last value, whether it was reached,
seconds since process start.

The hyperparameters are read from the installed rl-zoo3 (``hyperparams/ALGO.yml``), not copied:
``lin_X`` becomes a linear schedule, ``policy_kwargs`` strings (the Zoo writes Python such as
``dict(net_arch=[256, 256])``) are read by a literal-only parser (never ``eval``), and
``noise_type``/``noise_std`` become SB3's action noise as the Zoo makes it.
"""

from __future__ import annotations

import time

PROCESS_START = time.time()

import argparse  # noqa: E402
import ast  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import rl_zoo3  # noqa: E402
import stable_baselines3  # noqa: E402
import yaml  # noqa: E402
from rl_zoo3.utils import linear_schedule  # noqa: E402
from stable_baselines3.common.callbacks import BaseCallback  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402
from stable_baselines3.common.noise import NormalActionNoise, OrnsteinUhlenbeckActionNoise  # noqa: E402


def _literal(node: ast.AST) -> Any:
    """A Zoo ``policy_kwargs`` expression: literals, ``dict(k=v)`` and ``nn.Name`` only."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        return {kw.arg: _literal(kw.value) for kw in node.keywords}
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "nn":
        return getattr(torch.nn, node.attr)
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    return ast.literal_eval(node)


def zoo_hyperparameters(algo: str, env_id: str) -> dict[str, Any]:
    path = Path(rl_zoo3.__file__).parent / "hyperparams" / f"{algo}.yml"
    params = dict(yaml.safe_load(path.read_text())[env_id])
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("lin_"):
            params[key] = linear_schedule(float(value[4:]))
    if isinstance(params.get("policy_kwargs"), str):
        params["policy_kwargs"] = _literal(ast.parse(params["policy_kwargs"], mode="eval").body)
    unsupported = {"normalize", "frame_stack", "env_wrapper", "callback"} & set(params)
    if unsupported:
        raise SystemExit(f"sb3_race.py does not reproduce the Zoo's {sorted(unsupported)} for {algo} {env_id}")
    return params


class Criterion(BaseCallback):
    """Stops training once the race's criterion is met (see the module docstring)."""

    def __init__(self, criterion: dict[str, Any], env_id: str, seed: int | None, max_env_steps: int) -> None:
        super().__init__()
        self.criterion = criterion
        self.max_env_steps = max_env_steps
        self.returns: collections.deque[float] = collections.deque(maxlen=int(criterion.get("window", 1)))
        self.value = float("nan")
        self.next_check = int(criterion.get("every", 0))
        self.eval_env = gym.make(env_id) if criterion["kind"] == "greedy" else None
        self.eval_seed = None if seed is None else seed + 10_000
        self.env_steps = 0

    @property
    def reached(self) -> bool:
        return bool(self.value >= self.criterion["target"])

    def _greedy_mean(self) -> float:
        assert self.eval_env is not None
        total = []
        for i in range(int(self.criterion["episodes"])):
            obs, _ = self.eval_env.reset(seed=None if self.eval_seed is None or i else self.eval_seed)
            done, ret = False, 0.0
            while not done:
                action, _ = self.model.predict(obs, deterministic=True)
                obs, reward, terminated, truncated, _ = self.eval_env.step(action)
                ret += float(reward)
                done = terminated or truncated
            total.append(ret)
        return float(np.mean(total))

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", []):
            if "episode" in info:
                self.returns.append(float(info["episode"]["r"]))
        if self.criterion["kind"] == "rolling":
            if len(self.returns) == self.returns.maxlen:
                self.value = sum(self.returns) / len(self.returns)
            self.env_steps = self.num_timesteps
        return not self.reached and self.num_timesteps < self.max_env_steps

    def _on_rollout_start(self) -> None:
        """The greedy check runs between a rollout's training and the next rollout, as rlcli's
        evaluation runs after an iteration's updates (SB3 calls ``_on_step`` before them)."""
        if self.criterion["kind"] == "greedy" and self.num_timesteps >= self.next_check:
            self.next_check += int(self.criterion["every"])
            self.value = self._greedy_mean()
            self.env_steps = self.num_timesteps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("algo")
    parser.add_argument("env")
    parser.add_argument("criterion")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--max-env-steps", type=int, default=None)
    args = parser.parse_args()
    params = zoo_hyperparameters(args.algo, args.env)
    n_envs = int(params.pop("n_envs", 1))
    n_timesteps = int(params.pop("n_timesteps"))
    policy = params.pop("policy")
    noise_type, noise_std = params.pop("noise_type", None), params.pop("noise_std", None)
    env = make_vec_env(args.env, n_envs=n_envs, seed=args.seed)
    if noise_type is not None:
        n_actions = env.action_space.shape[0]
        noise_cls = {"normal": NormalActionNoise, "ornstein-uhlenbeck": OrnsteinUhlenbeckActionNoise}[noise_type]
        params["action_noise"] = noise_cls(mean=np.zeros(n_actions), sigma=float(noise_std) * np.ones(n_actions))
    algo_cls = getattr(stable_baselines3, args.algo.upper())
    model = algo_cls(policy, env, seed=args.seed, device="cpu", verbose=0, **params)
    max_env_steps = args.max_env_steps or n_timesteps
    callback = Criterion(json.loads(args.criterion), args.env, args.seed, max_env_steps)
    model.learn(total_timesteps=max_env_steps, callback=callback)
    row = {
        "env_steps": int(callback.env_steps if callback.reached else model.num_timesteps),
        "value": callback.value,
        "reached": callback.reached,
        "seconds": time.time() - PROCESS_START,
    }
    print(json.dumps(row))


if __name__ == "__main__":
    main()
