"""One trial driven by hand the way Tune drives it, written where and as Tune writes it.

Why not a Tune ``Trial`` run by Tune: its trainable lives in an actor process (see
:mod:`rlcli.core.train.local_mode`). Why not even Tune's ``Trial`` object: its files go to a
staging dir in Ray's session and are copied to the storage path later; here they are written in
place. :class:`LocalTrial` carries what Tune's own logger callbacks (result.json, progress.csv,
params.json/.pkl, TensorBoard events) and rlcli's :class:`ProgressCallback` (live progress, the
checkpoint index) read of a trial, so those files are the ones Tune writes. Checkpoints are the
Algorithm's own ``save_checkpoint`` in Tune's ``checkpoint_NNNNNN`` dirs, kept by Tune's own
checkpoint manager; the experiment state is a small ``experiment_state-*.json`` in Tune's shape
(:mod:`rlcli.core.train.local_state`).
"""

from __future__ import annotations

import bdb
import copy
import dataclasses
import json
import os
import re
import traceback
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rlcli.core import timings
from rlcli.core.config.spec_file import write_spec_file
from rlcli.core.errors import UsageError
from rlcli.core.quiet import silence_loggers
from rlcli.core.rllib.resolve import register_env
from rlcli.core.spec import CheckpointSpec, ExperimentResult, ExperimentSpec, TrainRequest
from rlcli.core.store.checkpoint_index import read_rows
from rlcli.core.store.checkpoints import checkpoints_of
from rlcli.core.train import tune_callbacks
from rlcli.core.train.local_state import ERROR, PAUSED, RUNNING, TERMINATED, read_state, require_local, write_state
from rlcli.core.train.prepare import PreparedExperiment, param_space
from rlcli.core.train.progress_sink import ProgressSink
from rlcli.core.train.ray_session import SignalGuard
from rlcli.core.train.resume_target import refuse_existing
from rlcli.core.train.summary import best_checkpoint_path, summarize_result


class LocalTrial:
    """What Tune's logger callbacks and :class:`ProgressCallback` read of a ``Trial``: its name,
    id, config, sampled values, directory and last result. ``checkpoint`` stays None: Tune's
    loggers copy their files back from remote storage only for a trial that has one, and here
    the files are already in place."""

    checkpoint = None

    def __init__(self, exp_dir: Path, state: dict[str, Any], config: dict[str, Any]) -> None:
        self.state = state  # the plain-JSON record kept in the experiment state file
        self.trial_id: str = state["trial_id"]
        self.relative_logdir: str = state["relative_logdir"]
        self.experiment_tag: str = state["experiment_tag"]
        self.evaluated_params: dict[str, Any] = state["evaluated_params"]
        self.config = config
        self.local_path = str(exp_dir / self.relative_logdir)
        self.path = self.local_path
        self.last_result: dict[str, Any] = {}

    def init_local_path(self) -> None:
        Path(self.local_path).mkdir(parents=True, exist_ok=True)

    def __str__(self) -> str:
        return str(self.state["name"])


def new_trial(prepared: PreparedExperiment) -> LocalTrial:
    """Trial 0 of the experiment, sampled, named and tagged as Tune's variant generator does:
    ``PPO_CartPole-v1_<5 hex>_00000_0[_k=v]_<date>``."""
    from ray.tune.search.variant_generator import _flatten_resolved_vars, format_vars, generate_variants
    from ray.tune.utils import date_str

    resolved, sampled = next(generate_variants({"config": param_space(prepared)}))
    config = sampled["config"]
    trial_id = f"{uuid.uuid1().hex[:5]}_{0:05d}"
    tag = "0" + (f"_{format_vars(resolved)}" if resolved else "")
    env = config.get("env")
    trainable = prepared.spec.algorithm
    name = (f"{trainable}_{env.__name__ if isinstance(env, type) else env}" if env else trainable) + "_" + trial_id
    name = name.replace("/", "_")
    dirname = f"{name}_{tag}"[: int(os.environ.get("TUNE_MAX_LEN_IDENTIFIER", "130"))] + f"_{date_str()}"
    state = {
        "trainable_name": trainable,
        "trial_id": trial_id,
        "name": name,
        "status": RUNNING,
        "relative_logdir": re.sub(r'[/()<>:"\\|?*]', "_", dirname),
        "experiment_tag": tag,
        "evaluated_params": _flatten_resolved_vars(resolved),
    }
    return LocalTrial(prepared.spec.path, state, config)


def resumed_trial(prepared: PreparedExperiment) -> LocalTrial:
    """The experiment's trial again, with the values sampled for it the first time."""
    from ray.tune.search.variant_generator import assign_value, generate_variants

    state = read_state(prepared.spec.path)
    if state is None:
        raise UsageError(f"Nothing to resume at '{prepared.spec.path}'.", "Check --name and --storage-path.")
    _, sampled = next(generate_variants({"config": param_space(prepared)}))
    config = sampled["config"]
    for key, value in state["evaluated_params"].items():
        assign_value(config, tuple(key.split("/")), value)
    return LocalTrial(prepared.spec.path, {**state, "status": RUNNING}, config)


def finished_result(spec: ExperimentSpec) -> ExperimentResult | None:
    """For ``--resume`` of a trial that already finished: its summary, without starting Ray
    (the Tune path's "already finished"); None when there is more to run."""
    state = require_local(spec)
    if state.get("status") != TERMINATED:
        return None
    trial_dir = spec.path / state["relative_logdir"]
    outcome = SimpleNamespace(metrics=_last_row(trial_dir), path=str(trial_dir), error=None)
    summary = summarize_result(outcome, spec)
    return ExperimentResult(
        spec, (summary,), already_finished=True, best_checkpoint=best_checkpoint_path(spec.path, spec)
    )


def _last_row(trial_dir: Path) -> dict[str, Any]:
    """The trial's last readable result.json row (its final metrics)."""
    try:
        lines = (trial_dir / "result.json").read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    for line in reversed(lines):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            return row
    return {}


class StopAfterIteration(SignalGuard):
    """First Ctrl-C/SIGTERM: let the running iteration finish, save a checkpoint, stop (no
    ``KeyboardInterrupt`` in the middle of an update). Second: exit at once, as on the Tune path."""

    def _handle(self, signum: int, frame: Any) -> None:
        if self.received is not None:
            os._exit(130)
        self.received = signum
        self._on_first(signum)


@dataclasses.dataclass
class TrialRun:
    """A trial being trained: the Algorithm, Tune's callbacks and checkpoint manager."""

    trial: LocalTrial
    algo: Any
    callbacks: list[Any]
    manager: Any
    checkpoint: CheckpointSpec
    session: str
    next_index: int = 0
    saved_at: int | None = None  # the iteration of the newest checkpoint

    def emit(self, hook: str, **kwargs: Any) -> None:
        """Call ``hook`` of every callback, with the arguments Tune passes."""
        for callback in self.callbacks:
            getattr(callback, hook)(iteration=0, trials=[self.trial], trial=self.trial, **kwargs)

    def report(self, result: dict[str, Any]) -> None:
        """What Tune does with a result: callbacks (files, progress), then the trial's last result."""
        self.emit("on_trial_result", result=result)
        self.trial.last_result = result

    def save(self) -> None:
        """A checkpoint where Tune puts it, indexed by rlcli's callback, kept by Tune's manager."""
        from ray.train import Checkpoint
        from ray.train._internal.session import _TrainingResult

        path = Path(self.trial.local_path) / f"checkpoint_{self.next_index:06d}"
        self.algo.save_checkpoint(str(path))
        checkpoint = Checkpoint.from_directory(str(path))
        self.emit("on_checkpoint", checkpoint=checkpoint)
        self.manager.register_checkpoint(_TrainingResult(checkpoint=checkpoint, metrics=dict(self.trial.last_result)))
        self.next_index += 1
        self.saved_at = self.trial.last_result.get("training_iteration")

    def finish(self, status: str, error: str | None = None) -> None:
        """The trial's end as Tune records it: error.txt, the callbacks' end hooks (a paused
        trial's files are only closed: it has not ended), the state."""
        if status == ERROR:
            from ray.tune.utils import date_str

            text = f"Failure # 1 (occurred at {date_str()})\n{error or ''}"  # Tune's error.txt
            Path(self.trial.local_path, "error.txt").write_text(text, encoding="utf-8")
            self.emit("on_trial_error")
        elif status == TERMINATED:
            self.emit("on_trial_complete")
        else:
            for callback in self.callbacks:
                if hasattr(callback, "log_trial_end"):
                    callback.log_trial_end(self.trial)
        self.set_status(status)

    def set_status(self, status: str) -> None:
        self.trial.state["status"] = status
        write_state(Path(self.trial.local_path).parent, self.trial.state, self.session)


def due(checkpoint: CheckpointSpec, result: dict[str, Any]) -> bool:
    """Tune's rule (``Trial.should_checkpoint``): every ``frequency`` iterations, and at the end."""
    if result.get("done") and checkpoint.at_end:
        return True
    return bool(checkpoint.frequency) and int(result.get("training_iteration", 0)) % checkpoint.frequency == 0


def train_loop(run: TrialRun, stop: dict[str, float], guard: StopAfterIteration) -> str:
    """Iterations until a stop criterion (Tune's stopper, the same :class:`StopGuard`), RLlib's
    ``done``, or a signal (then a checkpoint is saved); the trial's status at the end."""
    stopper = tune_callbacks.StopGuard(stop)
    while guard.received is None:
        result = run.algo.train()
        result["trial_id"] = run.trial.trial_id
        if stopper(run.trial.trial_id, result) or result.get("done"):
            result["done"] = True
        run.report(result)
        if due(run.checkpoint, result):
            run.save()
        if result["done"]:
            return TERMINATED
        run.set_status(RUNNING)
    if run.trial.last_result and run.saved_at != run.trial.last_result.get("training_iteration"):
        run.save()
    return PAUSED


def _callbacks(show_metrics: tuple[str, ...]) -> list[Any]:
    """rlcli's progress callback and Tune's default loggers, in the order Tune runs them."""
    from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback, TBXLoggerCallback

    progress = tune_callbacks.ProgressCallback(show_metrics)
    return [progress, CSVLoggerCallback(), JsonLoggerCallback(), TBXLoggerCallback()]


def _manager(spec: ExperimentSpec) -> Any:
    from ray.train import CheckpointConfig
    from ray.train._internal.checkpoint_manager import _CheckpointManager

    ck = spec.checkpoint
    config = CheckpointConfig(
        num_to_keep=ck.keep, checkpoint_score_attribute=ck.score_attr, checkpoint_score_order=ck.score_order
    )
    return _CheckpointManager(config)


def build_algorithm(prepared: PreparedExperiment, trial: LocalTrial) -> Any:
    """The Algorithm, as Tune builds it in a trial actor (a copy of the trial's config and the
    trial's storage), but here and without moving this process into the trial's working dir."""
    from ray.train._internal.storage import StorageContext

    spec = prepared.spec
    storage = StorageContext(spec.storage_path, spec.name, trial_dir_name=trial.relative_logdir)
    os.environ.setdefault("RAY_CHDIR_TO_TRIAL_DIR", "0")
    algo = prepared.algorithm_cls(config=copy.deepcopy(trial.config), storage=storage)
    # Files the trial writes next to its results (training videos) go to its ``logdir``, which
    # Tune syncs into the trial dir; here it is the trial dir.
    algo._logdir = trial.local_path
    return algo


def restore(run: TrialRun) -> None:
    """Continue from the newest checkpoint as Tune does (``Trainable.restore`` with the metrics
    saved with it, so iterations and time count on), Tune's manager told of the kept ones."""
    from ray.train import Checkpoint
    from ray.train._internal.session import _TrainingResult

    trial_dir = Path(run.trial.local_path)
    kept = checkpoints_of(trial_dir)
    metrics = _index_metrics(trial_dir)
    for path in kept:
        result = _TrainingResult(checkpoint=Checkpoint.from_directory(str(path)), metrics=metrics.get(path.name, {}))
        run.manager.register_checkpoint(result)
    if kept:
        run.algo.restore(_TrainingResult(Checkpoint.from_directory(str(kept[-1])), metrics.get(kept[-1].name, {})))
        run.next_index = int(kept[-1].name.rsplit("_", 1)[1]) + 1
        run.saved_at = metrics.get(kept[-1].name, {}).get("training_iteration")


def _index_metrics(trial_dir: Path) -> dict[str, dict[str, Any]]:
    """``{checkpoint_dir_name: metrics saved with it}`` from rlcli's checkpoint index."""
    return {
        row.checkpoint: {**row.metrics, "training_iteration": row.training_iteration} for row in read_rows(trial_dir)
    }


def open_run(prepared: PreparedExperiment, request: TrainRequest) -> TrialRun:
    """The trial (new, or the experiment's own again with ``--resume``) and its Algorithm."""
    from ray.tune.utils import date_str

    spec = prepared.spec
    if not request.resume:
        refuse_existing(spec)
    trial = resumed_trial(prepared) if request.resume else new_trial(prepared)
    trial.init_local_path()
    run = TrialRun(trial, None, _callbacks(request.show_metrics), _manager(spec), spec.checkpoint, date_str())
    run.set_status(RUNNING)
    return run


def run_trial(prepared: PreparedExperiment, request: TrainRequest, sink: ProgressSink) -> ExperimentResult:
    """The trial trained on this thread until it stops; its files written as Tune writes them."""
    spec = prepared.spec
    for env in prepared.envs:
        register_env(env)
    run = open_run(prepared, request)
    write_spec_file(spec, request.command_line)
    tune_callbacks.stop_problems.clear()
    tune_callbacks.set_sink(sink)
    guard = StopAfterIteration(sink.interrupting)
    error: str | None = None
    run.emit("on_trial_start")
    timings.mark("fit_called")
    with guard.installed():
        try:
            run.algo = build_algorithm(prepared, run.trial)
            silence_loggers(request.ray.verbose)
            if request.resume:
                restore(run)
            status = train_loop(run, spec.stop, guard)
        except bdb.BdbQuit:  # "q" in pdb: stop as after Ctrl-C, but mid-iteration, so without a checkpoint
            status = PAUSED
        except Exception:
            status, error = ERROR, traceback.format_exc()
    timings.mark("fit_returned", last=True)
    run.finish(status, error)
    _stop_algorithm(run.algo)
    tune_callbacks.set_sink(None)
    tune_callbacks.raise_stop_problems(spec)
    outcome = SimpleNamespace(metrics=run.trial.last_result, path=run.trial.local_path, error=error)
    return ExperimentResult(
        spec,
        (summarize_result(outcome, spec),),
        interrupted=status == PAUSED,
        best_checkpoint=best_checkpoint_path(spec.path, spec),
    )


def _stop_algorithm(algo: Any) -> None:
    """Release the Algorithm's env runner and learner (what Tune's ``Trainable.stop`` does)."""
    if algo is not None:
        try:
            algo.stop()
        except Exception:  # the trial's outcome is already recorded; a failing cleanup changes nothing
            return
