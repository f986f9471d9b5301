"""Offline data for BC, MARWIL, CQL and IQL: where it is, what format, and what Ray needs to read it.

An experiment names its data in ``input_`` (the old ``input``/``input_config`` keys were already
translated by :mod:`rlcli.core.legacy.offline_input`): local files, a ``.zip`` of old JSON files
(Ray Data cannot read a zip) or a remote URI. Everything here runs before Ray starts, so a
missing file is one clear line instead of an error deep inside Ray Data."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.spec import ExperimentSpec


def input_paths(config: dict[str, Any]) -> list[str]:
    """The local or remote paths an offline config reads (``[]`` for online configs). Legacy
    ``input``/``input_config`` were already turned into ``input_`` by the translation."""
    value = config.get("input_")
    if isinstance(value, str):
        return [] if value == "sampler" else [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def is_offline(spec: ExperimentSpec) -> bool:
    return bool(input_paths(spec.config))


def _map_inputs(config: dict[str, Any], fn: Callable[[str], str]) -> dict[str, Any]:
    """``config`` with ``fn`` applied to each offline input path, keeping str-or-list shape."""
    value = config.get("input_")
    if isinstance(value, str) and value != "sampler":
        return {**config, "input_": fn(value)}
    if isinstance(value, list):
        return {**config, "input_": [fn(v) if isinstance(v, str) else v for v in value]}
    return config


def anchor_inputs(config: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Relative data paths in an experiment file mean "next to this file" when they are not
    found from the current directory, so ``tuned_examples/bc/*.yaml`` run from anywhere."""

    def anchored(path: str) -> str:
        if "://" in path or os.path.isabs(path) or Path(path).exists():
            return path
        candidate = base_dir / path
        return str(candidate.resolve()) if candidate.exists() else path

    return _map_inputs(config, anchored)


#: Batches a local learner trains on per iteration when the file does not say (RLlib 2.60
#: requires the key with ``num_learners=0``; the old stack had no such setting).
DEFAULT_ITERS_PER_LEARNER = 10


def prepare_inputs(spec: ExperimentSpec, cache_dir: Path | None = None) -> tuple[ExperimentSpec, list[str]]:
    """Name missing data before anything starts; unpack ``.zip`` inputs (old RLlib shipped its
    datasets zipped) into a cache once, since Ray Data cannot read them; fill in the one setting
    RLlib 2.60 requires of a local learner. Returns the spec and notices."""
    notices = []
    if not spec.config.get("num_learners") and spec.config.get("dataset_num_iters_per_learner") is None:
        spec = dataclasses.replace(
            spec, config={**spec.config, "dataset_num_iters_per_learner": DEFAULT_ITERS_PER_LEARNER}
        )
        notices.append(
            f"{spec.name}: dataset_num_iters_per_learner={DEFAULT_ITERS_PER_LEARNER} "
            "(batches per iteration; RLlib 2.60 needs it with a local learner)"
        )

    def checked(path: str) -> str:
        if "://" in path:
            return path
        if path.startswith("d4rl."):
            raise UsageError(
                f"{spec.name}: offline input '{path}' is a D4RL dataset, which needs the d4rl package.",
                "pip install d4rl (and its MuJoCo setup), or point input at local episode files.",
            )
        local = Path(path).expanduser()
        if not local.exists():
            raise UsageError(
                f"{spec.name}: offline input '{path}' does not exist.",
                "Record episodes first (rlcli rollout CHECKPOINT --out FILE.parquet) and point input at them.",
            )
        return str(_unzipped(local, cache_dir)) if local.suffix == ".zip" else str(local)

    return dataclasses.replace(spec, config=_map_inputs(spec.config, checked)), notices


def _unzipped(archive: Path, cache_dir: Path | None) -> Path:
    """The archive's JSON files in ``~/.cache/rlcli/offline/<digest>/`` (extracted once, into a
    temp dir renamed into place, so an interrupted extraction never leaves half a dataset)."""
    import hashlib  # only zip inputs need these; keep them off every train's start-up
    import shutil
    import zipfile

    stat = archive.stat()
    digest = hashlib.sha1(f"{archive.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    root = cache_dir or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rlcli" / "offline"
    target = root / f"{archive.stem}-{digest}"
    if target.is_dir():
        return target
    staging = root / f".{target.name}.{os.getpid()}.tmp"
    try:
        staging.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                name = Path(member.filename)
                if member.is_dir() or name.is_absolute() or ".." in name.parts:
                    continue  # a path meant to escape is not data; the rest is flattened
                with zf.open(member) as src, open(staging / name.name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        os.replace(staging, target)
    except zipfile.BadZipFile:
        raise UsageError(f"Offline input '{archive}' is not a readable zip file.", "Check the file.") from None
    except OSError as exc:
        if target.is_dir():  # another run extracted it meanwhile
            return target
        raise UsageError(f"Could not unpack '{archive}': {exc}.", "Check disk space and permissions.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone after the rename; debris after a failure
    return target


def cpus_needed(spec: ExperimentSpec, trial_cpus: float) -> int:
    """Logical CPUs one offline trial needs on a local Ray: its own request (trainer, learners,
    evaluation env runners), RLlib's OfflinePreLearner map workers (``max(2, num_learners)``),
    and one for Ray Data's read tasks. With fewer, the read tasks wait forever for a CPU."""
    learners = spec.config.get("num_learners", 0)
    map_workers = max(2, learners if isinstance(learners, int) else 0)
    return math.ceil(trial_cpus) + map_workers + 1
