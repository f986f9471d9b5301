"""``--local-mode`` / ``--no-tune``: one trial run inside the rlcli process, for debugging.

Why: Ray removed ``local_mode``, and under Tune a trial runs in an actor process, where a
``breakpoint()`` in the user's env, RLModule or callback never reaches the user's terminal. Here
the Algorithm (a Tune Trainable) is built and trained on the main thread of this process, its
env runner and learner local, and the trial is written where and as Tune writes it
(:mod:`rlcli.core.train.local_trial`), so ``rollout``, ``analyze`` and ``--resume`` read it
unchanged. Ray itself is still started locally, as usual: RLlib's EnvRunnerGroup puts its
config into Ray's object store even when no remote runner exists.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from rlcli.core import searchspace
from rlcli.core.errors import UsageError
from rlcli.core.spec import ExperimentResult, ExperimentSpec, TrainRequest
from rlcli.core.store.experiment_lock import claimed
from rlcli.core.train.prepare import check_storage
from rlcli.core.train.progress_sink import Notice, ProgressSink
from rlcli.core.train.ray_session import shutdown_ray, start_ray_and_prepare
from rlcli.core.train.resume_target import resolve_resume_target

#: Settings that would put the user's code in other processes; --local-mode runs them here.
LOCAL_KEYS = ("num_env_runners", "num_learners", "evaluation_num_env_runners")


def check_request(request: TrainRequest) -> ExperimentSpec:
    """The one experiment of one trial a local-mode run allows; a usage error for anything more
    (also at ``--dry-run``)."""
    if request.ray.joins_cluster:
        raise UsageError(
            f"--local-mode runs the trial in this process, so it cannot use the cluster at {request.ray.address}.",
            "Drop --ray-address (or drop --local-mode to train on the cluster).",
        )
    if len(request.experiments) != 1:
        names = ", ".join(spec.name for spec in request.experiments)
        raise UsageError(
            f"--local-mode runs one trial, but {len(request.experiments)} experiments were given ({names}).",
            "Pass one experiment (one -f file with one entry), or drop --local-mode.",
        )
    spec = request.experiments[0]
    if spec.scheduler:
        raise UsageError(
            f"--scheduler {spec.scheduler} decides between trials, and --local-mode runs one.",
            "Drop --scheduler, or drop --local-mode.",
        )
    trials = searchspace.count_trials(spec.config, spec.num_samples) * max(1, len(spec.env_ids))
    if trials > 1:
        raise UsageError(
            f"--local-mode runs one trial, but {spec.name} has {trials} (num_samples x grid_search x envs).",
            "Use --num-samples 1 and one value per grid_search and env, or drop --local-mode.",
        )
    return spec


def local_spec(spec: ExperimentSpec) -> tuple[ExperimentSpec, tuple[str, ...]]:
    """The spec with env runners and learner in this process (``num_env_runners=0``,
    ``num_learners=0``), and one notice naming what the user had asked for instead."""
    asked = {key: spec.config[key] for key in LOCAL_KEYS if _positive(spec.config.get(key))}
    config = {**spec.config, "num_env_runners": 0, "num_learners": 0}
    if "evaluation_num_env_runners" in asked:
        config.update(evaluation_num_env_runners=0, evaluation_parallel_to_training=False)
    notices: tuple[str, ...] = ()
    if asked:
        listed = ", ".join(f"{key}={value}" for key, value in asked.items())
        notices = (f"{spec.name}: --local-mode runs env runners and learner in this process; 0 instead of {listed}",)
    if spec.tracking.enabled:
        notices += (
            f"{spec.name}: W&B/MLflow log through Tune's callbacks, which --local-mode does not run; "
            "the trial dir has the results (result.json, progress.csv, TensorBoard events)",
        )
    if spec.max_failures:
        notices += (
            f"{spec.name}: --max-failures {spec.max_failures}: --local-mode does not restart a failed trial; "
            "continue it from its last checkpoint with --resume --local-mode",
        )
    return dataclasses.replace(spec, config=config), notices


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def keep_breakpoints(hook: str | None, notice: Notice) -> None:
    """Undo what ``ray.init`` does to ``breakpoint()`` in a driver: it sets ``PYTHONBREAKPOINT``
    to Ray's debugpy hook, which without debugpy skips the breakpoint. The user's own setting
    (``hook``, read before Ray started) is put back; ``PYTHONBREAKPOINT=0`` is kept but named."""
    if hook is None:
        os.environ.pop("PYTHONBREAKPOINT", None)
    else:
        os.environ["PYTHONBREAKPOINT"] = hook
    if hook == "0":
        notice("PYTHONBREAKPOINT=0 is set, so breakpoint() does nothing; unset it to stop there")


def run_local(request: TrainRequest, sink: ProgressSink, notice: Notice) -> list[ExperimentResult]:
    """A whole ``train --local-mode``: the one trial, new or resumed, run on the main thread of
    a local Ray started the usual way; Ray shut down at the end."""
    from rlcli.core.train import local_trial  # imports Tune

    spec, notices = local_spec(check_request(request))
    if request.resume:
        spec = resolve_resume_target(spec, named=not spec.auto_named)
        finished = local_trial.finished_result(spec)
        if finished is not None:
            sink.experiment_started(spec.name, str(spec.path), 1, True)
            sink.experiment_finished(finished)
            return [finished]
    check_storage(spec.storage_path)
    hook = os.environ.get("PYTHONBREAKPOINT")
    try:
        (prepared,) = start_ray_and_prepare((spec,), request.ray, notice)
        keep_breakpoints(hook, notice)
        for message in (*notices, *prepared.notices):
            notice(message)
        with claimed(prepared.spec) as claimed_spec:
            prepared = dataclasses.replace(prepared, spec=claimed_spec)
            sink.experiment_started(claimed_spec.name, str(claimed_spec.path), 1, request.resume)
            result = local_trial.run_trial(prepared, request, sink)
        sink.experiment_finished(result)
        return [result]
    finally:
        shutdown_ray()
