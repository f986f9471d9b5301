"""Which experiment a run writes: ``--resume`` continues an existing one (named, or the newest
of the same algorithm and env), a run without it never writes into one. Both rules, for Tune
and ``--local-mode`` alike, are here; checked before anything is written into the storage path.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rlcli.core import remote_storage
from rlcli.core.errors import UsageError
from rlcli.core.spec import ExperimentSpec
from rlcli.core.store.experiment_dir import find_latest_experiment, has_experiment_state
from rlcli.core.train.local_state import is_local_mode


def resolve_resume_target(spec: ExperimentSpec, named: bool) -> ExperimentSpec:
    """The experiment ``--resume`` continues: the named one, or without ``--name`` the newest of
    the same algo and env. Checked before anything is written into the storage path; the name
    is the user's (or an existing experiment's), never one to replace with ``_2``."""
    if spec.remote:
        remote_storage.pull(spec.location)
    if has_experiment_state(spec.path):
        return dataclasses.replace(spec, auto_named=False)
    if named:
        raise UsageError(f"Nothing to resume at '{spec.location}'.", "Check --name and --storage-path.")
    if spec.remote:
        raise UsageError(f"Nothing to resume at '{spec.location}'.", "Check --name and --storage-path.")
    latest = find_latest_experiment(spec)
    if latest is None:
        raise UsageError(
            f"Nothing to resume: no experiment of {spec.algorithm} on {spec.env} under {spec.storage_path}.",
            "Pass --name NAME (and --storage-path) of the experiment to continue.",
        )
    return dataclasses.replace(spec, name=latest, auto_named=False)


def resume_hint(exp_dir: Path) -> str:
    """The fix for "nothing to resume" on the Tune path: a local-mode experiment resumes with
    ``--local-mode``."""
    if is_local_mode(exp_dir):
        return "It was trained with --local-mode: add --local-mode to --resume it."
    return "Check --name and --storage-path."


def refuse_existing(spec: ExperimentSpec) -> None:
    """A run without ``--resume`` starts a new experiment: never one into an existing one's dir."""
    if has_experiment_state(spec.path):
        raise UsageError(
            f"Experiment '{spec.name}' already exists in {spec.storage_path}.",
            "Pass --resume to continue it, or --name NEW_NAME for a new experiment.",
        )
