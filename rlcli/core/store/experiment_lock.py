"""One writer per experiment directory: two ``rlcli train`` runs into the same storage never
write the same experiment.

A run claims ``<storage>/<name>/.rlcli-lock`` with an exclusive create and holds it while Tune
writes. A second run that asks for the same name by hand gets a one-line error; one whose name
was made up (``ALGO_ENV_TIMESTAMP``, equal when two runs start in the same second) takes the
next free ``_2``, ``_3``, ... A lock left by a killed run (its process is gone) is taken over, so
``--resume`` after SIGKILL works."""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rlcli.core.errors import UsageError
from rlcli.core.spec import ExperimentSpec
from rlcli.core.store.experiment_dir import has_experiment_state

LOCK_FILE = ".rlcli-lock"


class ExperimentBusy(UsageError):
    """Another live rlcli process holds the experiment."""


def _holder(lock: Path) -> tuple[int, str] | None:
    try:
        pid, _, host = lock.read_text(encoding="utf-8").strip().partition(" ")
        return int(pid), host
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    return True


def _try_claim(exp_dir: Path) -> bool:
    """Create the lock; False when a live process (here or on another host) holds it.

    The lock appears with its holder already written in it (written to a private file, then
    hard-linked into place, which fails if the lock exists): a lock is never seen empty, so a
    run that starts at the same moment never mistakes a fresh lock for a stale one."""
    exp_dir.mkdir(parents=True, exist_ok=True)
    lock = exp_dir / LOCK_FILE
    me = f"{os.getpid()} {socket.gethostname()}"
    mine = exp_dir / f"{LOCK_FILE}.{os.getpid()}"
    mine.write_text(me, encoding="utf-8")
    try:
        for _ in range(2):
            try:
                os.link(mine, lock)
                return True
            except FileExistsError:
                if _held_by_another(lock):
                    return False
                lock.unlink(missing_ok=True)  # stale: its process is gone
        return False
    finally:
        mine.unlink(missing_ok=True)


def _held_by_another(lock: Path) -> bool:
    holder = _holder(lock)
    if holder is None:  # damaged (locks appear complete, so no writer is midway): stale
        return False
    pid, host = holder
    return host != socket.gethostname() or (pid != os.getpid() and _alive(pid))


def _used(exp_dir: Path) -> bool:
    """The directory exists with something in it: a made-up name another run already took."""
    return exp_dir.is_dir() and any(exp_dir.iterdir())


@contextmanager
def claimed(spec: ExperimentSpec) -> Iterator[ExperimentSpec]:
    """Hold the experiment's lock while training; yields the spec (renamed when its made-up
    name, ``spec.auto_named``, was taken by a concurrent run)."""
    auto_named = spec.auto_named
    candidate, n = spec, 1
    while True:
        if auto_named and n < 100 and _used(candidate.path):
            pass  # another run's, even before Tune has written its state there: take the next name
        elif _try_claim(candidate.path):
            if not (auto_named and has_experiment_state(candidate.path)):
                break
            (candidate.path / LOCK_FILE).unlink(missing_ok=True)  # an older run's: take the next name
        elif not auto_named or n >= 100:
            holder = _holder(candidate.path / LOCK_FILE)
            who = f"process {holder[0]} on {holder[1]}" if holder else "another rlcli run"
            raise ExperimentBusy(
                f"Experiment '{candidate.name}' in {candidate.storage_path} is being written by {who}.",
                "Wait for it to finish, or pass --name NEW_NAME.",
            )
        n += 1
        candidate = dataclasses.replace(spec, name=f"{spec.name}_{n}")
    try:
        yield candidate
    finally:
        (candidate.path / LOCK_FILE).unlink(missing_ok=True)
