"""Run the installed ``rlcli`` in a subprocess and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

#: The smallest PPO that still trains: sampling in the trainer, tiny batches and network.
TINY_PPO = (
    "num_env_runners=0",
    "train_batch_size=200",
    "minibatch_size=50",
    "num_epochs=1",
    "model_config.fcnet_hiddens=[16]",
)


def run_rlcli(
    exe: str, *args: str, env: dict[str, str], timeout: float = 240, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [exe, *args], env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd
    )


def storage_env(storage: Path, **extra: str) -> dict[str, str]:
    """This process's environment with rlcli's results going to ``storage`` (and without the
    developer switches that change what rlcli prints or writes)."""
    env = {k: v for k, v in os.environ.items() if k not in ("RLCLI_DEBUG", "RLCLI_TIMINGS")}
    return dict(env, RLCLI_STORAGE_PATH=str(storage), **extra)


def tiny_ppo_args(name: str, *extra: str) -> list[str]:
    """The arguments of ``rlcli train`` of the tiny PPO on CartPole-v1 as experiment ``name``."""
    return ["train", "--run", "PPO", "--env", "CartPole-v1", "--name", name, *TINY_PPO, *extra]


def train_tiny_ppo(exe: str, name: str, *extra: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``rlcli train`` of the tiny PPO on CartPole-v1 as experiment ``name``, plus ``extra`` args."""
    return run_rlcli(exe, *tiny_ppo_args(name, *extra), env=env)


def trial_dirs(exp_dir: Path) -> list[Path]:
    return sorted(p for p in exp_dir.iterdir() if p.is_dir() and (p / "params.json").exists())


def result_rows(trial_dir: Path) -> list[dict]:
    text = (trial_dir / "result.json").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def last_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float) -> str:
    """Read ``proc``'s stderr until a line contains ``needle``; what was read, or AssertionError."""
    seen, deadline = "", time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"never saw {needle!r}; output so far:\n{seen}")
