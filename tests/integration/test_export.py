"""``rlcli export`` to ONNX and TorchScript, for a discrete (CartPole) and a continuous
(Pendulum) PPO policy trained with MeanStdFilter, and for the session's DQN (a module that picks
its own actions) and SAC (a squashed Gaussian): the export checks itself against the checkpoint,
and the files, run by onnxruntime and ``torch.jit.load`` in a plain gymnasium loop, get the same
episode returns as ``rlcli rollout`` on the same seeds (so the filter state, the argmax and the
action unsquashing are all inside the file)."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from helpers import TINY_PPO, run_rlcli, storage_env

pytestmark = pytest.mark.integration

#: name → the env it plays
POLICIES = {"CartPole-v1": "CartPole-v1", "Pendulum-v1": "Pendulum-v1", "dqn": "CartPole-v1", "sac": "Pendulum-v1"}
SEED, EPISODES = 7, 3


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory, rlcli_exe, filtered_cartpole, dqn_cartpole, sac_pendulum
) -> tuple[dict[str, Path], dict[str, list[float]]]:
    """The experiment dirs (CartPole: the session's filtered PPO; Pendulum trained here alike; the
    session's DQN and SAC), and the returns ``rlcli rollout`` gets with each on the test's seed."""
    storage = tmp_path_factory.mktemp("export-results")
    args = ("train", "--run", "PPO", "--env", "Pendulum-v1", "--name", "Pendulum-v1", *TINY_PPO)
    env = storage_env(storage)
    proc = run_rlcli(rlcli_exe, *args, "observation_filter=MeanStdFilter", "stop.training_iteration=2", env=env)
    assert proc.returncode == 0, proc.stderr
    experiments = {"CartPole-v1": filtered_cartpole, "Pendulum-v1": storage / "Pendulum-v1"}
    experiments |= {"dqn": dqn_cartpole, "sac": sac_pendulum}
    expected = {}
    for name, exp in experiments.items():
        rollout = run_rlcli(
            rlcli_exe,
            "rollout",
            str(exp),
            *("--episodes", str(EPISODES), "--num-envs", "1", "--seed", str(SEED), "--engine", "fast", "--json"),
            env=env,
        )
        assert rollout.returncode == 0, rollout.stderr
        expected[name] = json.loads(rollout.stdout)["returns"]
    return experiments, expected


def _run_file(fmt: str, path: Path):
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return lambda obs: session.run(None, {"obs": obs})[0]
    import torch

    loaded = torch.jit.load(str(path))
    return lambda obs: loaded(torch.from_numpy(obs)).numpy()  # no grad: a plain function


def _returns(act, env_id: str) -> list[float]:
    """Episodes of the exported file in gymnasium: seeded once, as rollout seeds env 0."""
    env = gym.make(env_id)
    returns, (obs, _) = [], env.reset(seed=SEED)
    while len(returns) < EPISODES:
        total, done = 0.0, False
        while not done:
            action = act(np.asarray(obs, dtype=np.float32)[None])[0]
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
        obs, _ = env.reset()
    return returns


@pytest.mark.parametrize("name", POLICIES)
@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_exported_policy_plays_as_rollout_does(trained, rlcli_exe, tmp_path, name, fmt):
    experiments, rollouts = trained
    env_id = POLICIES[name]
    out = tmp_path / f"policy.{'onnx' if fmt == 'onnx' else 'pt'}"
    proc = run_rlcli(rlcli_exe, "export", str(experiments[name]), "--format", fmt, "-o", str(out), "--json", env=None)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["mismatches"] == 0 and report["samples"] == 500 and out.is_file()
    if env_id == "CartPole-v1":
        assert (report["action"], report["max_abs_diff"]) == ("int64[batch]", 0.0)
    else:
        assert report["action"] == "float32[batch, 1]" and report["max_abs_diff"] < 1e-4

    expected = rollouts[name]
    got = _returns(_run_file(fmt, out), env_id)
    if env_id == "CartPole-v1":
        assert got == expected  # the same discrete actions, step for step
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-3)  # float rounding between runtimes only


def test_export_refuses_a_directory_as_output(trained, rlcli_exe, tmp_path):
    experiments, _ = trained
    proc = run_rlcli(
        rlcli_exe, "export", str(experiments["CartPole-v1"]), "--format", "onnx", "-o", str(tmp_path), env=None
    )
    assert proc.returncode == 2 and proc.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in proc.stderr and list(tmp_path.iterdir()) == []
