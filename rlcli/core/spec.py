"""Typed, frozen specs: the one source of truth between the command line and the core."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlcli.core import old_env, remote_storage

DEFAULT_METRIC = "env_runners/episode_return_mean"


def default_storage_path() -> str:
    """``$RLCLI_STORAGE_PATH``, else old Tune's ``$TUNE_RESULT_DIR`` (which Tune 2.60 rejects;
    see :mod:`rlcli.core.old_env`), else Tune's own default, ``~/ray_results``."""
    old = old_env.old_storage_path()
    chosen = os.environ.get("RLCLI_STORAGE_PATH") or (old[1] if old else None) or "~/ray_results"
    return old_env.as_storage_path(chosen)


@dataclass(frozen=True)
class CheckpointSpec:
    """When Tune saves checkpoints and which ones it keeps."""

    frequency: int = 0
    at_end: bool = True
    keep: int | None = None
    score_attr: str | None = None
    score_order: str = "max"


@dataclass(frozen=True)
class Tracking:
    """Where the trials' runs are logged besides their trial dirs (``--wandb-*``, ``--mlflow``)."""

    wandb_project: str | None = None
    wandb_key: str | None = None
    wandb_run_name: str | None = None
    wandb_group: str | None = None
    mlflow: bool = False
    mlflow_tracking_uri: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.wandb_project or self.mlflow)


@dataclass(frozen=True)
class ExperimentSpec:
    """One resolved experiment: everything ``rlcli train`` hands to Tune."""

    name: str
    algorithm: str
    env: str | dict[str, Any] | None  # a gymnasium id / module:Class, or {grid_search: [ids]}
    env_config: dict[str, Any]
    config: dict[str, Any]
    stop: dict[str, float]
    checkpoint: CheckpointSpec
    storage_path: str
    num_samples: int = 1
    max_failures: int = 0
    source: str = "command line"
    #: The name was made up (ALGO_ENV_TIMESTAMP), so a clash may pick another.
    auto_named: bool = False
    #: ``--restore CKPT``: every trial starts from this checkpoint's RLModule weights.
    restore: str | None = None
    #: ``--scheduler NAME`` (a name Tune's ``create_scheduler`` takes) and its keyword arguments.
    scheduler: str | None = None
    scheduler_config: dict[str, Any] = field(default_factory=dict)
    #: ``--search-alg NAME`` (a name Tune's ``create_searcher`` takes) and its keyword arguments.
    search_alg: str | None = None
    search_config: dict[str, Any] = field(default_factory=dict)
    #: ``--max-concurrent-trials``: at most this many trials at once (None: as resources allow).
    max_concurrent_trials: int | None = None
    #: ``--video-every N`` / ``monitor: true``: an MP4 of one greedy episode every N iterations.
    video_every: int | None = None
    tracking: Tracking = field(default_factory=Tracking)

    @property
    def path(self) -> Path:
        """The experiment directory Tune writes, ``<storage_path>/<name>``; with remote storage
        (``s3://...``) its local mirror, which rlcli reads and writes (:mod:`remote_storage`)."""
        if remote_storage.is_remote(self.storage_path):
            return remote_storage.mirror_dir(self.location)
        return Path(self.storage_path) / self.name

    @property
    def remote(self) -> bool:
        return remote_storage.is_remote(self.storage_path)

    @property
    def location(self) -> str:
        """Where the experiment is: its URI with remote storage, else its directory."""
        if remote_storage.is_remote(self.storage_path):
            return remote_storage.join(self.storage_path, self.name)
        return str(Path(self.storage_path) / self.name)

    @property
    def env_ids(self) -> list[str]:
        """Every env the experiment runs (several when the file grid-searches over envs)."""
        if isinstance(self.env, dict):
            return list(self.env.get("grid_search", []))
        return [self.env] if self.env else []


@dataclass(frozen=True)
class RayOptions:
    """How to reach Ray: a fresh local instance (default) or an existing cluster."""

    address: str | None = None
    num_cpus: int | None = None
    num_gpus: int | None = None
    verbose: bool = False
    #: ``--ray-num-nodes``: emulate a cluster of this many nodes here (each with ``num_cpus``).
    num_nodes: int | None = None
    object_store_memory: int | None = None
    #: ``--ray-ui``: start Ray's dashboard.
    dashboard: bool = False
    #: ``--ray-runtime-env``: Ray's runtime environment for every worker (e.g. ``working_dir``,
    #: ``py_modules``: the user's code shipped to a cluster's nodes).
    runtime_env: dict[str, Any] | None = None

    @property
    def joins_cluster(self) -> bool:
        return bool(self.address) and self.address != "local"

    @property
    def total_cpus(self) -> int | None:
        """CPUs of the Ray to start: per node times nodes when emulating a cluster."""
        if self.num_nodes:
            return (self.num_cpus or 1) * self.num_nodes
        return self.num_cpus


@dataclass(frozen=True)
class TrainRequest:
    """A whole ``rlcli train`` invocation, resolved."""

    experiments: tuple[ExperimentSpec, ...]
    ray: RayOptions = field(default_factory=RayOptions)
    resume: bool = False
    command_line: tuple[str, ...] = ()
    #: Reported metrics the live progress shows besides the returns (``--show-metric``).
    show_metrics: tuple[str, ...] = ()
    #: ``--local-mode`` / ``--no-tune``: one trial inside this process, no Tune trial actor, so
    #: ``breakpoint()`` in user code stops (see :mod:`rlcli.core.train.local_mode`).
    local_mode: bool = False


@dataclass(frozen=True)
class ProgressRow:
    """One result of one trial, as the live table shows it."""

    trial: str
    iteration: int
    episode_return: float | None
    env_steps: int
    time_s: float
    #: rlcli's mean over the last N (default 100) episodes (``rlcli/episode_return_rolling_mean``).
    rolling_return: float | None = None
    #: N: how many episodes that mean covers (fewer than the window early in a run).
    rolling_episodes: int | None = None
    #: ``--show-metric`` values: (flattened metric name, value or None when not reported).
    extra: tuple[tuple[str, float | None], ...] = ()


#: The status rlcli shows for a trial its scheduler stopped before the stop criteria were met
#: (Tune marks it TERMINATED, like a trial that ran to the end).
EARLY_STOPPED = "EARLY_STOPPED"


@dataclass(frozen=True)
class TrialSummary:
    """What the end-of-run summary needs about one trial."""

    name: str
    status: str
    iterations: int
    env_steps: int
    best_return: float | None
    last_return: float | None
    best_checkpoint: str | None
    error_file: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ExperimentResult:
    """The outcome of one experiment."""

    spec: ExperimentSpec
    trials: tuple[TrialSummary, ...]
    interrupted: bool = False
    already_finished: bool = False
    #: The experiment's best checkpoint on disk (the rule ``rollout EXP`` uses), or None.
    best_checkpoint: str | None = None

    @property
    def errored(self) -> tuple[TrialSummary, ...]:
        return tuple(t for t in self.trials if t.error_file or t.status == "ERROR")

    @property
    def stopped_early(self) -> tuple[TrialSummary, ...]:
        return tuple(t for t in self.trials if t.status == EARLY_STOPPED)

    @property
    def best(self) -> TrialSummary | None:
        scored = [(t.best_return, t) for t in self.trials if t.best_return is not None]
        return max(scored, key=lambda item: item[0])[1] if scored else None
