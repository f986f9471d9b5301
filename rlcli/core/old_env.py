"""Old Tune/RLlib environment variables that Ray 2.60 rejects or ignores, and what rlcli does with each.

Old Tune docs and scripts export variables such as ``TUNE_RESULT_DIR``. Ray 2.60 treats them in
one of three ways, read from the installed source (``ray/tune/tune.py``, ``ray/tune/constants.py``,
``ray/rllib/utils/test_utils.py``):

* **rejected**: ``tune.run`` (which ``Tuner.fit`` calls) raises ``DeprecationWarning`` when
  ``TUNE_RESULT_DIR`` or ``RAY_AIR_LOCAL_CACHE_DIR`` is set, so every run would end in an
  internal error. Both used to name where results go; rlcli honours them as the default storage
  path (after ``--storage-path``, a file's ``storage_path``/``local_dir`` and
  ``$RLCLI_STORAGE_PATH``) and takes them out of the environment before Tune runs.
* **ignored**: variables old Tune versions read and 2.60 reads nowhere (syncing, placement-group
  and executor knobs of the old execution engine). Setting one has no effect; rlcli says so once.
* **test helpers only**: ``RLLIB_NUM_GPUS`` is read by RLlib's test helper
  (``check_reproducibilty``) and its old-API-stack examples, not by RLlib's training code nor by
  the new-stack example runner (``ray.rllib.examples.utils``); rlcli says it has no effect.

:data:`OLD_ENV_VARS` is the one table; docs/train.md#old-environment-variables lists it, and
tests/unit/test_old_env.py checks it against the installed Ray.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Treatment = Literal["storage", "ignored"]


@dataclass(frozen=True)
class OldEnvVar:
    """One old variable: its name, how Ray 2.60 treats it, and what rlcli says about it."""

    name: str
    treatment: Treatment
    #: What it meant in old Ray, and what replaces it (ends the notice).
    meaning: str


OLD_ENV_VARS: tuple[OldEnvVar, ...] = (
    # Rejected by tune.run with DeprecationWarning: honoured as the default storage path.
    OldEnvVar("TUNE_RESULT_DIR", "storage", "old Tune's results directory"),
    OldEnvVar("RAY_AIR_LOCAL_CACHE_DIR", "storage", "old Ray AIR's local results directory"),
    # Read by old Tune, read nowhere in Ray 2.60.
    OldEnvVar("TUNE_CLUSTER_SSH_KEY", "ignored", "Tune syncs through the storage path, not over SSH"),
    OldEnvVar("TUNE_DISABLE_AUTO_CALLBACK_SYNCER", "ignored", "Tune 2.60 has no syncer callback"),
    OldEnvVar("TUNE_SYNCER_VERBOSITY", "ignored", "Tune 2.60 has no Docker syncer"),
    OldEnvVar("TUNE_SYNC_DISABLE_BOOTSTRAP", "ignored", "Tune 2.60 has no Docker syncer"),
    OldEnvVar("TUNE_NODE_SYNCING_MIN_ITER_THRESHOLD", "ignored", "Tune 2.60 does not sync between nodes"),
    OldEnvVar("TUNE_NODE_SYNCING_MIN_TIME_S_THRESHOLD", "ignored", "Tune 2.60 does not sync between nodes"),
    OldEnvVar("TUNE_CHECKPOINT_CLOUD_RETRY_NUM", "ignored", "checkpoints are written to the storage path directly"),
    OldEnvVar(
        "TUNE_CHECKPOINT_CLOUD_RETRY_WAIT_TIME_S", "ignored", "checkpoints are written to the storage path directly"
    ),
    OldEnvVar("TUNE_FALLBACK_TO_LATEST_CHECKPOINT", "ignored", "a restore always uses the latest checkpoint"),
    OldEnvVar("TUNE_GET_EXECUTOR_EVENT_WAIT_S", "ignored", "the old trial executor is gone"),
    OldEnvVar("TUNE_NEW_EXECUTION", "ignored", "the old execution engine is gone"),
    OldEnvVar("TUNE_TRIAL_STARTUP_GRACE_PERIOD", "ignored", "the old trial executor is gone"),
    OldEnvVar("TUNE_TRIAL_RESULT_WAIT_TIME_S", "ignored", "the old trial executor is gone"),
    OldEnvVar("TUNE_PLACEMENT_GROUP_AUTO_DISABLED", "ignored", "trials always run in placement groups"),
    OldEnvVar("TUNE_PLACEMENT_GROUP_CLEANUP_DISABLED", "ignored", "the old trial executor is gone"),
    OldEnvVar("TUNE_PLACEMENT_GROUP_WAIT_S", "ignored", "the old trial executor is gone"),
    # Still listed in ray/tune/constants.py's TUNE_ENV_VARS, but read nowhere.
    OldEnvVar("TUNE_PLACEMENT_GROUP_PREFIX", "ignored", "Tune 2.60 names its placement groups itself"),
    OldEnvVar("TUNE_PLACEMENT_GROUP_RECON_INTERVAL", "ignored", "Tune 2.60 does not reconcile placement groups"),
    # Read by RLlib's test helper and old-stack examples only.
    OldEnvVar(
        "RLLIB_NUM_GPUS",
        "ignored",
        "only RLlib's test helpers and old-stack examples read it; use --num-gpus-per-learner",
    ),
)

BY_NAME = {var.name: var for var in OLD_ENV_VARS}
#: The variables ``tune.run`` raises on; taken out of the environment while rlcli trains.
REJECTED = tuple(var.name for var in OLD_ENV_VARS if var.treatment == "storage")


def old_storage_path(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(name, value)`` of the first old results-directory variable set, or None."""
    environ = os.environ if environ is None else environ
    for name in REJECTED:
        if environ.get(name, "").strip():
            return name, environ[name].strip()
    return None


def as_storage_path(value: str) -> str:
    """A storage path as rlcli keeps it: a URI (``s3://...``) as given, a local path absolute."""
    return value.rstrip("/") if "://" in value else os.path.abspath(os.path.expanduser(value))


def storage_notice(chosen: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The one line about ``TUNE_RESULT_DIR`` (or ``RAY_AIR_LOCAL_CACHE_DIR``) for a run whose
    storage path is ``chosen``: honoured, or overridden by something the user named."""
    found = old_storage_path(environ)
    if found is None:
        return None
    name, value = found
    if as_storage_path(value) == chosen:
        return (
            f"{name}={value}: Ray 2.60's Tune no longer reads it ({BY_NAME[name].meaning}); "
            "rlcli writes experiments there, as old Tune did (--storage-path overrides it)"
        )
    return f"{name}={value} is not used: the storage path is {chosen}"


def ignored_notices(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line for each set variable Ray 2.60's training reads nowhere."""
    environ = os.environ if environ is None else environ
    lines = []
    for var in OLD_ENV_VARS:
        if var.name not in environ or var.treatment == "storage":
            continue
        lines.append(f"{var.name} is set, but Ray 2.60 does not read it ({var.meaning}); it has no effect")
    return lines


class without_rejected:
    """Context manager: the variables ``tune.run`` raises on are out of ``os.environ`` inside."""

    def __enter__(self) -> None:
        self._saved = {name: os.environ.pop(name) for name in REJECTED if name in os.environ}

    def __exit__(self, *exc: object) -> None:
        os.environ.update(self._saved)
