"""A ``train`` request to where it runs: through Ray Tune (:mod:`rlcli.core.train.tune_run`) or,
with ``--local-mode``, in this process (:mod:`rlcli.core.train.local_mode`); and :func:`plan`,
what either would run, for ``--dry-run``. The entry points ``rlcli.api`` calls.
"""

from __future__ import annotations

import dataclasses

from rlcli.core import old_env, remote_storage, timings
from rlcli.core.errors import UsageError
from rlcli.core.quiet import quiet_ray
from rlcli.core.rllib.external_env import is_external, runtime_env_with_hook, use_rllink_encoding
from rlcli.core.spec import ExperimentResult, ExperimentSpec, TrainRequest
from rlcli.core.train.cluster import emulated_cluster_line
from rlcli.core.train.local_mode import check_request, local_spec, run_local
from rlcli.core.train.prepare import PreparedExperiment, check_storage, planned_resources, prepare
from rlcli.core.train.progress_sink import Notice, ProgressSink
from rlcli.core.train.ray_session import shutdown_ray, start_ray_and_prepare
from rlcli.core.train.resume_target import resolve_resume_target
from rlcli.core.train.tune_run import run_experiments


def plan(request: TrainRequest) -> list[PreparedExperiment]:
    """Every experiment resolved and validated for the Ray it would run on; starts no Ray."""
    notices: tuple[str, ...] = ()
    if request.local_mode:  # one trial, its env runners and learner local: checked and shown as it will run
        spec, notices = local_spec(check_request(request))
        request = dataclasses.replace(request, experiments=(spec,))
    if request.ray.joins_cluster:
        raise UsageError(
            "--dry-run does not contact a cluster.", "Drop --ray-address, or pass --ray-num-cpus to plan for it."
        )
    quiet_ray(request.ray)
    for spec in request.experiments:  # what a run checks first (check_storage), minus the writes
        if spec.remote:
            remote_storage.reachable(spec.storage_path)
    cpus, gpus = planned_resources(request.ray)
    prepared = [prepare(spec, cpus, gpus, request.ray.verbose) for spec in request.experiments]
    return [dataclasses.replace(p, notices=(*notices, *p.notices)) for p in prepared]


def shared_storage_line(specs: tuple[ExperimentSpec, ...]) -> str:
    """On a cluster, trials on other nodes write results and checkpoints to the storage path
    themselves: a local directory works only if every node sees the same one (NFS, a mount)."""
    paths = sorted({spec.storage_path for spec in specs if not spec.remote})  # a bucket is reachable from all
    if not paths:
        return ""
    return (
        f"storage path {', '.join(paths)}: trials on other nodes write here too, so every node must "
        "reach it (a shared mount); otherwise pass --storage-path on shared storage"
    )


def show_rllib_logs(request: TrainRequest) -> TrainRequest:
    """``log_level: INFO`` or ``DEBUG`` in a config (the old docs' way to see RLlib's logs) means
    the logs of the trial processes reach the terminal, as ``-v`` does; rlcli hides them otherwise."""
    levels = {str(spec.config.get("log_level", "")).upper() for spec in request.experiments}
    if request.ray.verbose or not levels & {"INFO", "DEBUG"}:
        return request
    return dataclasses.replace(request, ray=dataclasses.replace(request.ray, verbose=True))


def run_request(request: TrainRequest, sink: ProgressSink, notice: Notice) -> list[ExperimentResult]:
    """A whole ``train``: with ``--local-mode`` the one trial in this process, else the
    experiments through Tune."""
    request = show_rllib_logs(request)
    quiet_ray(request.ray)
    timings.mark("train_started")
    with old_env.without_rejected():  # tune.run raises on TUNE_RESULT_DIR; its meaning is in the specs
        if request.local_mode:
            return run_local(request, sink, notice)
        return run_tune(request, sink, notice)


def run_tune(request: TrainRequest, sink: ProgressSink, notice: Notice) -> list[ExperimentResult]:
    """The experiments through Tune: resume targets, storage checks, Ray started the way the
    experiments need (joined, local while RLlib imports, or sized for offline data), each
    experiment run, Ray shut down."""
    specs = request.experiments
    if request.resume:
        specs = tuple(resolve_resume_target(s, named=not s.auto_named) for s in specs)
    for spec in specs:
        check_storage(spec.storage_path)
    if any(is_external(spec.config) for spec in specs):
        use_rllink_encoding()  # here, and in every worker process (why: external_env.py)
        ray_options = dataclasses.replace(request.ray, runtime_env=runtime_env_with_hook(request.ray.runtime_env))
        request = dataclasses.replace(request, ray=ray_options)
    try:
        prepared = start_ray_and_prepare(specs, request.ray, notice)
        if request.ray.num_nodes:
            notice(emulated_cluster_line())
        if request.ray.joins_cluster and shared_storage_line(specs):
            notice(shared_storage_line(specs))
        for item in prepared:
            for message in item.notices:
                notice(message)
        return run_experiments(dataclasses.replace(request, experiments=specs), prepared, sink)
    finally:
        shutdown_ray()
