"""Run the installed ``rlcli`` in a subprocess and read what it wrote."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
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


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post_json(url: str, body: bytes) -> tuple[int, dict]:
    """POST ``body`` as JSON: the status and the decoded answer (error answers too)."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(json.loads(response.read()))


@contextlib.contextmanager
def serving(exe: str, path: Path, *args: str, env: dict[str, str]) -> Iterator[str]:
    """``rlcli serve PATH`` on a free port while the block runs (its base URL); then Ctrl-C, and
    it must stop cleanly."""
    port = free_port()
    proc = subprocess.Popen(
        [exe, "serve", str(path), "--port", str(port), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_line(proc, "Serving at", timeout=240)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        assert proc.returncode == 0 and "Stopped." in err, err
