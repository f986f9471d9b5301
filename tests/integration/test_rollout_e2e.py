"""``rlcli rollout`` on checkpoints that real tiny training runs made."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import last_error_line, result_rows, run_rlcli, storage_env, train_tiny_ppo, trial_dirs

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def trained(tmp_path_factory, rlcli_exe) -> Path:
    """A 2-trial grid (checkpoint every iteration, the best one kept) with MeanStdFilter on, and
    greedy evaluation every iteration for comparison."""

    storage = tmp_path_factory.mktemp("rollout-results")
    env = storage_env(storage)
    proc = train_tiny_ppo(
        rlcli_exe,
        "exp",
        "--checkpoint-freq",
        "1",
        "--keep-checkpoints-num",
        "1",
        "observation_filter=MeanStdFilter",
        "lr={grid_search: [0.001, 0.003]}",
        "evaluation_interval=1",
        "evaluation_duration=30",
        "evaluation_config={explore: false}",
        "stop.training_iteration=3",
        "--seed",
        "3",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return storage / "exp"


def rollout_json(exe: str, *args: str) -> dict:
    proc = run_rlcli(exe, "rollout", *args, "--json", env=None)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_experiment_trial_and_checkpoint_paths_agree(trained, rlcli_exe):
    by_exp = rollout_json(rlcli_exe, str(trained), "--episodes", "6", "--seed", "0")
    ckpt = Path(by_exp["checkpoint"])
    assert ckpt.parent.parent == trained and ckpt.name.startswith("checkpoint_")
    by_trial = rollout_json(rlcli_exe, str(ckpt.parent), "--episodes", "6", "--seed", "0")
    by_ckpt = rollout_json(rlcli_exe, str(ckpt), "--episodes", "6", "--seed", "0")
    assert by_trial["checkpoint"] == by_ckpt["checkpoint"] == str(ckpt)
    assert by_exp["returns"] == by_trial["returns"] == by_ckpt["returns"]
    assert by_exp["episodes"] == 6 and by_exp["path"] == "RLModule fast path"


def test_chosen_checkpoint_is_the_best_reported_one(trained, rlcli_exe):
    chosen = rollout_json(rlcli_exe, str(trained), "--episodes", "1")["checkpoint"]
    best = None
    for trial in trial_dirs(trained):
        rows = {r["training_iteration"]: r["env_runners"]["episode_return_mean"] for r in result_rows(trial)}
        index = [json.loads(line) for line in (trial / "rlcli_checkpoints.jsonl").read_text().splitlines()]
        for ckpt in trial.glob("checkpoint_*"):
            it = next(e["training_iteration"] for e in index if e["checkpoint"] == ckpt.name)
            if best is None or rows[it] > best[0]:
                best = (rows[it], str(ckpt))
    assert chosen == best[1]


def test_mean_std_filter_checkpoint_matches_rllibs_own_rollout(trained, rlcli_exe):
    """The fast path (RLModule + the filter's saved state) against RLlib's restored EnvRunner,
    which applies its own connector pipeline: same checkpoint, same greedy policy."""
    fast = rollout_json(rlcli_exe, str(trained), "--episodes", "40", "--num-envs", "10", "--seed", "1")
    rllib = rollout_json(rlcli_exe, str(trained), "--episodes", "40", "--num-envs", "10", "--engine", "rllib")
    trial = Path(fast["checkpoint"]).parent
    assert "MeanStdFilter" in (trial / "params.json").read_text()
    assert fast["path"] == "RLModule fast path" and rllib["path"].startswith("RLlib EnvRunner")
    assert fast["checkpoint"] == rllib["checkpoint"]
    noise = 4 * ((fast["return_std"] ** 2 + rllib["return_std"] ** 2) / 40) ** 0.5
    assert abs(fast["return_mean"] - rllib["return_mean"]) <= noise + 1.0, (fast["return_mean"], rllib["return_mean"])


def test_greedy_is_deterministic_and_explore_samples(trained, rlcli_exe):
    greedy_a = rollout_json(rlcli_exe, str(trained), "--episodes", "8", "--seed", "5")
    greedy_b = rollout_json(rlcli_exe, str(trained), "--episodes", "8", "--seed", "5")
    explore = rollout_json(rlcli_exe, str(trained), "--episodes", "8", "--seed", "5", "--explore")
    assert greedy_a["returns"] == greedy_b["returns"]
    assert explore["explore"] is True and not greedy_a["explore"]
    assert explore["returns"] != greedy_a["returns"]


def test_out_is_read_back_by_rllib_offline_and_trains_bc(trained, rlcli_exe, tmp_path):
    out = tmp_path / "episodes.parquet"
    result = rollout_json(rlcli_exe, str(trained), "--episodes", "5", "--out", str(out))
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == sum(result["returns"])  # CartPole: one reward of 1 per step
    assert set(table.column_names) >= {"eps_id", "obs", "actions", "rewards", "new_obs", "terminateds", "truncateds"}
    assert len(set(table.column("eps_id").to_pylist())) == result["episodes"]
    assert abs(sum(table.column("rewards").to_pylist()) - sum(result["returns"])) < 1e-6

    env = storage_env(tmp_path / "bc")
    proc = run_rlcli(
        rlcli_exe,
        "train",
        "--run",
        "BC",
        "--env",
        "CartPole-v1",
        "--name",
        "bc",
        f"input=[{out}]",
        "train_batch_size=128",
        "dataset_num_iters_per_learner=2",
        "evaluation_interval=1",
        "evaluation_duration=2",
        "stop.training_iteration=1",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    (trial,) = trial_dirs(tmp_path / "bc" / "bc")
    row = result_rows(trial)[0]
    assert row["training_iteration"] == 1 and row["learners"]["default_policy"]["num_module_steps_trained"] > 0


def test_video_dir_writes_mp4s(trained, rlcli_exe, tmp_path):
    result = rollout_json(rlcli_exe, str(trained), "--episodes", "2", "--video-dir", str(tmp_path / "v"))
    videos = [Path(v) for v in result["videos"]]
    assert len(videos) == 2
    for video in videos:
        assert video.suffix == ".mp4" and video.stat().st_size > 1000
        assert video.read_bytes()[4:8] == b"ftyp"


def _usage_error(proc, needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    line = last_error_line(proc.stderr)
    assert line.startswith("Error: ") and needle in line and "Traceback" not in proc.stderr, proc.stderr


def test_bad_paths_corrupted_checkpoints_and_wrong_envs(trained, rlcli_exe, tmp_path):
    _usage_error(run_rlcli(rlcli_exe, "rollout", str(tmp_path / "missing"), env=None), "does not exist")
    (tmp_path / "empty").mkdir()
    _usage_error(run_rlcli(rlcli_exe, "rollout", str(tmp_path / "empty"), env=None), "not a checkpoint")
    ckpt = Path(rollout_json(rlcli_exe, str(trained), "--episodes", "1")["checkpoint"])
    broken = tmp_path / "broken"
    shutil.copytree(ckpt, broken)
    (broken / "class_and_ctor_args.pkl").write_bytes(b"\x80\x04garbage")
    _usage_error(run_rlcli(rlcli_exe, "rollout", str(broken), env=None), "corrupted")
    _usage_error(run_rlcli(rlcli_exe, "rollout", str(ckpt), "--env", "Pendulum-v1", env=None), "shape")
    _usage_error(run_rlcli(rlcli_exe, "rollout", str(ckpt), "--run", "DQN", env=None), "trained with PPO")
    old = tmp_path / "old-stack" / "checkpoint_000010"
    old.mkdir(parents=True)
    (old / "rllib_checkpoint.json").write_text(
        '{"type": "Algorithm", "checkpoint_version": "1.1", "ray_version": "2.9.3"}'
    )
    (old / "policies").mkdir()
    _usage_error(run_rlcli(rlcli_exe, "rollout", str(old), env=None), "old API stack (Ray 2.9.3)")


def test_render_without_a_display_points_to_video_dir(trained, rlcli_exe):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    _usage_error(run_rlcli(rlcli_exe, "rollout", str(trained), "--episodes", "1", "--render", env=env), "--video-dir")


def test_multi_agent_checkpoint_trains_and_rolls_out(rlcli_exe, tmp_path):

    exp_file = tmp_path / "ma.yaml"
    exp_file.write_text(
        "ma:\n  run: PPO\n  env: ray.rllib.examples.envs.classes.multi_agent:MultiAgentCartPole\n"
        "  stop: {training_iteration: 1}\n  config:\n    env_config: {num_agents: 2}\n    num_env_runners: 0\n"
        "    train_batch_size: 200\n    minibatch_size: 50\n    num_epochs: 1\n    multiagent:\n"
        "      policies: [p0, p1]\n"
        "      policy_mapping_fn: {type: rlcli.AgentToModule, pattern: 'p{agent_id}'}\n"
    )
    env = storage_env(tmp_path / "results")
    proc = run_rlcli(rlcli_exe, "train", "-f", str(exp_file), env=env)
    assert proc.returncode == 0, proc.stderr
    (trial,) = trial_dirs(tmp_path / "results" / "ma")
    modules = sorted(
        p.name for p in (next(trial.glob("checkpoint_*")) / "learner_group/learner/rl_module").iterdir() if p.is_dir()
    )
    assert modules == ["p0", "p1"]
    result = rollout_json(rlcli_exe, str(tmp_path / "results" / "ma"), "--episodes", "4", "--num-envs", "2")
    assert result["path"] == "RLlib EnvRunner (multi-agent checkpoint)"
    assert result["episodes"] == 4 and all(r > 0 for r in result["returns"])


PETTINGZOO_ENV = '''
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv


class Match(ParallelEnv):
    """Two agents see a bit; each is rewarded for copying it. Episodes last `length` steps."""

    metadata = {"name": "match_v0"}

    def __init__(self, length=10):
        self.possible_agents = ["a0", "a1"]
        self.length = length
        self.rng = np.random.default_rng(0)

    def observation_space(self, agent):
        return spaces.Box(0.0, 1.0, (1,), np.float32)

    def action_space(self, agent):
        return spaces.Discrete(2)

    def _obs(self):
        self.bit = int(self.rng.integers(2))
        return {a: np.array([self.bit], np.float32) for a in self.agents}

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.agents = list(self.possible_agents)
        self.t = 0
        return self._obs(), {a: {} for a in self.agents}

    def step(self, actions):
        rewards = {a: float(actions[a] == self.bit) for a in self.agents}
        self.t += 1
        done = self.t >= self.length
        obs = self._obs()
        terms = {a: False for a in self.agents}
        truncs = {a: done for a in self.agents}
        infos = {a: {} for a in self.agents}
        if done:
            self.agents = []
        return obs, rewards, terms, truncs, infos


def make(config):
    return ParallelPettingZooEnv(Match(**config))
'''


def test_pettingzoo_env_trains_and_rolls_out(rlcli_exe, tmp_path):

    (tmp_path / "pz_match.py").write_text(PETTINGZOO_ENV)
    exp_file = tmp_path / "pz.yaml"
    exp_file.write_text(
        "pz:\n  run: PPO\n  env: pz_match:make\n  stop: {training_iteration: 1}\n  config:\n"
        "    env_config: {length: 10}\n    num_env_runners: 0\n    train_batch_size: 200\n    minibatch_size: 50\n"
        "    num_epochs: 1\n    multiagent:\n      policies: [shared]\n"
        "      policy_mapping_fn: {type: rlcli.AgentToModule, default: shared}\n"
    )
    env = storage_env(tmp_path / "results", PYTHONPATH=str(tmp_path))
    proc = run_rlcli(rlcli_exe, "train", "-f", str(exp_file), env=env)
    assert proc.returncode == 0, proc.stderr
    out = run_rlcli(rlcli_exe, "rollout", str(tmp_path / "results" / "pz"), "--episodes", "3", "--json", env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["episodes"] == 3 and all(length == 10 for length in result["lengths"])
    assert all(0 <= r <= 20 for r in result["returns"])
