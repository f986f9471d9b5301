"""A long run can be trusted: signals stop it cleanly, SIGKILL loses nothing past the last
checkpoint, a crashing env or trial is survived, and concurrent runs never share a directory.
Every test drives the real ``rlcli`` in its own process (session) and real Ray."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import time
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

pytestmark = pytest.mark.integration

FLAKY_ENV = '''
"""CartPole that raises at its ``crash_at``-th step: the first ``crashing_instances`` envs made
in a process, or (with ``marker``) once ever, remembered across processes and restarts."""
import os
import gymnasium as gym

made = 0


class FlakyCartPole(gym.Env):
    def __init__(self, config=None):
        config = dict(config or {})
        self.env = gym.make("CartPole-v1")
        self.observation_space, self.action_space = self.env.observation_space, self.env.action_space
        self.crash_at = int(config.get("crash_at", 150))
        self.marker = config.get("marker")
        self.steps = 0
        global made
        made += 1
        self.crashes = made <= int(config.get("crashing_instances", 3))

    def reset(self, *, seed=None, options=None):
        return self.env.reset(seed=seed, options=options)

    def step(self, action):
        self.steps += 1
        if self.steps == self.crash_at:
            if self.marker is None:
                if self.crashes:
                    raise RuntimeError("flaky env: simulated crash")
            elif not os.path.exists(self.marker):
                open(self.marker, "w").close()
                raise RuntimeError("flaky env: simulated crash (once)")
        return self.env.step(action)
'''


def _popen(exe: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [exe, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, as a shell job would be
    )


def _tiny_train_args(name: str, iterations: int, *extra: str) -> list[str]:
    return tiny_ppo_args(name, "--checkpoint-freq", "1", f"stop.training_iteration={iterations}", *extra)


def _iterations(trial: Path) -> list[int]:
    return [row["training_iteration"] for row in result_rows(trial)]


def test_sigterm_stops_cleanly_like_ctrl_c(rlcli_exe, tmp_path):
    """(Resuming after the stop is tested with Ctrl-C in test_train_e2e; the path is the same.)"""
    env = storage_env(tmp_path)
    proc = _popen(rlcli_exe, _tiny_train_args("term", 50), env)
    wait_for_line(proc, "iter    2", timeout=180)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Error: Training of term stopped; Tune saved its state." in err
    assert "rlcli train --resume --name term" in err and "Traceback" not in err
    (trial,) = trial_dirs(tmp_path / "term")
    assert 2 <= len(_iterations(trial)) < 50  # the rows so far reached the storage path
    state = sorted((tmp_path / "term").glob("experiment_state-*.json"))
    assert state and not (tmp_path / "term" / ".rlcli-lock").exists()


def test_second_ctrl_c_forces_exit_at_once(rlcli_exe, tmp_path):
    proc = _popen(rlcli_exe, _tiny_train_args("force", 200), storage_env(tmp_path))
    wait_for_line(proc, "iter    1", timeout=180)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert time.monotonic() - start < 10
    if _group_alive(proc.pid):  # Ray's processes die with their driver; clean up if one lingers
        os.killpg(proc.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigkill_then_resume_continues_from_the_last_checkpoint(rlcli_exe, tmp_path):
    env = storage_env(tmp_path)
    proc = _popen(rlcli_exe, _tiny_train_args("killed", 12, "train_batch_size=400"), env)
    wait_for_line(proc, "iter    3", timeout=240)
    # Tune copies results from its staging dir to the storage path every few seconds (rlcli: 5 s);
    # what reached the storage path is what a kill -9 may not lose. Wait for the first copy of
    # both the results and a checkpoint (on a loaded machine the checkpoint may come a copy later).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        list((tmp_path / "killed").glob("*/result.json")) and list((tmp_path / "killed").glob("*/checkpoint_*"))
    ):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and every Ray process it started
    proc.communicate(timeout=60)
    (trial,) = trial_dirs(tmp_path / "killed")
    before = _iterations(trial)
    assert before and list(trial.glob("checkpoint_*")), "nothing was written before the kill"
    assert before[-1] < 12, "the run finished before it was killed"

    resumed = run_rlcli(rlcli_exe, "train", "--resume", "--name", "killed", env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    after = _iterations(trial)
    assert after[: len(before)] == before  # nothing that reached the storage path is lost
    assert sorted(set(after)) == list(range(1, 13))  # every iteration is there, to the end
    restarted_at = after[len(before)]  # the first row after resuming
    assert restarted_at <= before[-1] + 1
    repeated = [i for i in set(after) if after.count(i) > 1]
    assert all(i >= restarted_at for i in repeated)  # only rows past the restored checkpoint repeat
    steps = [row["num_env_steps_sampled_lifetime"] for row in result_rows(trial)]
    assert steps[len(before)] == restarted_at * 400  # env steps continue from the checkpoint's
    assert steps[-1] == 12 * 400


@pytest.fixture
def flaky_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "flaky_env.py").write_text(textwrap.dedent(FLAKY_ENV))
    return storage_env(tmp_path / "results", PYTHONPATH=str(tmp_path))


def test_crashing_envs_are_recreated_with_restart_failed_env_runners(rlcli_exe, tmp_path, flaky_env):
    args = ["train", "--run", "PPO", "--env", "flaky_env:FlakyCartPole", "--name", "flaky"]
    args += ["--restart-failed-env-runners", "stop.training_iteration=3", *TINY_PPO, "num_envs_per_env_runner=1"]
    proc = run_rlcli(rlcli_exe, *args, env=flaky_env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (trial,) = trial_dirs(tmp_path / "results" / "flaky")
    rows = result_rows(trial)
    assert [r["training_iteration"] for r in rows] == [1, 2, 3]
    failures = rows[-1]["env_runners"].get("num_env_step_failures", 0)
    assert failures == 3, rows[-1]["env_runners"]  # the first 3 envs crashed, each was re-created
    assert rows[-1]["num_env_steps_sampled_lifetime"] >= 600


def test_an_errored_trial_is_restarted_from_its_checkpoint_with_max_failures(rlcli_exe, tmp_path, flaky_env):
    marker = tmp_path / "crashed-once"

    def args(name: str, *extra: str) -> list[str]:
        out = ["train", "--run", "PPO", "--env", "flaky_env:FlakyCartPole", "--name", name, "--checkpoint-freq", "1"]
        out += ["stop.training_iteration=4", *TINY_PPO, "num_envs_per_env_runner=1"]
        return [*out, "env_config.crash_at=500", f"env_config.marker={marker}", *extra]

    proc = run_rlcli(rlcli_exe, *args("retried", "--max-failures", "2"), env=flaky_env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert marker.exists()  # the env did crash, in the third iteration (200 steps each)
    (trial,) = trial_dirs(tmp_path / "results" / "retried")
    iterations = _iterations(trial)
    assert sorted(set(iterations)) == [1, 2, 3, 4] and iterations[-1] == 4
    assert result_rows(trial)[-1]["num_env_steps_sampled_lifetime"] == 4 * 200
    assert "0 errored" in proc.stdout


def test_two_runs_into_the_same_storage_at_once_do_not_clash(rlcli_exe, tmp_path):
    env = storage_env(tmp_path)
    base = ["train", "--run", "PPO", "--env", "CartPole-v1", "stop.training_iteration=1", *TINY_PPO]
    # a third, named run that goes on until interrupted, started with them: it still holds its
    # lock however long the clashing run below takes to start
    named = _popen(rlcli_exe, [*base, "--name", "shared", "stop.training_iteration=100000"], env)
    first, second = (_popen(rlcli_exe, base, env) for _ in range(2))
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    experiments = sorted(p for p in tmp_path.iterdir() if p.is_dir() and p.name != "shared")
    assert len(experiments) == 2, experiments  # same second, two names (the second gets _2 if needed)
    for exp in experiments:
        (trial,) = trial_dirs(exp)
        assert _iterations(trial) == [1]
        assert not (exp / ".rlcli-lock").exists()

    wait_for_line(named, "iter    1", timeout=180)
    clash = run_rlcli(rlcli_exe, *base, "--name", "shared", env=env)
    named.send_signal(signal.SIGINT)
    named.communicate(timeout=120)
    assert clash.returncode == 2
    assert last_error_line(clash.stderr).startswith("Error: Experiment 'shared'")
    assert "being written by process" in clash.stderr
