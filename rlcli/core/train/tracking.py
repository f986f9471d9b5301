"""Experiment tracking through Tune's own logger callbacks: W&B (``WandbLoggerCallback``) and
MLflow (``MLflowLoggerCallback``), with RLlib's example-script flag names (``--wandb-project``,
``--wandb-key``, ``--wandb-run-name``) and rlcli's for MLflow. Each logged run carries the
trial's resolved config (RLlib's whole config with its defaults, as each result reports it),
every reported metric and its checkpoint paths (W&B: the run config's
``rlcli_checkpoints``; MLflow: the run's ``rlcli_checkpoint`` tag, the newest, and
``rlcli_checkpoints``, all of them).

``WANDB_MODE=offline`` works with no network (runs land in each trial dir's ``wandb/``, for
``wandb sync`` later). MLflow defaults to a local SQLite store, ``<experiment dir>/mlflow.db``.
A missing package is one ``Error:`` line naming the extra, before Ray starts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.spec import Tracking


def check_installed(tracking: Tracking) -> None:
    """Fail before Ray starts when a tracker's package is missing."""
    for wanted, flag, module in (
        (tracking.wandb_project, "--wandb-project", "wandb"),
        (tracking.mlflow, "--mlflow", "mlflow"),
    ):
        if not wanted:
            continue
        try:
            __import__(module)
        except ImportError:
            raise UsageError(f"{flag} needs the {module} package.", f"pip install 'rlcli[{module}]'") from None


def mlflow_uri(tracking: Tracking, experiment_dir: Path) -> str:
    """The tracking URI, by default a SQLite store in the experiment dir (MLflow 3 refuses its
    old ``mlruns/`` file store unless told to)."""
    return tracking.mlflow_tracking_uri or f"sqlite:///{experiment_dir / 'mlflow.db'}"


def tracking_callbacks(tracking: Tracking, experiment_dir: Path, name: str) -> list[Any]:
    """Tune callbacks that log every trial of the experiment ``name`` to the chosen trackers."""
    callbacks: list[Any] = []
    if tracking.wandb_project:
        callbacks.append(_wandb_callback(tracking, name))
    if tracking.mlflow:
        callbacks.append(_mlflow_callback(mlflow_uri(tracking, experiment_dir), name))
    return callbacks


def _wandb_callback(tracking: Tracking, name: str) -> Any:
    from ray.air.integrations.wandb import WandbLoggerCallback, _QueueItem

    class WandbWithCheckpoints(WandbLoggerCallback):
        """Tune's W&B logger, plus each saved checkpoint's path in the run's config."""

        def log_trial_save(self, trial: Any) -> None:
            super().log_trial_save(trial)
            queue = self._trial_queues.get(trial)
            if trial.checkpoint is not None and queue is not None:
                paths = _remember(trial, trial.checkpoint.path)
                iteration = trial.last_result.get("training_iteration")
                queue.put(
                    (_QueueItem.RESULT, {"config": {"rlcli_checkpoints": paths}, "training_iteration": iteration})
                )

    kwargs: dict[str, Any] = {"name": tracking.wandb_run_name} if tracking.wandb_run_name else {}
    return WandbWithCheckpoints(
        project=tracking.wandb_project,
        group=tracking.wandb_group or name,
        api_key=tracking.wandb_key,
        log_config=True,
        **kwargs,
    )


#: MLflow takes at most 100 params per batch and 6,000 characters per value.
_MLFLOW_BATCH, _MLFLOW_VALUE_CHARS = 100, 6000


def _mlflow_callback(uri: str, name: str) -> Any:
    from ray.air.integrations.mlflow import MLflowLoggerCallback

    class MLflowWithCheckpoints(MLflowLoggerCallback):
        """Tune's MLflow logger, plus: the resolved config as params (Tune logs only the keys the
        trial was given; RLlib reports the whole config, defaults included, in each result), no
        ``config/...`` numbers among the metrics, and each checkpoint's path as run tags."""

        def log_trial_result(self, iteration: int, trial: Any, result: dict) -> None:
            resolved = result.get("config")
            if isinstance(resolved, dict) and not getattr(trial, "_rlcli_resolved_logged", False):
                self._log_resolved_config(trial, resolved)
                trial._rlcli_resolved_logged = True
            super().log_trial_result(iteration, trial, {k: v for k, v in result.items() if k != "config"})

        def _log_resolved_config(self, trial: Any, resolved: dict) -> None:
            from mlflow.entities import Param
            from ray.tune.utils import flatten_dict

            run_id = self._trial_runs.get(trial)
            if run_id is None:
                return
            given = set(flatten_dict(dict(trial.config)))  # logged already; MLflow params never change
            params = [
                Param(str(key), str(value)[:_MLFLOW_VALUE_CHARS])
                for key, value in flatten_dict(resolved).items()
                if key not in given
            ]
            import mlflow

            client = mlflow.MlflowClient(tracking_uri=self.tracking_uri)
            for start in range(0, len(params), _MLFLOW_BATCH):
                client.log_batch(run_id, params=params[start : start + _MLFLOW_BATCH])

        def log_trial_save(self, trial: Any) -> None:
            run_id = self._trial_runs.get(trial)
            if trial.checkpoint is None or run_id is None:
                return
            import mlflow

            paths = _remember(trial, trial.checkpoint.path)
            client = mlflow.MlflowClient(tracking_uri=self.tracking_uri)
            client.set_tag(run_id, "rlcli_checkpoint", paths[-1])
            client.set_tag(run_id, "rlcli_checkpoints", json.dumps(paths))

    return MLflowWithCheckpoints(tracking_uri=uri, experiment_name=name, save_artifact=False)


def _remember(trial: Any, path: str) -> list[str]:
    """Every checkpoint path of ``trial`` so far (kept on the trial object by both loggers)."""
    paths: list[str] = getattr(trial, "_rlcli_checkpoints", [])
    if path not in paths:
        paths.append(path)
    trial._rlcli_checkpoints = paths
    return list(paths)
