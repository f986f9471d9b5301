"""Real training through the installed ``rlcli`` entry point: real Ray, Tune and checkpoints."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
from helpers import TINY_PPO, last_error_line, result_rows, run_rlcli, train_tiny_ppo, trial_dirs, wait_for_line

from rlcli.core.rllib.rolling_return import ROLLING_EPISODES, ROLLING_RETURN

pytestmark = pytest.mark.integration


def test_tiny_ppo_writes_a_complete_tune_experiment(rlcli_exe, storage, subprocess_env, tmp_path):
    marks_file = tmp_path / "timings.json"
    proc = train_tiny_ppo(
        rlcli_exe,
        "tiny",
        "--checkpoint-freq",
        "1",
        "--stop",
        '{"training_iteration": 2}',
        env={**subprocess_env, "RLCLI_TIMINGS": str(marks_file)},
    )
    assert proc.returncode == 0, proc.stderr
    # RLCLI_TIMINGS: the phases of the run, in the order they happened (make bench reads them);
    # Ray's start and the config checks overlap, so only their ends are ordered after both starts.
    marks = json.loads(marks_file.read_text())
    order = ["cli_started", "train_started", "ray_init_called", "ray_started", "fit_called"]
    order += ["first_iteration_started", "first_result", "last_result", "fit_returned", "ray_stopped", "exit"]
    assert [marks[name] for name in order] == sorted(marks[name] for name in order)
    assert marks["train_started"] < marks["configs_prepared"] < marks["fit_called"]
    exp = storage / "tiny"
    assert list(exp.glob("experiment_state-*.json")) and (exp / "tuner.pkl").exists()
    spec_text = (exp / "rlcli-spec.yaml").read_text()
    assert "# Command: rlcli train --run PPO" in spec_text and "num_epochs: 1" in spec_text
    (trial,) = trial_dirs(exp)
    assert [r["training_iteration"] for r in result_rows(trial)] == [1, 2]
    # the rolling return reaches Tune's results from inside the trial (RLlib's on_train_result hook)
    for row in result_rows(trial):
        assert 0 < row[ROLLING_EPISODES] <= 100 and row[ROLLING_RETURN] > 0
    assert (trial / "progress.csv").exists() and list(trial.glob("events.out.tfevents.*"))
    assert json.loads((trial / "params.json").read_text())["env"] == "CartPole-v1"
    checkpoints = sorted(p.name for p in trial.glob("checkpoint_*"))
    assert checkpoints == ["checkpoint_000000", "checkpoint_000001"]
    for name in checkpoints:
        assert (trial / name / "rllib_checkpoint.json").exists()
        assert (trial / name / "learner_group" / "learner" / "rl_module" / "default_policy").is_dir()
    index = [json.loads(line) for line in (trial / "rlcli_checkpoints.jsonl").read_text().splitlines()]
    assert [(e["checkpoint"], e["training_iteration"]) for e in index] == [
        ("checkpoint_000000", 1),
        ("checkpoint_000001", 2),
    ]
    rollout = [line for line in proc.stdout.splitlines() if "rlcli rollout" in line]
    assert rollout and Path(rollout[0].split("rlcli rollout ")[1]).is_dir()
    assert "Traceback" not in proc.stderr and "WARNING" not in proc.stderr

    again = run_rlcli(rlcli_exe, "train", "--resume", "--name", "tiny", env=subprocess_env)
    assert again.returncode == 0, again.stderr
    assert "already finished" in again.stdout
    assert [r["training_iteration"] for r in result_rows(trial)] == [1, 2]


def test_ctrl_c_saves_state_and_resume_continues(rlcli_exe, storage, subprocess_env):
    args = [
        rlcli_exe,
        "train",
        "--run",
        "PPO",
        "--env",
        "CartPole-v1",
        "--name",
        "interrupted",
        "--checkpoint-freq",
        "1",
        "stop.training_iteration=6",
        *TINY_PPO,
        "train_batch_size=400",
    ]
    proc = subprocess.Popen(
        args, env=subprocess_env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )
    wait_for_line(proc, "iter    2", timeout=180)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "rlcli train --resume --name interrupted" in err
    (trial,) = trial_dirs(storage / "interrupted")
    done_before = [r["training_iteration"] for r in result_rows(trial)]
    assert 2 <= len(done_before) < 6

    resumed = run_rlcli(rlcli_exe, "train", "--resume", "--name", "interrupted", env=subprocess_env)
    assert resumed.returncode == 0, resumed.stderr
    iterations = [r["training_iteration"] for r in result_rows(trial)]
    assert iterations[-1] == 6
    assert sorted(set(iterations)) == [1, 2, 3, 4, 5, 6]
    assert len(iterations) - len(set(iterations)) <= 1  # at most the row past the last checkpoint repeats
    steps = [r["num_env_steps_sampled_lifetime"] for r in result_rows(trial)]
    assert steps[-1] == 6 * 400


def test_grid_search_runs_two_trials(rlcli_exe, storage, subprocess_env):
    proc = train_tiny_ppo(
        rlcli_exe,
        "grid",
        "lr={grid_search: [0.001, 0.0001]}",
        "stop.training_iteration=1",
        env=subprocess_env,
    )
    assert proc.returncode == 0, proc.stderr
    trials = trial_dirs(storage / "grid")
    assert len(trials) == 2
    assert sorted(json.loads((t / "params.json").read_text())["lr"] for t in trials) == [0.0001, 0.001]
    assert all(len(result_rows(t)) == 1 for t in trials)
    assert "2 trial(s), 0 errored" in proc.stdout


def test_unknown_stop_metric_fails_fast(rlcli_exe, storage, subprocess_env):
    proc = train_tiny_ppo(
        rlcli_exe,
        "badstop",
        "stop.episode_retrun=100",
        "stop.training_iteration=50",
        env=subprocess_env,
    )
    assert proc.returncode == 2, proc.stderr
    line = last_error_line(proc.stderr)
    assert line.startswith("Error: stop criterion 'episode_retrun'") and "Traceback" not in proc.stderr
    (trial,) = trial_dirs(storage / "badstop")
    assert len(result_rows(trial)) == 1


def test_trial_error_exits_1_and_names_the_error_file(rlcli_exe, storage, subprocess_env):
    proc = train_tiny_ppo(
        rlcli_exe,
        "broken",
        "--env-config",
        '{"no_such_kwarg": 1}',
        "stop.training_iteration=1",
        env=subprocess_env,
    )
    assert proc.returncode == 1, proc.stderr
    line = last_error_line(proc.stderr)
    assert line.startswith("Error: 1 trial(s) errored") and "error.txt" in line


def test_custom_env_class_from_a_user_module(rlcli_exe, storage, subprocess_env, tmp_path):
    (tmp_path / "corridor_env.py").write_text(
        "import gymnasium as gym\nimport numpy as np\n\n"
        "class Corridor(gym.Env):\n"
        "    def __init__(self, config=None):\n"
        "        self.length = (config or {}).get('length', 5)\n"
        "        self.observation_space = gym.spaces.Box(0.0, 100.0, (1,), np.float32)\n"
        "        self.action_space = gym.spaces.Discrete(2)\n"
        "    def reset(self, *, seed=None, options=None):\n"
        "        self.pos = 0\n        return np.array([0.0], np.float32), {}\n"
        "    def step(self, action):\n"
        "        self.pos += 1 if action == 1 else 0\n"
        "        done = self.pos >= self.length\n"
        "        return np.array([self.pos], np.float32), (1.0 if done else -0.1), done, False, {}\n"
    )
    env = dict(subprocess_env, PYTHONPATH=str(tmp_path))
    proc = run_rlcli(
        rlcli_exe,
        "train",
        "--run",
        "PPO",
        "--env",
        "corridor_env:Corridor",
        "--env-config",
        '{"length": 3}',
        "--name",
        "corridor",
        *TINY_PPO,
        "stop.training_iteration=1",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    (trial,) = trial_dirs(storage / "corridor")
    row = result_rows(trial)[0]
    assert row["env_runners"]["episode_len_max"] <= 200


def test_two_experiments_from_files_run_one_after_another(rlcli_exe, storage, subprocess_env, tmp_path):
    exp_file = tmp_path / "two.yaml"
    exp_file.write_text(
        "first:\n  run: PPO\n  env: CartPole-v1\n  stop: {training_iteration: 1}\n"
        "  config: {num_env_runners: 0, train_batch_size: 200, minibatch_size: 50, num_epochs: 1}\n"
        "second:\n  run: PPO\n  env: CartPole-v0\n  stop: {timesteps_total: 200}\n"
        "  config: {num_workers: 0, train_batch_size: 200, sgd_minibatch_size: 50, num_sgd_iter: 1}\n"
    )
    proc = run_rlcli(rlcli_exe, "train", "-f", str(exp_file), env=subprocess_env)
    assert proc.returncode == 0, proc.stderr
    assert "legacy key 'num_sgd_iter'" in proc.stderr and "legacy metric 'timesteps_total'" in proc.stderr
    for name in ("first", "second"):
        (trial,) = trial_dirs(storage / name)
        assert len(result_rows(trial)) == 1
    assert "All experiments" in proc.stdout


def test_python_dash_m_runs_the_cli():
    import sys

    proc = subprocess.run([sys.executable, "-m", "rlcli", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "train" in proc.stdout
