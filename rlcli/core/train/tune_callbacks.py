"""Tune hooks that run in the driver: live progress, stop criteria checked against what the run
really reports, and a plain-JSON checkpoint index beside each trial.

Tune pickles these objects into ``tuner.pkl`` (and unpickles them on resume), so they hold no
console or lock: they look up the active
:class:`~rlcli.core.train.progress_sink.ProgressSink` when they fire.
"""

from __future__ import annotations

import time
from typing import Any

from ray import tune

from rlcli.core import timings
from rlcli.core.config.stopping import unknown_stop_keys, unknown_stop_message
from rlcli.core.errors import ConfigError
from rlcli.core.metrics import flatten, number
from rlcli.core.spec import EARLY_STOPPED, ExperimentSpec
from rlcli.core.store.checkpoint_index import append_row, index_row
from rlcli.core.store.experiment_dir import mark_stopped_early
from rlcli.core.train.progress_rows import row_from_result
from rlcli.core.train.progress_sink import ProgressSink

_active_sink: ProgressSink | None = None
#: Problems found by :class:`StopGuard` during ``fit``, read by the driver afterwards.
stop_problems: list[str] = []


def set_sink(sink: ProgressSink | None) -> None:
    global _active_sink
    _active_sink = sink


def raise_stop_problems(spec: ExperimentSpec) -> None:
    """The first problem :class:`StopGuard` found during training, as the run's error."""
    if stop_problems:
        raise ConfigError(stop_problems[0], "Fix --stop; the partial results stay in " + spec.location)


def criteria_met(criteria: dict[str, float], result: dict[str, Any]) -> bool:
    """Tune's stop rule: any criterion reported and reached (``>=``)."""
    flat = flatten(result)
    return any(k in flat and number(flat[k]) is not None and flat[k] >= v for k, v in criteria.items())


class ProgressCallback(tune.Callback):
    """Forwards every result and status change to the active sink, with the ``--show-metric``
    values picked from each result; marks the trials a scheduler stopped early.

    Tune ends a trial its scheduler stopped as TERMINATED, exactly like one that reached the
    stop criteria. With a scheduler that stops trials (``scheduler`` set), a trial completed
    without error whose last result meets none of ``stop`` was stopped by it: rlcli records that
    beside the trial (:data:`EARLY_STOP_MARKER`) so the summary and ``analyze`` show it too."""

    def __init__(
        self, show_metrics: tuple[str, ...] = (), stop: dict[str, float] | None = None, scheduler: str | None = None
    ) -> None:
        self.show_metrics = tuple(show_metrics)
        self.stop = dict(stop or {})
        self.scheduler = scheduler

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        if _active_sink:
            _active_sink.trial_status(str(trial), "RUNNING")

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        if timings.enabled():
            now = time.time()
            timings.mark("first_iteration_started", at=now - float(result.get("time_this_iter_s") or 0.0))
            timings.mark("first_result", at=now)
            timings.mark("last_result", at=now, last=True)
        if _active_sink:
            _active_sink.progress(row_from_result(str(trial), result, getattr(self, "show_metrics", ())))

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        status = "TERMINATED"
        result = trial.last_result or {}
        scheduler = getattr(self, "scheduler", None)
        if scheduler and result and not criteria_met(getattr(self, "stop", {}), result):
            status = EARLY_STOPPED
            mark_stopped_early(
                trial.local_path,
                {
                    "scheduler": scheduler,
                    "training_iteration": result.get("training_iteration"),
                    "num_env_steps_sampled_lifetime": result.get("num_env_steps_sampled_lifetime"),
                },
            )
        if _active_sink:
            _active_sink.trial_status(str(trial), status)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        if _active_sink:
            _active_sink.trial_status(str(trial), "ERROR")

    def on_checkpoint(self, iteration: int, trials: list, trial: Any, checkpoint: Any, **info: Any) -> None:
        """Record which iteration (and which metrics) each checkpoint belongs to, as plain JSON:
        RLlib's result rows carry no checkpoint link and Tune keeps it only in a pickle."""
        append_row(trial.local_path, index_row(checkpoint.path, trial.last_result or {}))


class StopGuard(tune.Stopper):
    """Tune's ``>=`` stop semantics, plus: a criterion the run never reports stops the whole
    experiment with a clear error instead of letting it run forever."""

    def __init__(self, criteria: dict[str, float]) -> None:
        self.criteria = dict(criteria)
        self._seen: set[str] = set()
        self._results = 0
        self._abort = False

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        flat = flatten(result)
        self._seen |= set(flat)
        self._results += 1
        missing = unknown_stop_keys(self.criteria, self._seen, self._results)
        if missing:
            for key in missing:
                message = unknown_stop_message(key, sorted(self._seen))
                if message not in stop_problems:
                    stop_problems.append(message)
            self._abort = True
            return True
        return criteria_met(self.criteria, result)

    def stop_all(self) -> bool:
        return self._abort
