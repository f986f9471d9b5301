"""One experiment run by Ray Tune on the started Ray (fresh, or continued with ``--resume``),
and the experiments of a request run one after another; each claimed, its spec saved, its
result summarized.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rlcli.core import remote_storage, timings
from rlcli.core.config.spec_file import write_spec_file
from rlcli.core.errors import UsageError
from rlcli.core.quiet import silence_loggers
from rlcli.core.rllib.resolve import register_env
from rlcli.core.spec import ExperimentResult, TrainRequest
from rlcli.core.store.experiment_dir import unfinished_trials
from rlcli.core.store.experiment_lock import claimed
from rlcli.core.train.prepare import PreparedExperiment, param_space
from rlcli.core.train.progress_sink import ProgressSink
from rlcli.core.train.ray_session import SignalGuard
from rlcli.core.train.resume_target import refuse_existing, resume_hint
from rlcli.core.train.summary import best_checkpoint_path, summarize_grid


def _tuner(prepared: PreparedExperiment, resume: bool, callbacks: list[Any]) -> Any:
    """The Tuner of the experiment: new, or restored from its dir for ``--resume``."""
    from ray import tune

    from rlcli.core.train.sweeps import make_scheduler, make_searcher, searched_trial_dirname
    from rlcli.core.train.tracking import tracking_callbacks
    from rlcli.core.train.tune_callbacks import StopGuard

    spec = prepared.spec
    if resume:
        # The space again: Tune keeps it out of tuner.pkl, and without it the trials a searcher
        # (or the variant generator) creates after the restore get placeholders where rlcli's
        # callbacks belong (``'tuple' object is not callable`` in the trial).
        return tune.Tuner.restore(
            spec.location,
            trainable=prepared.algorithm_cls,
            param_space=param_space(prepared),
            resume_unfinished=True,
            resume_errored=True,
        )
    ck = spec.checkpoint
    return tune.Tuner(
        prepared.algorithm_cls,
        param_space=param_space(prepared),
        tune_config=tune.TuneConfig(
            num_samples=spec.num_samples,
            scheduler=make_scheduler(spec)[0],
            search_alg=make_searcher(spec)[0],
            max_concurrent_trials=spec.max_concurrent_trials,
            trial_dirname_creator=searched_trial_dirname if spec.search_alg else None,
        ),
        run_config=tune.RunConfig(
            name=spec.name,
            storage_path=spec.storage_path,
            stop=StopGuard(spec.stop),
            checkpoint_config=tune.CheckpointConfig(
                num_to_keep=ck.keep,
                checkpoint_score_attribute=ck.score_attr,
                checkpoint_score_order=ck.score_order,
                checkpoint_frequency=ck.frequency,
                checkpoint_at_end=ck.at_end,
            ),
            failure_config=tune.FailureConfig(max_failures=spec.max_failures),
            # Training videos are written in the trial's working dir; Tune copies such files
            # into the trial dir only when asked to.
            sync_config=tune.SyncConfig(sync_artifacts=bool(spec.video_every)),
            callbacks=[*callbacks, *tracking_callbacks(spec.tracking, spec.path, spec.name)],
            verbose=0,
        ),
    )


def run_experiment(prepared: PreparedExperiment, request: TrainRequest, sink: ProgressSink) -> ExperimentResult:
    """One experiment through Tune: fresh, or continued with ``--resume``."""
    from rlcli.core.train import tune_callbacks
    from rlcli.core.train.sweeps import stopping_scheduler

    spec = prepared.spec
    for env in prepared.envs:
        register_env(env)
    if request.resume:
        finished = _already_finished(prepared)
        if finished is not None:
            return finished
    else:
        refuse_existing(spec)
    written = write_spec_file(spec, request.command_line)
    if spec.remote:
        remote_storage.push_file(written, spec.location)
    tune_callbacks.stop_problems.clear()
    tune_callbacks.set_sink(sink)
    guard = SignalGuard(sink.interrupting)
    progress = tune_callbacks.ProgressCallback(request.show_metrics, spec.stop, stopping_scheduler(spec))
    tuner = _tuner(prepared, request.resume, [progress])
    silence_loggers(request.ray.verbose)
    timings.mark("fit_called")
    with guard.installed():
        grid = tuner.fit()
    timings.mark("fit_returned", last=True)
    tune_callbacks.set_sink(None)
    if spec.remote:
        remote_storage.pull(spec.location)  # what Tune wrote there, for the summary
    tune_callbacks.raise_stop_problems(spec)
    return ExperimentResult(
        spec,
        summarize_grid(grid, spec),
        interrupted=guard.received is not None,
        best_checkpoint=best_checkpoint_path(spec.path, spec),
    )


def _already_finished(prepared: PreparedExperiment) -> ExperimentResult | None:
    """For ``--resume``: the summary of an experiment whose trials all ended (nothing to run);
    None when some trial has more to run; a usage error when Tune cannot restore it."""
    from ray import tune

    spec = prepared.spec
    if not tune.Tuner.can_restore(spec.location):
        raise UsageError(f"Nothing to resume at '{spec.location}'.", resume_hint(spec.path))
    if unfinished_trials(spec.path):
        return None
    grid = tune.Tuner.restore(spec.location, trainable=prepared.algorithm_cls).get_results()
    return ExperimentResult(
        spec, summarize_grid(grid, spec), already_finished=True, best_checkpoint=best_checkpoint_path(spec.path, spec)
    )


def run_experiments(
    request: TrainRequest, prepared: list[PreparedExperiment], sink: ProgressSink
) -> list[ExperimentResult]:
    """Run prepared experiments one after another on the already-started Ray, each claimed
    (:mod:`rlcli.core.store.experiment_lock`) while it runs; stops after an interrupted one."""
    results = []
    for item in prepared:
        if item.spec.remote:
            remote_storage.pull(item.spec.location)  # an experiment already there shows in the mirror
        with claimed(item.spec) as spec:
            item = dataclasses.replace(item, spec=spec)
            sink.experiment_started(spec.name, spec.location, item.num_trials, request.resume)
            result = run_experiment(item, request, sink)
        results.append(result)
        sink.experiment_finished(result)
        if result.interrupted:
            break
    return results
