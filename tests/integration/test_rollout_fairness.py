"""Rollouts count episodes fairly, build envs as training does and keep stdout clean.

One tiny PPO run on ``rollout_envs:SkewedEpisodes`` serves every test here: an episode lasts 200
steps with probability 1/4, else 1-4 steps, and returns its length whatever the policy does, so
the expected return of an episode is known exactly (51.875, std 85.5 per episode).

Why N = K = 128 (one episode per env) and a 4.5-sigma tolerance: a fair rule's mean of 128
episodes has a standard error of 85.5 / sqrt(128) = 7.6, so the tolerance is 34.0 and a fair rule
fails with probability below 1e-5. "The first 128 episodes to finish" over 128 envs is, in 3,000
simulated runs, 2.3 on average (never above 2.7): envs whose episode was short have finished
several more before any 200-step episode ends. That is 49.6 from the expected value, well outside
the tolerance. The test checks that claim too, by running that rule on the same env class here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rollout_envs
from helpers import last_error_line, run_rlcli

pytestmark = pytest.mark.integration

ENVS, EPISODES = 128, 128
TOLERANCE = 4.5 * rollout_envs.RETURN_STD / np.sqrt(EPISODES)


def _rollout(exe: str, skewed: tuple[Path, dict[str, str]], *args: str) -> dict:
    exp, env = skewed
    proc = run_rlcli(exe, "rollout", str(exp), *args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _env_context(vector_index: int = 0) -> object:
    from ray.rllib.env.env_context import EnvContext

    return EnvContext({}, worker_index=0, vector_index=vector_index, num_workers=0)


def sequential_mean(episodes: int, seed: int) -> float:
    """A plain loop: one env, one episode after the other, every episode counted."""
    env = rollout_envs.SkewedEpisodes(_env_context())
    returns = []
    for i in range(episodes):
        env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            _, reward, done, _, _ = env.step(0)
            total += reward
        returns.append(total)
    return float(np.mean(returns))


def first_to_finish_mean(num_envs: int, episodes: int, seed: int) -> float:
    """The biased rule: step all envs together, keep the first ``episodes`` episodes to end."""
    envs = [rollout_envs.SkewedEpisodes(_env_context(i)) for i in range(num_envs)]
    for i, env in enumerate(envs):
        env.reset(seed=seed + i)
    kept: list[float] = []
    while len(kept) < episodes:
        for env in envs:
            if env.step(0)[2] and len(kept) < episodes:
                kept.append(float(env.length))
                env.reset()
    return float(np.mean(kept))


def test_the_test_separates_fair_from_first_to_finish():
    assert abs(sequential_mean(8_000, seed=0) - rollout_envs.EXPECTED_RETURN) < 4.0  # standard error 0.96
    biased = first_to_finish_mean(ENVS, EPISODES, seed=0)
    assert abs(biased - rollout_envs.EXPECTED_RETURN) > TOLERANCE + 10, biased


@pytest.mark.parametrize("engine", ["auto", "rllib"])
def test_mean_return_is_unbiased_on_both_engines(skewed, rlcli_exe, engine):
    args = ["--episodes", str(EPISODES), "--num-envs-per-env-runner", str(ENVS), "--seed", "7", "--engine", engine]
    result = _rollout(rlcli_exe, skewed, *args)
    assert result["path"].startswith("RLModule fast path" if engine == "auto" else "RLlib EnvRunner")
    assert result["episodes"] == EPISODES and result["num_envs"] == ENVS
    assert result["returns"] == [float(n) for n in result["lengths"]]  # reward 1 per step
    deviation = result["return_mean"] - rollout_envs.EXPECTED_RETURN
    assert abs(deviation) <= TOLERANCE, (engine, result["return_mean"], rollout_envs.EXPECTED_RETURN, TOLERANCE)


def test_engines_count_the_same_episodes_for_the_same_seed(skewed, rlcli_exe):
    """Env i is seeded with S+i on both engines and each env's first episodes count: the same
    multiset of episodes, whichever engine ran them."""
    fast = _rollout(rlcli_exe, skewed, "--episodes", "12", "--num-envs", "4", "--seed", "3")
    rllib = _rollout(rlcli_exe, skewed, "--episodes", "12", "--num-envs", "4", "--seed", "3", "--engine", "rllib")
    assert sorted(fast["returns"]) == sorted(rllib["returns"])
    assert fast["seed"] == rllib["seed"] == 3


@pytest.mark.parametrize("engine", ["auto", "rllib"])
def test_env_prints_go_to_stderr_and_envs_get_an_env_context(skewed, rlcli_exe, engine):
    """The env reads config.worker_index/vector_index (it trained, in the fixture) and prints from
    __init__, reset and step; stdout still holds exactly one JSON document."""
    exp, env = skewed
    args = ["--episodes", "3", "--num-envs", "3", "--seed", "1", "--env-config", '{"chatty": true}', "--engine", engine]
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), *args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["episodes"] == 3 and "env says" not in proc.stdout
    assert "env says: step 1" in proc.stderr
    made = {line for line in proc.stderr.splitlines() if line.startswith("env says: made")}
    # Both engines give every env the context training's local EnvRunner gives (vector_index 0).
    assert made == {"env says: made worker_index=0 vector_index=0 num_workers=0"}


def test_quiet_summary_is_not_mixed_with_env_prints(skewed, rlcli_exe):
    exp, env = skewed
    args = ["--episodes", "2", "--num-envs", "2", "--env-config", '{"chatty": true}', "-q"]
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), *args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "env says" not in proc.stdout and "env says: reset" in proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()][:3] == ["checkpoint", "env", "inference"]


def test_recording_flags_on_rllibs_env_runner_are_refused(skewed, rlcli_exe, tmp_path):
    """--out/--video-dir/--render record on the fast path only (RLlib's path used to drop them
    silently), and an env without rendering is a usage error, not an internal one."""
    exp, env = skewed
    out = tmp_path / "steps.parquet"
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--engine", "rllib", "--out", str(out), env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert last_error_line(proc.stderr).startswith("Error: --out: only the fast path records") and not out.exists()
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--video-dir", str(tmp_path / "videos"), env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "does not render" in last_error_line(proc.stderr)
