"""Multi-agent rollouts: independent episodes, seeds honoured, returns per agent and per policy.

The env (``rollout_ma_envs:RandomPair``) draws each episode's length and each agent's reward per
step at reset, so two episodes are equal only if their envs were reset with the same seed.
Before the fix, RLlib's env check had reset every sub-env with seed 42 and no seed came after, so
all envs replayed the same episodes and ``--seed`` changed nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import TINY_PPO, result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration


def _rollout(exe: str, pair: tuple[Path, dict[str, str]], *args: str) -> dict:
    exp, env = pair
    proc = run_rlcli(exe, "rollout", str(exp), "--episodes", "10", "--num-envs", "2", *args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_episodes_are_independent_and_seeds_reproduce_them(pair, rlcli_exe):
    first = _rollout(rlcli_exe, pair, "--seed", "0")
    again = _rollout(rlcli_exe, pair, "--seed", "0")
    other = _rollout(rlcli_exe, pair, "--seed", "100")
    unseeded = _rollout(rlcli_exe, pair)
    assert first["path"] == "RLlib EnvRunner (multi-agent checkpoint)" and first["episodes"] == 10
    assert len(set(first["returns"])) == 10, first["returns"]  # 10 distinct episodes, not 2 replayed
    assert again["returns"] == first["returns"] and again["agent_returns"] == first["agent_returns"]
    assert not set(other["returns"]) & set(first["returns"])
    assert len(set(unseeded["returns"])) == 10 and isinstance(unseeded["seed"], int)


def test_returns_per_agent_and_per_policy(pair, rlcli_exe):
    result = _rollout(rlcli_exe, pair, "--seed", "1")
    assert set(result["agents"]) == {"a0", "a1"}
    assert {a: row["module"] for a, row in result["agents"].items()} == {"a0": "p0", "a1": "p1"}
    assert {p: row["agents"] for p, row in result["policies"].items()} == {"p0": ["a0"], "p1": ["a1"]}
    for episode, total in zip(result["agent_returns"], result["returns"], strict=True):
        assert abs(sum(episode.values()) - total) < 1e-6
    a0 = [episode["a0"] for episode in result["agent_returns"]]
    assert result["agents"]["a0"]["episodes"] == 10
    assert abs(result["agents"]["a0"]["mean"] - sum(a0) / 10) < 1e-6
    assert result["policies"]["p1"]["mean"] == result["agents"]["a1"]["mean"]

    exp, env = pair
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--episodes", "4", "--num-envs", "2", "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split("  ")[0].strip() for line in proc.stdout.splitlines()}
    assert {"agent a0", "agent a1", "policy p0", "policy p1"} <= rows, proc.stdout


def test_a_multi_agent_env_without_policies_trains_one_shared_module(rlcli_exe, tmp_path):
    """The old stack trained every agent of a MultiAgentEnv with default_policy when the config
    named no policies; Ray 2.60 would build a single-agent EnvRunner and fail inside the trial.
    rlcli maps every agent to one module, says so, and the checkpoint rolls out per agent."""
    env = storage_env(tmp_path, PYTHONPATH=str(Path(__file__).parent))
    args = ("train", "--run", "PPO", "--env", "rollout_ma_envs:RandomPair", "--name", "shared", *TINY_PPO)
    proc = run_rlcli(rlcli_exe, *args, "stop.training_iteration=1", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "every agent shares one module, 'shared'" in proc.stderr
    (trial,) = trial_dirs(tmp_path / "shared")
    learners = result_rows(trial)[-1]["learners"]
    assert learners["shared"]["num_module_steps_trained"] > 0 and "default_policy" not in learners
    report = _rollout(rlcli_exe, (tmp_path / "shared", env), "--seed", "0")
    assert {a: row["module"] for a, row in report["agents"].items()} == {"a0": "shared", "a1": "shared"}
    assert report["policies"]["shared"]["agents"] == ["a0", "a1"]
