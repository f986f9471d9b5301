"""``rlcli train --run TD3/DDPG --env Pendulum-v1`` for real (2 tiny iterations each), and what the
checkpoint then does: ``rollout`` acts greedily (the deterministic actor, no exploration noise:
its returns equal a plain gymnasium loop over ``low + (tanh(pi(obs)) + 1) * (high - low) / 2``
computed here from the saved weights), the served policy answers with the same actions, and an
exported TorchScript file plays the same episodes."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from helpers import result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration

TINY = (
    "num_env_runners=0",
    "num_steps_sampled_before_learning_starts=50",
    "random_timesteps=50",
    "min_sample_timesteps_per_iteration=100",
    "train_batch_size=32",
    "actor_hiddens=[16]",
    "critic_hiddens=[16]",
    "stop.training_iteration=2",
)
SEED, EPISODES = 3, 2


@pytest.fixture(scope="module", params=["TD3", "DDPG"])
def trained(request, tmp_path_factory, rlcli_exe) -> tuple[Path, dict[str, str]]:
    algorithm = request.param
    storage = tmp_path_factory.mktemp(f"{algorithm.lower()}-results")
    env = storage_env(storage)
    args = ("train", "--run", algorithm, "--env", "Pendulum-v1", "--name", algorithm, *TINY)
    proc = run_rlcli(rlcli_exe, *args, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (trial,) = trial_dirs(storage / algorithm)
    rows = result_rows(trial)
    assert [r["training_iteration"] for r in rows] == [1, 2]
    learner = rows[-1]["learners"]["default_policy"]
    assert learner["num_target_updates"] > 0 and np.isfinite(learner["qf_loss"])
    return storage / algorithm, env


def _greedy_actor(exp: Path):
    """The checkpoint's actor, recomputed from its weights with numpy (relu MLP, tanh, unsquash)."""
    from ray.rllib.core.rl_module.rl_module import RLModule

    (ckpt,) = sorted(exp.glob("*/checkpoint_*"))[-1:]
    module = RLModule.from_checkpoint(str(ckpt / "learner_group" / "learner" / "rl_module" / "default_policy"))
    layers = [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in module.pi if hasattr(m, "weight")]
    low, high = module.action_space.low, module.action_space.high

    def act(obs: np.ndarray) -> np.ndarray:
        x = obs.astype(np.float64)
        for i, (w, b) in enumerate(layers):
            x = x @ w.T + b
            x = np.maximum(x, 0.0) if i < len(layers) - 1 else x
        return low + (np.tanh(x) + 1.0) * (high - low) / 2.0

    return act


def _returns(act) -> list[float]:
    env = gym.make("Pendulum-v1")
    returns, (obs, _) = [], env.reset(seed=SEED)
    while len(returns) < EPISODES:
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(np.asarray(obs, dtype=np.float32)[None])[0])
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
        obs, _ = env.reset()
    return returns


def test_checkpoint_rolls_out_greedily_serves_and_exports(trained, rlcli_exe, tmp_path):
    exp, env = trained
    rollout = ("rollout", str(exp), "--episodes", str(EPISODES), "--num-envs", "1", "--seed", str(SEED))
    proc = run_rlcli(rlcli_exe, *rollout, "--engine", "fast", "--no-explore", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)["returns"]
    act = _greedy_actor(exp)
    np.testing.assert_allclose(got, _returns(act), rtol=1e-4)  # no noise: the actor's own actions

    from rlcli.core.deploy.served_policy import ServedPolicy

    (ckpt,) = sorted(exp.glob("*/checkpoint_*"))[-1:]
    policy = ServedPolicy(ckpt).policy(None, explore=False)
    observations = np.random.default_rng(0).uniform(-1, 1, size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(policy(observations), act(observations), rtol=1e-5, atol=1e-6)

    out = tmp_path / "policy.pt"
    proc = run_rlcli(rlcli_exe, "export", str(exp), "--format", "torchscript", "-o", str(out), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    import torch

    loaded = torch.jit.load(str(out))
    np.testing.assert_allclose(_returns(lambda obs: loaded(torch.from_numpy(obs)).numpy()), got, rtol=1e-4)
