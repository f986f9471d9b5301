"""Run ``rlcli`` as a user does and read what it wrote.

:func:`run_rlcli` runs the program in this process by default (``rlcli.cli.main``, the console
script's own function, with the environment, working directory and file descriptors a
subprocess would have), which spares each call the interpreter start and the imports of Ray,
RLlib and torch. ``process=True`` runs the installed entry point in a subprocess instead: for
the tests whose subject is the process boundary (signals, exit codes of the real script, a
fresh interpreter's imports, stdin)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

from user_modules import forget_modules_from

#: The smallest PPO that still trains: sampling in the trainer, tiny batches and network.
TINY_PPO = (
    "num_env_runners=0",
    "train_batch_size=200",
    "minibatch_size=50",
    "num_epochs=1",
    "model_config.fcnet_hiddens=[16]",
)


def run_rlcli(
    exe: str,
    *args: str,
    env: dict[str, str] | None,
    timeout: float = 240,
    cwd: Path | None = None,
    process: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``exe ARGS`` (``rlcli`` or ``rllib``): its exit code, stdout and stderr. In this process
    unless ``process`` (``timeout`` bounds only a subprocess)."""
    if process:
        return subprocess.run(
            [exe, *args], env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd
        )
    return run_in_process(Path(exe).name, list(args), env=env, cwd=cwd)


def run_in_process(
    program: str, args: list[str], env: dict[str, str], cwd: Path | None
) -> subprocess.CompletedProcess[str]:
    """``program ARGS`` through its console-script function in this process, as a subprocess
    would see it: ``env`` as the whole environment (Ray's processes started meanwhile inherit
    it), ``env``'s PYTHONPATH on ``sys.path`` (and the modules imported from there forgotten
    afterwards, as a new interpreter would not have them), ``cwd``, and fds 1 and 2 captured."""
    from rlcli.cli import main, rllib_main

    entry = rllib_main if program == "rllib" else main
    with _as_a_process(program, args, env, cwd), _captured_fds() as streams, warnings.catch_warnings():
        try:
            entry(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = streams
    return subprocess.CompletedProcess([program, *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _as_a_process(program: str, args: list[str], env: dict[str, str] | None, cwd: Path | None) -> Iterator[None]:
    """``sys.argv``, the environment (``None``: this one), ``sys.path`` and the working
    directory of a process started as ``program ARGS``; all put back afterwards."""
    saved_env, saved_cwd, saved_path, saved_argv = dict(os.environ), os.getcwd(), list(sys.path), sys.argv
    env = dict(os.environ) if env is None else env
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.argv = [program, *args]
    forget_modules_from(extra)  # imported by an earlier run or test: a new process would import them afresh
    os.environ.clear()
    os.environ.update(env)
    sys.path[:0] = extra
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        forget_modules_from(extra)


@contextlib.contextmanager
def _captured_fds() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """Whatever fds 1 and 2 receive while the block runs (Python's streams, C code, Ray's
    log lines), as the two strings a subprocess's pipes would have given."""
    texts = io.StringIO(), io.StringIO()
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        files = (out_file, err_file)
        saved_fds = [os.dup(1), os.dup(2)]
        saved_streams = sys.stdout, sys.stderr
        for fd, file in zip((1, 2), files, strict=True):
            os.dup2(file.fileno(), fd)
        sys.stdout, sys.stderr = (
            io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8", write_through=True) for fd in (1, 2)
        )
        try:
            yield texts
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = saved_streams
            for fd, saved in zip((1, 2), saved_fds, strict=True):
                os.dup2(saved, fd)
                os.close(saved)
            for file, text in zip(files, texts, strict=True):
                file.seek(0)
                text.write(file.read().decode("utf-8", errors="replace"))


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


class Served:
    """A running ``rlcli serve``: its base URL, its process, and (once stopped) its stderr."""

    def __init__(self, url: str, proc: subprocess.Popen[str], seen: str) -> None:
        self.url, self.proc, self.stderr = url, proc, seen


@contextlib.contextmanager
def served(exe: str, path: Path, *args: str, env: dict[str, str], stop: int = signal.SIGINT) -> Iterator[Served]:
    """``rlcli serve PATH`` on a free port while the block runs; then ``stop`` (Ctrl-C), and it
    must stop cleanly (exit 0, "Stopped."), unless the block stopped it itself."""
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
        seen = wait_for_line(proc, "Serving at", timeout=240)
        server = Served(f"http://127.0.0.1:{port}", proc, seen)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(stop)
        try:
            _, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    server.stderr += err
    assert proc.returncode == 0 and "Stopped." in server.stderr, server.stderr


@contextlib.contextmanager
def serving(exe: str, path: Path, *args: str, env: dict[str, str]) -> Iterator[str]:
    """``rlcli serve PATH`` on a free port while the block runs (its base URL); then Ctrl-C, and
    it must stop cleanly."""
    with served(exe, path, *args, env=env) as server:
        yield server.url
