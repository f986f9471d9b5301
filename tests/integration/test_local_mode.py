"""``rlcli train --local-mode``: one trial inside the rlcli process, so ``breakpoint()`` in the env
stops in pdb; written as the Tune path writes it, so ``rollout``, ``analyze`` and ``--resume``
read it unchanged.

One debugged run (a pdb session driven through stdin) serves the first tests; the Ctrl-C and
``--resume`` test trains its own; the usage errors are ``--dry-run`` (no Ray).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import pytest
from helpers import (
    TINY_PPO,
    last_error_line,
    result_rows,
    run_rlcli,
    storage_env,
    tiny_ppo_args,
    trial_dirs,
    wait_for_line,
)

from rlcli.core.rllib.rolling_return import ROLLING_RETURN

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
#: What ``p debug_secret`` prints: computed inside debug_envs.BreakOnce.reset, nowhere written out.
SECRET = "seen-inside-the-env-42"


@pytest.fixture(scope="module")
def debugged(tmp_path_factory, rlcli_exe) -> tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]:
    """Two iterations of tiny PPO on debug_envs:BreakOnce under --local-mode (asking for 2 env
    runners, which local mode turns into 0), stopped once in pdb: ``p debug_secret``, ``c``."""
    storage = tmp_path_factory.mktemp("local-mode")
    env = storage_env(storage, PYTHONPATH=str(HERE))
    args = ["train", "--local-mode", "--run", "PPO", "--env", "debug_envs:BreakOnce", "--name", "debugged"]
    args += ["--env-config", '{"breakpoint": true}', *TINY_PPO, "num_env_runners=2", "stop.training_iteration=2"]
    proc = subprocess.run(
        [rlcli_exe, *args, "--checkpoint-freq", "1"],
        input="p debug_secret\nc\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return storage / "debugged", env, proc


def test_breakpoint_in_the_env_stops_in_pdb_and_training_goes_on(debugged):
    exp, _, proc = debugged
    assert "(Pdb)" in proc.stdout and f"'{SECRET}'" in proc.stdout  # pdb evaluated a local of reset()
    assert "debug_envs.py" in proc.stdout  # ... stopped in the env's own file
    assert "0 instead of num_env_runners=2" in proc.stderr
    assert "Traceback" not in proc.stderr and "WARNING" not in proc.stderr
    (trial,) = trial_dirs(exp)
    assert re.fullmatch(r"PPO_debug_envs_BreakOnce_[0-9a-f]{5}_00000_0_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d", trial.name)
    rows = result_rows(trial)
    assert [r["training_iteration"] for r in rows] == [1, 2] and rows[-1]["done"] is True
    assert all(r[ROLLING_RETURN] > 0 for r in rows)  # the rolling return the Tune path adds
    assert "iter    2" in proc.stderr  # live progress through the same sink
    for name in ("progress.csv", "params.json", "params.pkl"):
        assert (trial / name).is_file(), name
    assert list(trial.glob("events.out.tfevents.*"))
    params = json.loads((trial / "params.json").read_text())
    assert params["env_config"] == {"breakpoint": True} and params["num_env_runners"] == 0
    assert sorted(p.name for p in trial.glob("checkpoint_*")) == ["checkpoint_000000", "checkpoint_000001"]
    index = [json.loads(line) for line in (trial / "rlcli_checkpoints.jsonl").read_text().splitlines()]
    assert [(e["checkpoint"], e["training_iteration"]) for e in index] == [
        ("checkpoint_000000", 1),
        ("checkpoint_000001", 2),
    ]
    assert "# Command: rlcli train --local-mode" in (exp / "rlcli-spec.yaml").read_text()
    assert list(exp.glob("experiment_state-*.json")) and not (exp / "tuner.pkl").exists()


def test_rollout_and_analyze_read_the_local_mode_experiment(rlcli_exe, debugged):
    exp, env, proc = debugged
    (trial,) = trial_dirs(exp)
    best = run_rlcli(rlcli_exe, "analyze", "best-checkpoint", str(exp), "--json", env=env)
    assert best.returncode == 0, best.stderr
    answer = json.loads(best.stdout)
    index = {
        json.loads(line)["checkpoint"]: json.loads(line)["training_iteration"]
        for line in (trial / "rlcli_checkpoints.jsonl").read_text().splitlines()
    }
    returns = {r["training_iteration"]: r["env_runners"]["episode_return_mean"] for r in result_rows(trial)}
    assert answer["iteration"] == index[Path(answer["path"]).name]  # its own iteration...
    assert answer["value"] == pytest.approx(returns[answer["iteration"]])  # ... and that row's return
    assert answer["value"] == pytest.approx(max(returns[i] for i in index.values()))  # the best kept one
    assert answer["path"] in proc.stdout  # the training summary names the same checkpoint

    # the env stops only when asked: the rollout turns the flag off (no pdb session here)
    rollout = run_rlcli(
        rlcli_exe, "rollout", str(exp), "--episodes", "2", "--env-config", '{"breakpoint": false}', "--json", env=env
    )
    assert rollout.returncode == 0, rollout.stderr
    result = json.loads(rollout.stdout)
    assert result["checkpoint"] == answer["path"] and result["episodes"] == 2

    again = run_rlcli(rlcli_exe, "train", "--resume", "--local-mode", "--name", "debugged", env=env)
    assert again.returncode == 0, again.stderr
    assert "already finished" in again.stdout
    assert [r["training_iteration"] for r in result_rows(trial)] == [1, 2]


def test_ctrl_c_saves_a_checkpoint_and_resume_continues(rlcli_exe, tmp_path):
    env = storage_env(tmp_path)
    args = tiny_ppo_args("stopped", "--local-mode", "stop.training_iteration=6", "train_batch_size=400")
    proc = subprocess.Popen(
        [rlcli_exe, *args], env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )
    wait_for_line(proc, "iter    1", timeout=180)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert f"rlcli train --resume --local-mode --name stopped --storage-path {tmp_path}" in err
    assert "Traceback" not in err
    (trial,) = trial_dirs(tmp_path / "stopped")
    before = [r["training_iteration"] for r in result_rows(trial)]
    assert 1 <= len(before) < 6
    index = [json.loads(line) for line in (trial / "rlcli_checkpoints.jsonl").read_text().splitlines()]
    assert index[-1]["training_iteration"] == before[-1]  # the checkpoint of the last finished iteration

    resumed = run_rlcli(rlcli_exe, "train", "--resume", "--local-mode", "--name", "stopped", env=env)
    assert resumed.returncode == 0, resumed.stderr
    rows = result_rows(trial)
    assert [r["training_iteration"] for r in rows] == [*before, *range(before[-1] + 1, 7)]  # old rows + new
    assert [r["num_env_steps_sampled_lifetime"] for r in rows][-1] == 6 * 400  # counted on from the checkpoint
    assert rows[len(before)]["iterations_since_restore"] == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--num-samples", "2"), "--local-mode runs one trial, but"),
        (("lr={grid_search: [0.001, 0.01]}",), "has 2 (num_samples x grid_search x envs)"),
        (("--ray-address", "127.0.0.1:6379"), "cannot use the cluster at 127.0.0.1:6379"),
    ],
)
def test_more_than_one_trial_or_a_cluster_is_a_usage_error(rlcli_exe, tmp_path, extra, message):
    proc = run_rlcli(rlcli_exe, *tiny_ppo_args("bad", "--local-mode", "--dry-run", *extra), env=storage_env(tmp_path))
    assert proc.returncode == 2, proc.stderr
    line = last_error_line(proc.stderr)
    assert line.startswith("Error: ") and message in line and "drop --local-mode" in line
    assert "Traceback" not in proc.stderr


def test_several_experiments_are_a_usage_error(rlcli_exe, tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.yaml").write_text(f"{name}:\n  run: PPO\n  env: CartPole-v1\n")
    proc = run_rlcli(
        rlcli_exe,
        "train",
        "--local-mode",
        "-f",
        str(tmp_path / "one.yaml"),
        "-f",
        str(tmp_path / "two.yaml"),
        env=storage_env(tmp_path),
    )
    assert proc.returncode == 2, proc.stderr
    assert last_error_line(proc.stderr).startswith(
        "Error: --local-mode runs one trial, but 2 experiments were given (one, two)"
    )
