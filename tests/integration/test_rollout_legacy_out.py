"""Old ``rllib rollout`` / ``rllib evaluate`` command lines on rlcli: the ``Episode #N: reward: R``
lines, ``--out FILE.pkl`` in the old RolloutSaver format (pickle, shelve, progress file),
``--config``, both limits, and the ``rllib`` name's default of 10,000 steps.

Every check compares against an independent value: the ``--json`` result of the same seeded
rollout (per-episode returns and lengths), and the structure of episodes themselves (next_obs of
step t is obs of step t+1; done only on the last step). Uses the session's ``skewed`` (episodes of
1-4 or 200 steps, reward 1 per step) and ``pair`` (multi-agent) checkpoints; trains nothing new.
"""

from __future__ import annotations

import json
import pickle
import re
import shelve
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import last_error_line, run_rlcli

pytestmark = pytest.mark.integration

EPISODE_LINE = re.compile(r"^Episode #(\d+): reward: (\S+)$")
RLLIB = str(Path(sys.executable).with_name("rllib"))


def _json(exe: str, where: tuple[Path, dict[str, str]], *args: str) -> dict:
    exp, env = where
    proc = run_rlcli(exe, "rollout", str(exp), *args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _episode_lines(stdout: str) -> list[tuple[int, float]]:
    return [(int(m[1]), float(m[2])) for m in map(EPISODE_LINE.match, stdout.splitlines()) if m]


def _check_single_agent_episode(episode: list[list], length: int, total: float, with_info: bool) -> None:
    assert len(episode) == length and sum(step[3] for step in episode) == total
    for t, step in enumerate(episode):
        assert len(step) == (7 if with_info else 6)
        _obs, _action, next_obs, reward, terminated, truncated = step[:6]
        assert isinstance(reward, float) and isinstance(terminated, bool) and isinstance(truncated, bool)
        assert (terminated or truncated) == (t == length - 1)  # done only on the last step
        if t + 1 < length:
            np.testing.assert_array_equal(next_obs, episode[t + 1][0])
        if with_info:
            assert isinstance(step[6], dict)


@pytest.mark.parametrize("engine", ["auto", "rllib"])
def test_pickle_and_episode_lines_match_the_json_result(skewed, rlcli_exe, tmp_path, engine):
    args = ("--episodes", "12", "--num-envs", "4", "--seed", "3", "--engine", engine)
    out = tmp_path / "rollouts.pkl"
    result = _json(rlcli_exe, skewed, *args, "--out", str(out), "--save-info")
    assert result["out"] == str(out) and result["episodes"] == 12
    with open(out, "rb") as fh:
        episodes = pickle.load(fh)
    assert isinstance(episodes, list) and len(episodes) == 12
    for episode, length, total in zip(episodes, result["lengths"], result["returns"], strict=True):
        _check_single_agent_episode(episode, length, total, with_info=True)

    # The same seeded rollout, as a script would run it: one line per episode, in the result's order.
    env = skewed[1]
    ckpt_file = Path(result["checkpoint"]) / "algorithm_state.pkl"  # a file inside it, as old docs pass it
    proc = run_rlcli(rlcli_exe, "rollout", str(ckpt_file), *args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert _episode_lines(proc.stdout) == list(enumerate(result["returns"]))
    assert f"Episode #0: reward: {result['returns'][0]}" in proc.stdout.splitlines()[0]
    assert "Episode #" not in proc.stderr and "episodes         12" in proc.stdout  # the summary follows


def test_shelve_file_and_progress_line(skewed, rlcli_exe, tmp_path):
    """``--use-shelve``: keys str(i) and num_episodes; ``--track-progress``: the old progress line
    while it runs, the file gone at the end; the output appears only when complete."""
    exp, env = skewed
    out = tmp_path / "rollouts.db"
    progress = tmp_path / f"__progress_{out.name}"
    args = ["rollout", str(exp), "--episodes", "240", "--num-envs", "2", "--seed", "0", "--json"]
    cmd = [rlcli_exe, *args, "--out", str(out), "--use-shelve", "--track-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    while proc.poll() is None:
        text = progress.read_text() if progress.exists() else ""
        if text.strip():
            seen.append(text.strip())
            assert not list(tmp_path.glob("rollouts.db*")), "the output appeared before the rollout ended"
        time.sleep(0.01)
    stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    result = json.loads(stdout)
    assert seen, "the progress file never had a line"
    for line in seen:
        match = re.fullmatch(r"(\d+) / 240 episodes completed", line)
        assert match and 1 <= int(match[1]) <= 240, line
    assert not progress.exists()
    with shelve.open(str(out), flag="r") as shelf:
        assert shelf["num_episodes"] == 240 == result["episodes"]
        assert set(shelf.keys()) == {"num_episodes", *map(str, range(240))}
        for i in (0, 1, 119, 239):
            _check_single_agent_episode(shelf[str(i)], result["lengths"][i], result["returns"][i], with_info=False)


def test_multi_agent_pickle_holds_per_agent_dicts(pair, rlcli_exe, tmp_path):
    out = tmp_path / "ma.p"
    result = _json(rlcli_exe, pair, "--episodes", "4", "--num-envs", "2", "--seed", "1", "--out", str(out))
    assert result["path"] == "RLlib EnvRunner (multi-agent checkpoint)"
    with open(out, "rb") as fh:
        episodes = pickle.load(fh)
    assert len(episodes) == 4
    for episode, length, total, agents in zip(
        episodes, result["lengths"], result["returns"], result["agent_returns"], strict=True
    ):
        assert len(episode) == length
        for t, (obs, action, next_obs, reward, terminated, truncated) in enumerate(episode):
            assert set(obs) == set(action) == set(reward) == set(next_obs) == {"a0", "a1"}
            assert terminated == (t == length - 1) and truncated is False
            if t + 1 < length:
                assert next_obs.keys() == episode[t + 1][0].keys()
                np.testing.assert_array_equal(next_obs["a0"], episode[t + 1][0]["a0"])
        for agent in ("a0", "a1"):
            assert abs(sum(step[3][agent] for step in episode) - agents[agent]) < 1e-9
        assert abs(sum(sum(step[3].values()) for step in episode) - total) < 1e-9
    # Each agent acted greedily with its own policy's trained weights, as RLlib's module read
    # from the checkpoint by itself computes them (a module left at its initial weights would not).
    for agent, policy in (("a0", "p0"), ("a1", "p1")):
        observations = np.stack([step[0][agent] for episode in episodes for step in episode])
        taken = [int(step[1][agent]) for episode in episodes for step in episode]
        assert taken == _greedy_actions(pair[0], policy, observations), agent

    # Under the old name, the old command: the episode's reward is the sum over agents.
    exp, env = pair
    proc = run_rlcli(RLLIB, "evaluate", str(exp), "--episodes", "4", "--num-envs", "2", "--seed", "1", env=env)
    assert proc.returncode == 0, proc.stderr
    assert _episode_lines(proc.stdout) == list(enumerate(result["returns"]))


def _greedy_actions(exp: Path, policy: str, observations: np.ndarray) -> list[int]:
    """The argmax actions of ``policy``'s RLModule in the experiment's checkpoint."""
    import torch
    from ray.rllib.core.rl_module.rl_module import RLModule

    (checkpoint,) = exp.glob("*/checkpoint_*")
    module = RLModule.from_checkpoint(str(checkpoint / "learner_group" / "learner" / "rl_module" / policy))
    with torch.no_grad():
        logits = module.forward_inference({"obs": torch.as_tensor(observations)})["action_dist_inputs"]
    return logits.argmax(dim=-1).tolist()


def test_rllib_name_defaults_to_10000_steps_and_limits_combine(skewed, rlcli_exe):
    exp, env = skewed
    proc = run_rlcli(RLLIB, "rollout", str(exp), "--seed", "0", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    legacy = json.loads(proc.stdout)
    assert 10_000 <= legacy["env_steps"] < 10_000 + legacy["num_envs"], legacy["env_steps"]
    assert legacy["episodes"] > 10
    assert _json(rlcli_exe, skewed, "--seed", "0")["episodes"] == 10  # rlcli's own default
    few_episodes = _json(rlcli_exe, skewed, "--episodes", "3", "--steps", "100000", "--seed", "0")
    assert few_episodes["episodes"] == 3 and few_episodes["env_steps"] < 100_000
    few_steps = _json(rlcli_exe, skewed, "--episodes", "500", "--steps", "300", "--seed", "0")
    assert few_steps["episodes"] < 500 and 300 <= few_steps["env_steps"] < 300 + few_steps["num_envs"]


def test_config_mapping_applies_what_a_rollout_reads(skewed, rlcli_exe):
    """The old ``--config`` JSON: env_config merges into the env config, explore (even the string
    "True" old scripts wrote) and evaluation_config's keys apply, worker counts and training keys
    get one notice with what to do instead, an unknown key is an error."""
    exp, env = skewed
    config = {
        "env_config": {"chatty": True},
        "explore": "True",
        "num_workers": 2,
        "lr": 0.1,
        "evaluation_config": {"num_envs_per_worker": 3, "explore": False},
    }
    proc = run_rlcli(
        rlcli_exe, "rollout", str(exp), "--episodes", "3", "--seed", "1", "--config", json.dumps(config), env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "env says: reset" in proc.stderr  # env_config reached the env
    notices = [line for line in proc.stderr.splitlines() if "--config: no effect" in line]
    assert len(notices) == 1 and "num_workers" in notices[0] and "--num-envs" in notices[0] and "lr" in notices[0]
    assert "explore (sampled actions)" in proc.stdout and "× 3 envs" in proc.stdout
    flag_wins = _json(rlcli_exe, skewed, "--episodes", "3", "--config", '{"explore": true}', "--no-explore")
    assert flag_wins["explore"] is False

    bad = run_rlcli(rlcli_exe, "rollout", str(exp), "--config", '{"evaluation_config": {"explor": true}}', env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad.stderr
    line = last_error_line(bad.stderr)
    assert line.startswith("Error: --config: unknown key 'evaluation_config.explor'") and "'explore'" in line, line
