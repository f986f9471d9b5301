"""Old ``rllib`` command lines run unchanged, through the installed ``rllib`` script and a real shell.

One 1.x-style training serves most tests here, typed as the old docs wrote it: ``--local-dir``,
``--config`` in JSON with legacy keys (``num_workers``, ``sgd_minibatch_size``, ``model``) and the
documented switches ``output: DIR`` (episode traces) and ``monitor: true`` (videos), on a cluster
of two emulated nodes (``--ray-num-nodes 2``). A second, tiny run checks ``--restore``.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TINY_PPO, result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
MODULE_STATE = "learner_group/learner/rl_module/default_policy/module_state.pkl"


def shell(command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` as a user types it, through bash, with the venv's scripts on PATH."""
    env = dict(env, PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    return subprocess.run(
        ["bash", "-c", command], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def old_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str], dict[str, str]]:
    work = tmp_path_factory.mktemp("old-rllib")
    env = storage_env(work / "unused-default-storage")
    config = {
        "num_workers": 0,
        "train_batch_size": 200,
        "sgd_minibatch_size": 50,
        "num_sgd_iter": 1,
        "model": {"fcnet_hiddens": [16]},
        "output": "traces",
        "monitor": True,
    }
    command = (
        f"rllib train --run PPO --env CartPole-v1 --local-dir {shlex.quote(str(work / 'results'))} "
        f"--config '{json.dumps(config)}' --stop '{{\"training_iteration\": 2}}' "
        "--checkpoint-freq 1 --ray-num-nodes 2 --ray-num-cpus 1"
    )
    proc = shell(command, env, work)
    assert proc.returncode == 0, proc.stderr
    return work, proc, env


def test_old_layout_and_translations(old_run):
    work, proc, _ = old_run
    (trial,) = trial_dirs(work / "results" / "default")  # the old default experiment name
    assert sorted(p.name for p in trial.glob("checkpoint_*")) == ["checkpoint_000000", "checkpoint_000001"]
    assert [row["training_iteration"] for row in result_rows(trial)] == [1, 2]
    for old, new in (("num_workers", "num_env_runners"), ("sgd_minibatch_size", "minibatch_size")):
        assert f"legacy key '{old}' → '{new}'" in proc.stderr
    assert "2 Ray nodes (1 + 1 CPUs)" in proc.stderr  # what Ray itself reported of the cluster


def test_output_records_whole_episodes_readable_as_offline_input(old_run):
    """``output: DIR`` wrote every sampled step, as whole episodes RLlib's offline reader decodes."""
    import msgpack
    import msgpack_numpy
    import pyarrow.parquet as pq
    from ray.rllib.env.single_agent_episode import SingleAgentEpisode

    work, proc, _ = old_run
    assert "batch_mode=complete_episodes" in proc.stderr
    files = sorted((work / "traces").rglob("*.parquet"))
    assert files
    episodes = [
        SingleAgentEpisode.from_state(msgpack.unpackb(item, object_hook=msgpack_numpy.decode))
        for path in files
        for item in pq.read_table(path).column("item").to_pylist()
    ]
    (trial,) = trial_dirs(work / "results" / "default")
    sampled = result_rows(trial)[-1]["env_runners"]["num_env_steps_sampled_lifetime"]
    assert all(e.is_done for e in episodes)  # whole episodes only
    assert sum(len(e) for e in episodes) == sampled
    assert all(len(e.get_observations()) == len(e) + 1 for e in episodes)


def test_monitor_true_records_a_video_while_training(old_run):
    import imageio.v2 as imageio

    work, _, _ = old_run
    (trial,) = trial_dirs(work / "results" / "default")
    videos = sorted(trial.glob("videos/*/*.mp4"))
    assert [v.parent.name for v in videos] == ["iteration_000001"]  # iteration 1, then every 10
    assert imageio.get_reader(str(videos[0])).count_frames() >= 9  # a CartPole episode lasts >= 8 steps


def test_restore_starts_from_the_checkpoint_weights(old_run, rlcli_exe, tmp_path):
    """With ``lr=0`` nothing moves, so the new run's weights are the restored ones exactly."""
    import numpy as np

    work, _, _ = old_run
    (trial,) = trial_dirs(work / "results" / "default")
    source = trial / "checkpoint_000001"
    env = storage_env(tmp_path)
    args = ["train", "--run", "PPO", "--env", "CartPole-v1", "--name", "restored", *TINY_PPO, "lr=0.0"]
    proc = run_rlcli(rlcli_exe, *args, "--restore", str(source), "stop.training_iteration=1", env=env)
    assert proc.returncode == 0, proc.stderr
    (new_trial,) = trial_dirs(tmp_path / "restored")
    before = pickle.loads((source / MODULE_STATE).read_bytes())
    after = pickle.loads((new_trial / "checkpoint_000000" / MODULE_STATE).read_bytes())
    assert before.keys() == after.keys()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_restore_of_another_network_fails_before_ray(old_run, rlcli_exe, tmp_path):
    work, _, _ = old_run
    (trial,) = trial_dirs(work / "results" / "default")
    proc = run_rlcli(
        rlcli_exe,
        "train",
        "--run",
        "PPO",
        "--env",
        "CartPole-v1",
        "--restore",
        str(trial),
        "--dry-run",
        env=storage_env(tmp_path),
    )
    assert proc.returncode == 2
    assert "(16, 4) in the checkpoint but (256, 4) in this config" in proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("algo", ["MAML", "QMIX", "ES"])
def test_removed_algorithms_say_so(algo, tmp_path):
    proc = shell(f"rllib train --run {algo} --env CartPole-v1", storage_env(tmp_path), tmp_path)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("Error:") and "no longer ships" in last


@pytest.mark.parametrize("suffix", ["yaml", "py"])
def test_train_file_reads_yaml_and_python(suffix, tmp_path):
    source = {
        "yaml": "cartpole:\n  run: PPO\n  env: CartPole-v1\n  stop: {training_iteration: 3}\n  config: {lr: 0.0005}\n",
        "py": "from ray.rllib.algorithms.ppo import PPOConfig\n"
        "config = PPOConfig().environment('CartPole-v1').training(lr=0.0005)\n"
        "stop = {'training_iteration': 3}\n",
    }[suffix]
    (tmp_path / f"exp.{suffix}").write_text(source)
    proc = shell(f"rllib train file exp.{suffix} --dry-run", storage_env(tmp_path), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "lr: 0.0005" in proc.stdout and "training_iteration: 3" in proc.stdout


def test_example_list_get_run(tmp_path):
    env = storage_env(tmp_path)
    listed = shell("rllib example list -f ppo", env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "cartpole-ppo" in listed.stdout and "dqn" not in listed.stdout.lower()
    got = shell("rllib example get cartpole-ppo", env, tmp_path)
    assert got.returncode == 0 and "run: PPO" in got.stdout
    helped = shell("rllib example run cartpole-ppo --help", env, tmp_path)
    assert helped.returncode == 0 and "Usage: rllib example run" in helped.stdout


def test_rllib_help_is_the_same_tool(tmp_path):
    env = storage_env(tmp_path)
    old, new = shell("rllib --help", env, tmp_path), shell("rlcli --help", env, tmp_path)
    assert old.returncode == new.returncode == 0
    assert old.stdout.replace("Usage: rllib", "Usage: rlcli") == new.stdout


def _episode_lines(stdout: str) -> list[float]:
    return [float(line.split("reward:")[1]) for line in stdout.splitlines() if line.startswith("Episode #")]


def test_evaluate_steps_out_pkl_as_the_old_tool_wrote_it(old_run):
    """``--steps 10`` steps one env exactly 10 times, and the episode the limit cut short is
    printed and saved as it stood, as the old tool did."""
    work, _, env = old_run
    (trial,) = trial_dirs(work / "results" / "default")
    ckpt = trial / "checkpoint_000001" / "algorithm_state.pkl"  # the file the old docs passed
    proc = shell(f"rllib evaluate {ckpt} --run PPO --env CartPole-v1 --steps 10 --out x.pkl", env, work)
    assert proc.returncode == 0, proc.stderr
    episodes = pickle.loads((work / "x.pkl").read_bytes())
    assert sum(len(e) for e in episodes) == 10
    assert all(len(step) == 6 for e in episodes for step in e)  # obs, action, next_obs, reward, terminated, truncated
    assert _episode_lines(proc.stdout) == [sum(step[3] for step in e) for e in episodes]
    assert all(e[-1][4] or e[-1][5] for e in episodes[:-1])  # every episode before the last ended on its own
    cut_short = not (episodes[-1][-1][4] or episodes[-1][-1][5])  # the limit, not the env, ended the last one
    assert ("cut by --steps" in proc.stdout) == cut_short


def test_rollout_episodes_out_pkl(old_run):
    work, _, env = old_run
    (trial,) = trial_dirs(work / "results" / "default")
    proc = shell(f"rllib rollout {trial / 'checkpoint_000001'} --episodes 1 --no-render --out y.pkl", env, work)
    assert proc.returncode == 0, proc.stderr
    (episode,) = pickle.loads((work / "y.pkl").read_bytes())
    assert _episode_lines(proc.stdout) == [sum(step[3] for step in episode)]
    assert episode[-1][4] or episode[-1][5]  # a whole episode: it ends terminated or truncated
    assert all(a[2].tolist() == b[0].tolist() for a, b in itertools.pairwise(episode))
