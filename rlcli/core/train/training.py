"""ExperimentSpecs → Ray Tune experiments → results.

:func:`prepare` resolves and validates everything without starting Ray (it is also what
``--dry-run`` shows); :func:`run` starts or joins Ray, runs the experiments one after another and
summarizes them. Ray, Tune and RLlib are imported inside the functions.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rlcli.core import remote_storage, searchspace, timings
from rlcli.core.config.spec_file import write_spec_file
from rlcli.core.errors import RlcliError, UsageError
from rlcli.core.legacy import offline
from rlcli.core.quiet import silence_loggers
from rlcli.core.rllib.algo_config import fit_resources, fix_inconsistent_defaults, to_rllib_dict
from rlcli.core.rllib.config_keys import keys_for_algorithm
from rlcli.core.rllib.external_env import (
    check_external,
    is_external,
    runtime_env_with_hook,
    use_rllink_encoding,
    with_external_spaces,
)
from rlcli.core.rllib.resolve import ResolvedEnv, register_env, resolve_algorithm, resolve_env
from rlcli.core.rllib.rolling_return import with_rolling_return
from rlcli.core.rllib.trial_callbacks import MODULE_COMPONENT, restore_mismatch, with_trial_callbacks
from rlcli.core.spec import ExperimentResult, ExperimentSpec, RayOptions, TrainRequest
from rlcli.core.store.experiment_dir import find_latest_experiment, has_experiment_state, unfinished_trials
from rlcli.core.store.experiment_lock import claimed
from rlcli.core.train.cluster import emulated_cluster_line, shutdown_cluster, start_cluster
from rlcli.core.train.summary import best_checkpoint_path, summarize_grid


@dataclasses.dataclass(frozen=True)
class PreparedExperiment:
    """A spec with everything resolved: the Algorithm class, the env(s), resources, trial count."""

    spec: ExperimentSpec
    algorithm_cls: Any
    envs: tuple[ResolvedEnv, ...]  # several when the experiment grid-searches over envs
    request: dict[str, float]
    num_trials: int
    notices: tuple[str, ...]


def check_dashboard(options: RayOptions) -> None:
    """``--ray-ui`` needs Ray's dashboard packages, which ``ray[rllib,tune]`` does not install;
    without them ``ray.init`` fails with a bare ``Exception`` after starting its processes."""
    if not options.dashboard or options.joins_cluster:
        return
    import ray._private.utils

    problem = ray._private.utils.get_dashboard_dependency_error()
    if problem:
        raise UsageError(
            f"--ray-ui: Ray's dashboard packages are missing ({problem}).",
            "pip install 'rlcli[dashboard]' (ray[default]), or drop --ray-ui.",
        )


def planned_resources(options: RayOptions) -> tuple[float, float]:
    """CPUs and GPUs the local Ray instance will have (flags, else what this machine has)."""
    check_dashboard(options)
    cpus = options.total_cpus if options.total_cpus is not None else (os.cpu_count() or 1)
    usable = _torch_gpus()
    if options.num_gpus is not None:
        if options.num_gpus > usable:
            raise UsageError(
                f"--ray-num-gpus {options.num_gpus}: torch can use {usable} GPU(s) on this machine, "
                "so a learner placed on the others would crash inside its trial.",
                f"Pass --ray-num-gpus {usable} (or leave it out: rlcli detects the GPUs).",
            )
        return float(cpus), float(options.num_gpus)
    return float(cpus), float(usable)


def _torch_gpus() -> int:
    """GPUs torch can use here (CUDA devices; 0 on a CPU-only build)."""
    try:
        import torch

        return int(torch.cuda.device_count())
    except Exception:
        return 0


#: More trials than this is a typo (``--num-samples 1000000000000``), not a search: Tune would
#: spend its time generating trial objects and directories.
MAX_TRIALS = 10_000


def prepare(
    spec: ExperimentSpec, cpus: float, gpus: float, verbose: bool = False, local: bool = True
) -> PreparedExperiment:
    """Resolve algorithm and env, validate the config with RLlib, fit resources. No Ray start."""
    resolved = resolve_algorithm(spec.algorithm)
    silence_loggers(verbose)
    spec = dataclasses.replace(spec, algorithm=resolved.name)
    spec, notices = fix_inconsistent_defaults(resolved.cls, spec)
    if offline.is_offline(spec):
        spec, offline_notices = offline.prepare_inputs(spec)
        notices += offline_notices
    envs = tuple(resolve_env(env_id) for env_id in spec.env_ids)
    if not envs and not offline.is_offline(spec):
        raise UsageError(f"{spec.name}: no env given.", "Pass --env ENV (a gymnasium id or module:Class).")
    spec, checked = check_trial_extras(spec, resolved.cls)
    notices += checked
    fitted = fit_resources(resolved.cls, spec, cpus, gpus, local)
    mismatch = restore_mismatch(fitted.algo_config, spec.restore) if spec.restore else None
    if mismatch:
        raise UsageError(
            f"--restore: the weights of {spec.restore} do not fit: {mismatch}.",
            "Train with the checkpoint's model config (see its trial's params.json / rlcli-spec.yaml).",
        )
    num_trials = searchspace.count_trials(fitted.spec.config, fitted.spec.num_samples) * max(1, len(envs))
    if num_trials > MAX_TRIALS:
        raise UsageError(
            f"{spec.name}: {num_trials:,} trials requested (num_samples x grid x envs); "
            f"rlcli runs at most {MAX_TRIALS:,}.",
            "Lower --num-samples or the grid, or split the search into several experiments.",
        )
    if is_external(spec.config):
        runners = fitted.spec.config.get("num_env_runners", resolved.cls.get_default_config().num_env_runners)
        notices.append(check_external(fitted.spec, num_trials, runners))
    return PreparedExperiment(
        spec=fitted.spec,
        algorithm_cls=resolved.cls,
        envs=envs,
        request=fitted.request,
        num_trials=num_trials,
        notices=(*notices, *fitted.notices),
    )


def check_trial_extras(spec: ExperimentSpec, algorithm_cls: Any) -> tuple[ExperimentSpec, list[str]]:
    """``--restore`` names a checkpoint Ray 2.60 can load (a trial or experiment dir means its
    best checkpoint, as for ``rollout``), ``--video-every`` can write videos, ``--scheduler``
    builds (with what PBT needs arranged); all before Ray starts."""
    from rlcli.core.store.checkpoints import locate, old_stack_problem
    from rlcli.core.train.sweeps import arrange_exploits, make_scheduler, make_searcher
    from rlcli.core.train.tracking import check_installed

    notices: list[str] = []
    if spec.restore:
        found = locate(spec.restore).path
        problem = old_stack_problem(found)
        if problem:
            raise UsageError(f"--restore: {problem}; Ray 2.60 cannot load it.", "Retrain it with rlcli train.")
        if not (found / MODULE_COMPONENT).is_dir():
            raise UsageError(
                f"--restore: '{found}' holds no RLModule ({MODULE_COMPONENT}).", "Pass an Algorithm checkpoint."
            )
        spec = dataclasses.replace(spec, restore=str(found))
        notices.append(f"{spec.name}: every trial starts from the RLModule weights of {found}")
    if spec.video_every:
        try:
            import imageio.v2  # noqa: F401
        except ImportError:
            raise UsageError(
                "--video-every (monitor: true) needs the video extra.", "pip install 'rlcli[video]'"
            ) from None
    keys = keys_for_algorithm(algorithm_cls)
    spec, arranged = arrange_exploits(spec, set(keys.accepted), iteration_env_steps(algorithm_cls, spec))
    notices += make_scheduler(spec)[1] + arranged
    notices += make_searcher(spec, check_space=True)[1]
    check_installed(spec.tracking)
    return spec, notices


def iteration_env_steps(algorithm_cls: Any, spec: ExperimentSpec) -> int:
    """About how many env steps one training iteration samples, for defaults counted in env
    steps: an off-policy algorithm's ``min_sample_timesteps_per_iteration`` (its train batch is
    drawn from the replay buffer), else the train batch (per learner, times the learners); from
    the config, else the algorithm's defaults."""
    config = spec.config
    try:
        default = algorithm_cls.get_default_config()
        min_steps = config.get("min_sample_timesteps_per_iteration", default.min_sample_timesteps_per_iteration)
        if isinstance(min_steps, int) and min_steps > 0:
            return min_steps
        batch = config.get("train_batch_size_per_learner") or config.get("train_batch_size")
        batch = batch if isinstance(batch, int) else default.train_batch_size_per_learner
        learners = config.get("num_learners", default.num_learners)
        return int(batch) * max(1, learners if isinstance(learners, int) else 1)
    except Exception:  # a config RLlib itself cannot size (no batch at all): a middling guess
        return 1000


def prepare_all(
    specs: tuple[ExperimentSpec, ...], options: RayOptions, cpus: float | None = None, gpus: float | None = None
) -> list[PreparedExperiment]:
    """:func:`prepare` each spec, for the resources of the Ray it will run on (planned from the
    flags and this machine when not given)."""
    if cpus is None or gpus is None:
        cpus, gpus = planned_resources(options)
    prepared = [prepare(spec, cpus, gpus, options.verbose, local=not options.joins_cluster) for spec in specs]
    timings.mark("configs_prepared")
    return prepared


def prepare_while_ray_starts(specs: tuple[ExperimentSpec, ...], options: RayOptions) -> list[PreparedExperiment]:
    """Start local Ray while RLlib, torch and gymnasium are imported, then prepare.

    Why: ``ray.init`` takes ~4 s, mostly waiting for its processes to come up, and importing
    RLlib and torch takes most of the ~4-5 s that preparing does; one after the other they were
    the first ~9 s of every run. Only library code runs in the background thread: the user's
    modules (envs, callbacks, RLModules, which may call ``register_env`` or even ``ray.init``
    when imported) are imported by :func:`prepare_all` on the main thread once Ray is up, never
    at the same time as ``ray.init``. ``ray.init`` stays on the main thread: Ray ties its
    processes' lives to the thread that started them (``PR_SET_PDEATHSIG``) and installs its
    SIGTERM handler there."""
    import ray  # noqa: F401  (first: with both threads importing, ray.init started ~1 s later)

    worker = threading.Thread(target=_import_libraries, args=(specs,), name="rlcli-imports", daemon=True)
    worker.start()
    try:
        init_ray(options)
    finally:
        worker.join()
    return prepare_all(specs, options)


def _import_libraries(specs: tuple[ExperimentSpec, ...]) -> None:
    """Import what preparing needs from Ray's own packages (never the user's): the registry's
    algorithm classes, torch and gymnasium. A failure here is left for :func:`prepare` to report."""
    try:
        import gymnasium  # noqa: F401
        import torch  # noqa: F401

        from rlcli.core.rllib.resolve import algorithm_names

        registry = algorithm_names()
        for spec in specs:
            if spec.algorithm in registry:
                registry[spec.algorithm]()
    except Exception:  # reported where it matters, on the main thread
        return


def can_prepare_while_ray_starts(specs: tuple[ExperimentSpec, ...], options: RayOptions) -> bool:
    """True for a local Ray whose size does not depend on the prepared experiments (offline
    data sizes it for Ray Data, see :func:`offline_ray_options`)."""
    return not options.joins_cluster and not any(offline.is_offline(spec) for spec in specs)


#: Free space a storage path needs before training starts (checkpoints and results are written
#: for hours; a full disk mid-run loses the newest checkpoint). ``RLCLI_MIN_FREE_MB`` changes it.
DEFAULT_MIN_FREE_MB = 200


def check_storage(path: str) -> None:
    """Fail before training when results could not be written: unwritable or (nearly) full.
    Remote storage: it can be reached (writes are the storage's business)."""
    if remote_storage.is_remote(path):
        remote_storage.reachable(path)
        return
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".rlcli-write-test-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"Storage path '{path}' is not writable: {exc.strerror or exc}.",
            "Pass --storage-path DIR (or set RLCLI_STORAGE_PATH) to a writable directory.",
        ) from None
    try:
        needed = float(os.environ.get("RLCLI_MIN_FREE_MB", DEFAULT_MIN_FREE_MB))
    except ValueError:
        raise UsageError("RLCLI_MIN_FREE_MB must be a number of megabytes.", "E.g. RLCLI_MIN_FREE_MB=500.") from None
    free = shutil.disk_usage(path).free / 2**20
    if free < needed:
        raise UsageError(
            f"Storage path '{path}' has only {free:,.0f} MB free; rlcli wants at least {needed:,.0f} MB.",
            "Free some space or pass --storage-path on another disk (RLCLI_MIN_FREE_MB sets the minimum).",
        )


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


def offline_ray_options(options: RayOptions, prepared: list[PreparedExperiment], notice: Any) -> RayOptions:
    """Give a local Ray enough logical CPUs for Ray Data when an experiment reads offline data
    (logical CPUs only: the processes share the real cores)."""
    if options.num_cpus is not None or options.joins_cluster or options.num_nodes:
        return options
    needed = [offline.cpus_needed(p.spec, p.request.get("CPU", 1)) for p in prepared if offline.is_offline(p.spec)]
    cpus = os.cpu_count() or 1
    if not needed or max(needed) <= cpus:
        return options
    notice(
        f"offline data is read by Ray Data workers beside the trial: starting local Ray with {max(needed)} logical CPUs"
    )
    return dataclasses.replace(options, num_cpus=max(needed))


#: Seconds to wait for a TCP connection to --ray-address (Ray itself retries for minutes).
CONNECT_TIMEOUT_S = 5.0


def check_reachable(address: str) -> None:
    """Fail in seconds when nothing listens at ``host:port`` (``auto`` and bare names are left
    to Ray, which finds the cluster by itself)."""
    match = re.fullmatch(r"(?:ray://)?\[?([\w.:-]+?)\]?:(\d+)", address.strip())
    if not match:
        return
    host, port = match.group(1), int(match.group(2))
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise RlcliError(
            f"Could not reach a Ray cluster at '{address}': {exc.strerror or exc}.",
            "Check --ray-address (the head node's GCS address, e.g. 10.0.0.5:6379) and that the cluster is up.",
        ) from None


def init_ray(options: RayOptions) -> tuple[float, float]:
    """Start a fresh local Ray (default) or join ``--ray-address``; returns its CPUs and GPUs."""
    import ray

    kwargs: dict[str, Any] = {
        "log_to_driver": options.verbose,
        "logging_level": logging.INFO if options.verbose else logging.ERROR,
    }
    if options.runtime_env:
        kwargs["runtime_env"] = options.runtime_env
    check_dashboard(options)
    if options.joins_cluster:
        check_reachable(options.address or "")
    try:
        if options.joins_cluster:
            ray.init(address=options.address, **kwargs)
        elif options.num_nodes:
            ray.init(address=start_cluster(options), **kwargs)
        else:
            cpus = options.num_cpus if options.num_cpus is not None else os.cpu_count()
            timings.mark("ray_init_called")
            ray.init(
                address="local",
                num_cpus=cpus,
                num_gpus=options.num_gpus,
                object_store_memory=options.object_store_memory,
                include_dashboard=options.dashboard,
                **kwargs,
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = options.address or "local"
        raise RlcliError(
            f"Could not start or join Ray at '{where}': {exc}", "Check --ray-address and that the cluster is up."
        ) from None
    silence_loggers(options.verbose)
    timings.mark("ray_started")
    resources = ray.cluster_resources()
    return float(resources.get("CPU", 0)), float(resources.get("GPU", 0))


class SignalGuard:
    """First Ctrl-C/SIGTERM: ask Tune to stop gracefully (it saves its state). Second: force exit.

    Tune's own SIGINT handler is switched off (TUNE_DISABLE_SIGINT_HANDLER=1); rlcli forwards the
    request through SIGUSR1, which Tune always listens to while it runs."""

    def __init__(self, on_first: Any) -> None:
        self.received: int | None = None
        self._on_first = on_first
        self._old: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.received is not None:
            os._exit(130)
        self.received = signum
        self._on_first(signum)
        if signal.getsignal(signal.SIGUSR1) in (signal.SIG_DFL, None):
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGUSR1)

    @contextmanager
    def installed(self) -> Iterator[SignalGuard]:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)
        try:
            yield self
        finally:
            for number, old in self._old.items():
                signal.signal(number, old)


def param_space(prepared: PreparedExperiment) -> dict[str, Any]:
    """The trial config Tune samples from (search markers as Tune's objects), with the hooks rlcli
    adds inside the trial; the same for Tune and ``--local-mode``."""
    spec = prepared.spec
    keys = keys_for_algorithm(prepared.algorithm_cls)
    config = with_trial_callbacks(with_rolling_return(to_rllib_dict(spec, keys)), spec.restore, spec.video_every)
    if prepared.envs:
        config = with_external_spaces(config, prepared.envs[0], spec.env_config)
    space: dict[str, Any] = searchspace.to_tune(config)
    return space


def _tuner(prepared: PreparedExperiment, resume: bool, callbacks: list[Any]) -> Any:
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


def run_experiment(prepared: PreparedExperiment, request: TrainRequest, sink: Any) -> ExperimentResult:
    """One experiment through Tune: fresh, or continued with ``--resume``."""
    resume = request.resume
    from ray import tune

    from rlcli.core.train import tune_callbacks
    from rlcli.core.train.sweeps import stopping_scheduler

    spec = prepared.spec
    for env in prepared.envs:
        register_env(env)
    if resume:
        if not tune.Tuner.can_restore(spec.location):
            from rlcli.core.train.local_trial import resume_hint

            raise UsageError(f"Nothing to resume at '{spec.location}'.", resume_hint(spec.path))
        if not unfinished_trials(spec.path):
            grid = tune.Tuner.restore(spec.location, trainable=prepared.algorithm_cls).get_results()
            return ExperimentResult(
                spec,
                summarize_grid(grid, spec),
                already_finished=True,
                best_checkpoint=best_checkpoint_path(spec.path, spec),
            )
    elif has_experiment_state(spec.path):
        raise UsageError(
            f"Experiment '{spec.name}' already exists in {spec.storage_path}.",
            "Pass --resume to continue it, or --name NEW_NAME for a new experiment.",
        )
    written = write_spec_file(spec, request.command_line)
    if spec.remote:
        remote_storage.push_file(written, spec.location)
    tune_callbacks.stop_problems.clear()
    tune_callbacks.set_sink(sink)
    guard = SignalGuard(sink.interrupting)
    progress = tune_callbacks.ProgressCallback(request.show_metrics, spec.stop, stopping_scheduler(spec))
    tuner = _tuner(prepared, resume, [progress])
    silence_loggers(request.ray.verbose)
    timings.mark("fit_called")
    with guard.installed():
        grid = tuner.fit()
    timings.mark("fit_returned", last=True)
    tune_callbacks.set_sink(None)
    if spec.remote:
        remote_storage.pull(spec.location)  # what Tune wrote there, for the summary
    raise_stop_problems(spec)
    return ExperimentResult(
        spec,
        summarize_grid(grid, spec),
        interrupted=guard.received is not None,
        best_checkpoint=best_checkpoint_path(spec.path, spec),
    )


def raise_stop_problems(spec: ExperimentSpec) -> None:
    """The first problem :class:`StopGuard` found during training, as the run's error."""
    from rlcli.core.train import tune_callbacks

    if tune_callbacks.stop_problems:
        from rlcli.core.errors import ConfigError

        raise ConfigError(tune_callbacks.stop_problems[0], "Fix --stop; the partial results stay in " + spec.location)


def run(request: TrainRequest, prepared: list[PreparedExperiment], sink: Any) -> list[ExperimentResult]:
    """Run prepared experiments one after another on the already-started Ray."""
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


def shutdown_ray() -> None:
    import ray

    if ray.is_initialized():
        timings.mark("shutdown_called")
        ray.shutdown()
        timings.mark("ray_stopped")
    shutdown_cluster()


class SilentProgress:
    """A progress sink that shows nothing (library calls without a console)."""

    def experiment_started(self, name: str, path: str, num_trials: int, resume: bool) -> None: ...

    def experiment_finished(self, result: ExperimentResult) -> None: ...

    def interrupting(self, signum: int) -> None: ...

    def progress(self, row: Any) -> None: ...

    def trial_status(self, trial: str, status: str) -> None: ...


def plan(request: TrainRequest) -> list[PreparedExperiment]:
    """Every experiment resolved and validated for the Ray it would run on; starts no Ray."""
    from rlcli.core.quiet import quiet_ray

    notices: tuple[str, ...] = ()
    if request.local_mode:  # one trial, its env runners and learner local: checked and shown as it will run
        from rlcli.core.train.local_mode import check_request, local_spec

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


def run_request(request: TrainRequest, sink: Any, notice: Any) -> list[ExperimentResult]:
    """A whole ``train``: resume targets, storage checks, Ray started the way the experiments
    need (joined, local while RLlib imports, or sized for offline data), each experiment run,
    Ray shut down."""
    from rlcli.core.quiet import quiet_ray

    request = show_rllib_logs(request)
    quiet_ray(request.ray)
    timings.mark("train_started")
    if request.local_mode:
        from rlcli.core.train.local_mode import run_local

        return run_local(request, sink, notice)
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
        prepared = _start_ray_and_prepare(specs, request.ray, notice)
        if request.ray.num_nodes:
            notice(emulated_cluster_line())
        if request.ray.joins_cluster and shared_storage_line(specs):
            notice(shared_storage_line(specs))
        for item in prepared:
            for message in item.notices:
                notice(message)
        return run(dataclasses.replace(request, experiments=specs), prepared, sink)
    finally:
        shutdown_ray()


def _start_ray_and_prepare(
    specs: tuple[ExperimentSpec, ...], options: RayOptions, notice: Any
) -> list[PreparedExperiment]:
    if can_prepare_while_ray_starts(specs, options):
        return prepare_while_ray_starts(specs, options)
    if options.joins_cluster:
        cpus, gpus = init_ray(options)
        return prepare_all(specs, options, cpus, gpus)
    prepared = prepare_all(specs, options)
    init_ray(offline_ray_options(options, prepared, notice))
    return prepared
