"""Every experiment resolved and validated without starting Ray: what ``--dry-run`` shows and
what a run starts from.

:func:`prepare` resolves the algorithm and env(s) (importing the user's modules), checks the
config with RLlib, ``--restore``, ``--video-every``, the scheduler and searcher, and fits the
resources; :func:`check_storage` checks the storage path can take the results;
:func:`param_space` is the one trial config, for Tune and ``--local-mode`` alike. Ray, Tune and
RLlib are imported inside the functions.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rlcli.core import remote_storage, searchspace, timings
from rlcli.core.config import offline_data
from rlcli.core.errors import UsageError
from rlcli.core.quiet import silence_loggers
from rlcli.core.rllib import fast_defaults
from rlcli.core.rllib.algo_config import fit_resources, fix_inconsistent_defaults, to_rllib_dict
from rlcli.core.rllib.config_keys import keys_for_algorithm
from rlcli.core.rllib.external_env import check_external, is_external, with_external_spaces
from rlcli.core.rllib.resolve import ResolvedEnv, resolve_algorithm, resolve_env
from rlcli.core.rllib.rolling_return import with_rolling_return
from rlcli.core.rllib.shared_module import share_one_module
from rlcli.core.rllib.trial_callbacks import MODULE_COMPONENT, restore_mismatch, with_trial_callbacks
from rlcli.core.spec import ExperimentSpec, RayOptions


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
    if offline_data.is_offline(spec):
        spec, offline_notices = offline_data.prepare_inputs(spec)
        notices += offline_notices
    envs = tuple(resolve_env(env_id) for env_id in spec.env_ids)
    if not envs and not offline_data.is_offline(spec):
        raise UsageError(f"{spec.name}: no env given.", "Pass --env ENV (a gymnasium id or module:Class).")
    spec, shared = share_one_module(spec, envs)
    notices += shared
    spec, checked = check_trial_extras(spec, resolved.cls)
    notices += checked
    fast = fast_defaults.apply(spec, resolved.cls.get_default_config())
    fitted = fit_resources(resolved.cls, fast, cpus, gpus, local)
    mismatch = restore_mismatch(fitted.algo_config, spec.restore) if spec.restore else None
    if mismatch and spec.restore and fast is not spec:  # a checkpoint trained with RLlib's stock pieces
        fitted = fit_resources(resolved.cls, spec, cpus, gpus, local)
        mismatch = restore_mismatch(fitted.algo_config, spec.restore)
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
        algorithm_cls=fast_defaults.trainable(fitted.spec, resolved.cls),
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
