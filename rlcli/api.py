"""rlcli as a library: the calls a Python user or a notebook wants, and exactly the calls the
commands make (each command parses its options, makes one of these calls, renders the result).

    import rlcli
    results = rlcli.train(run="PPO", env="CartPole-v1", overrides=("stop.training_iteration=5",))
    best = rlcli.best_checkpoint("~/ray_results/my-exp")
    result = rlcli.rollout(best.path, episodes=20)
    trials = rlcli.load_trials("~/ray_results/my-exp")

Ray, Tune and RLlib are imported inside the calls that need them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlcli.core import remote_storage
from rlcli.core.spec import ExperimentResult, RayOptions, TrainRequest

if TYPE_CHECKING:
    from rlcli.core.analysis.table import Table, TableQuery
    from rlcli.core.analysis.trials import BestCheckpoint, TrialRecord
    from rlcli.core.config.experiments import TrainInputs
    from rlcli.core.deploy.exporter import ExportResult
    from rlcli.core.rollout.policy import RolloutResult
    from rlcli.core.train.prepare import PreparedExperiment
    from rlcli.core.train.progress_sink import ProgressSink

Notice = Callable[[str], None]


def _ignore(message: str) -> None:
    """The default notice and warning sink of library calls: say nothing."""


def train_request(
    inputs: TrainInputs | None = None,
    *,
    ray: RayOptions | None = None,
    resume: bool = False,
    show_metrics: tuple[str, ...] = (),
    command_line: tuple[str, ...] = (),
    local_mode: bool = False,
    notice: Notice = _ignore,
    **fields: Any,
) -> TrainRequest:
    """The resolved experiments of a ``train`` invocation: ``inputs`` (or its fields as keywords:
    ``run``, ``env``, ``files``, ``config``, ``stop``, ``overrides``, ...; ``config`` and ``stop``
    are text as the flags take them, JSON/YAML or a file path), legacy keys translated (each
    translation reported through ``notice``). Starts no Ray."""
    from rlcli.core.config.experiments import TrainInputs, build_specs, resume_inputs

    inputs = dataclasses.replace(inputs, **fields) if inputs is not None else TrainInputs(**fields)
    if resume:
        inputs = resume_inputs(inputs)
    built = build_specs(inputs)
    for message in built.notices:
        notice(message)
    return TrainRequest(
        experiments=built.specs,
        ray=ray or RayOptions(),
        resume=resume,
        command_line=command_line,
        show_metrics=show_metrics,
        local_mode=local_mode,
    )


def plan(request: TrainRequest) -> list[PreparedExperiment]:
    """What ``train`` would run, resolved and validated by RLlib, without starting Ray (``--dry-run``)."""
    from rlcli.core.train.dispatch import plan as plan_experiments

    return plan_experiments(request)


def train(
    request: TrainRequest | None = None,
    *,
    progress: ProgressSink | None = None,
    notice: Notice = _ignore,
    **fields: Any,
) -> list[ExperimentResult]:
    """Run the experiments as Ray Tune experiments (a fresh local Ray, or ``request.ray.address``).
    ``progress`` receives live results (a :class:`rlcli.core.train.progress_sink.ProgressSink`;
    by default nothing is shown)."""
    from rlcli.core.train.dispatch import run_request
    from rlcli.core.train.progress_sink import SilentProgress

    request = request if request is not None else train_request(notice=notice, **fields)
    return run_request(request, progress or SilentProgress(), notice)


def rollout(
    path: str | Path,
    *,
    which: str = "best",
    metric: str | None = None,
    mode: str = "max",
    notice: Notice = _ignore,
    **options: Any,
) -> RolloutResult:
    """Evaluate the checkpoint ``path`` names (a checkpoint, or a trial/experiment dir's best or
    last one). ``options`` are :class:`rlcli.core.rollout.policy.RolloutSpec` fields: ``episodes``
    (default 10), ``steps``, ``explore``, ``num_envs``, ``seed``, ``env``, ``env_config``,
    ``engine``, ``out``, ``video_dir``, ``render``, ``run`` (checked against the checkpoint), and
    for the old ``rllib rollout`` command lines ``config`` (a mapping merged into the rollout),
    ``save_info``, ``use_shelve`` and ``track_progress`` (``out`` in the old pickle format)."""
    from rlcli.core.rollout.runner import rollout_checkpoint
    from rlcli.core.store.checkpoints import Selection

    return rollout_checkpoint(path, Selection(which=which, metric=metric or "", mode=mode), notice, **options)


def export(
    path: str | Path,
    fmt: str,
    output: str | Path,
    *,
    samples: int = 500,
    seed: int = 0,
    which: str = "best",
    metric: str | None = None,
    mode: str = "max",
    notice: Notice = _ignore,
) -> ExportResult:
    """Write the greedy policy of the checkpoint ``path`` names to ``output`` (``fmt``: ``onnx``
    or ``torchscript``), kept only if its actions equal rollout's on ``samples`` observations."""
    from rlcli.core.deploy.exporter import export_policy
    from rlcli.core.store.checkpoints import Selection

    selection = Selection(which=which, metric=metric or "", mode=mode)
    return export_policy(path, fmt, Path(output), selection, samples=samples, seed=seed, notice=notice)


def load_trials(
    paths: str | Path | tuple[str | Path, ...],
    metric: str | None = None,
    columns: tuple[str, ...] | None = None,
    warn: Notice = _ignore,
) -> list[TrialRecord]:
    """The trials of one or more experiment dirs (each read once), read without Ray and without
    unpickling; what could not be read is reported through ``warn``."""
    from rlcli.core.analysis.trials import BASE_COLUMNS
    from rlcli.core.analysis.trials import load_trials as load
    from rlcli.core.store.checkpoints import resolve_metric

    metric = resolve_metric(metric)
    records: list[TrialRecord] = []
    seen: set[Path] = set()
    for path in (paths,) if isinstance(paths, (str, Path)) else paths:
        if remote_storage.is_remote(path):
            path = remote_storage.pull(str(path))  # its local mirror (results, no checkpoint files)
        resolved = Path(path).expanduser().resolve()
        if resolved not in seen:
            seen.add(resolved)
            records.extend(load(path, metric, columns or BASE_COLUMNS))
    for record in records:
        for warning in record.warnings:
            warn(warning)
    return records


def best_checkpoint(
    path: str | Path, metric: str | None = None, mode: str = "max", scope: str = "all", warn: Notice = _ignore
) -> BestCheckpoint:
    """The checkpoint on disk whose own reported result is best (the rule the training summary
    and ``rollout`` use); ``scope`` ``last`` / ``avg-last-N`` ranks trials by that score first."""
    from rlcli.core.analysis.trials import best_checkpoint as best
    from rlcli.core.store.checkpoints import resolve_metric

    metric = resolve_metric(metric)
    found = best(load_trials(path, metric, ("training_iteration",), warn), metric, mode, scope)
    if remote_storage.is_remote(path):  # the checkpoint's own place, not its marker in the mirror
        return dataclasses.replace(found, path=remote_storage.to_uri(Path(found.path), str(path)))
    return found


def trial_table(path: str | Path, query: TableQuery, warn: Notice = _ignore) -> Table:
    """The ``analyze trials`` table of an experiment dir."""
    from rlcli.core.analysis.table import trial_table as table
    from rlcli.core.analysis.trials import BASE_COLUMNS

    records = load_trials(path, query.metric, warn=warn)
    return table(records, query, lambda extra: load_trials(path, query.metric, (*BASE_COLUMNS, *extra), warn))
