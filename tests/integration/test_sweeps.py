"""Sweeps through Tune's own schedulers and searchers, logged to W&B (offline) and MLflow.

Tiny PPO trials (200 env steps an iteration). ASHA over 4 envs whose returns are known in
advance (``sweep_envs:FixedReward``), counting env steps: with ``grace_period`` 200 and
``reduction_factor`` 2, a trial below the median of those already at a rung stops there. The Optuna
search (4 trials, 2 at a time) also logs every trial to W&B in offline mode and to MLflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import TINY_PPO, result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration


def _train(exe: str, storage: Path, name: str, *args: str, env_module: str = "CartPole-v1", **env: str):
    proc = run_rlcli(
        exe,
        "train",
        "--run",
        "PPO",
        "--env",
        env_module,
        "--name",
        name,
        *TINY_PPO,
        *args,
        env=storage_env(storage, PYTHONPATH=str(Path(__file__).parent), **env),
        timeout=400,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_asha_stops_the_worse_trials_early(rlcli_exe, tmp_path):
    """One trial at a time, best first: the first reaches every rung alone and runs to the end;
    each later one is below the rung's cutoff at 200 steps (the first iteration) and stops there.
    The returns are fixed by the env (10 steps of ``reward`` each), so no trial's luck decides."""
    config = {"max_t": 800, "grace_period": 200, "reduction_factor": 2}
    proc = _train(
        rlcli_exe,
        tmp_path,
        "asha",
        "env_config.reward={grid_search: [4, 3, 2, 1]}",
        "stop.training_iteration=4",
        "--scheduler",
        "asha",
        "--scheduler-config",
        json.dumps(config),
        "--max-concurrent-trials",
        "1",
        env_module="sweep_envs:FixedReward",
    )
    assert "rlcli/episode_return_rolling_mean (max) over num_env_steps_sampled_lifetime" in proc.stderr
    runs = {}
    for trial in trial_dirs(tmp_path / "asha"):
        rows = result_rows(trial)
        runs[rows[0]["config"]["env_config"]["reward"]] = [row["rlcli/episode_return_rolling_mean"] for row in rows]
    assert runs == {4: [40.0] * 4, 3: [30.0], 2: [20.0], 1: [10.0]}, runs


def test_optuna_search_suggests_from_the_space_and_keeps_its_state(rlcli_exe, tmp_path):
    _train(
        rlcli_exe,
        tmp_path,
        "optuna",
        "lr={loguniform: [0.00001, 0.01]}",
        "stop.training_iteration=1",
        "--num-samples",
        "4",
        "--search-alg",
        "optuna",
        "--search-config",
        '{"seed": 3}',
        "--max-concurrent-trials",
        "2",
    )
    exp = tmp_path / "optuna"
    lrs = [json.loads((t / "params.json").read_text())["lr"] for t in trial_dirs(exp)]
    assert len(set(lrs)) == 4 and all(1e-5 <= lr <= 1e-2 for lr in lrs)  # suggested by Optuna, in range
    assert list(exp.glob("searcher-state-*.pkl"))  # Optuna's study, restored by --resume


def test_pbt_exploits_the_better_trial(rlcli_exe, tmp_path):
    """Two trials, perturbed together (``synch``) every 200 env steps (each iteration): the worse
    one copies the better one's checkpoint and gets a new lr from the mutations (which neither
    trial started with)."""
    config = {
        "perturbation_interval": 200,
        "quantile_fraction": 0.5,
        "synch": True,  # both trials wait at each perturbation: the exploit does not depend on timing
        "hyperparam_mutations": {"lr": [0.0001, 0.001]},
    }
    _train(
        rlcli_exe,
        tmp_path,
        "pbt",
        "lr={grid_search: [0.00001, 0.01]}",
        "stop.training_iteration=3",
        "--checkpoint-freq",
        "1",
        "--scheduler",
        "pbt",
        "--scheduler-config",
        json.dumps(config),
    )
    trials = trial_dirs(tmp_path / "pbt")
    assert len(trials) == 2
    lr_per_trial = [[row["config"]["lr"] for row in result_rows(t)] for t in trials]
    assert any(lrs[-1] in (0.0001, 0.001) for lrs in lr_per_trial), lr_per_trial  # exploited and mutated


def test_wandb_offline_and_mlflow_log_the_run(rlcli_exe, tmp_path):
    """One trial logged to W&B (offline: no network) and MLflow: config, metrics, checkpoints."""
    import mlflow  # the dev install has the wandb and mlflow extras

    _train(
        rlcli_exe,
        tmp_path,
        "tracked",
        "stop.training_iteration=2",
        "--checkpoint-freq",
        "1",
        "--wandb-project",
        "rlcli-test",
        "--mlflow",
        WANDB_MODE="offline",
        WANDB_DIR=str(tmp_path / "wandb-files"),
        WANDB_SILENT="true",
    )
    exp = tmp_path / "tracked"
    (trial,) = trial_dirs(exp)
    offline_runs = [p for p in (tmp_path / "wandb-files").rglob("offline-run-*") if p.is_dir()]
    assert len(offline_runs) == 1 and list(offline_runs[0].glob("*.wandb"))
    mlflow.set_tracking_uri(f"sqlite:///{exp / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["tracked"])
    assert len(runs) == 1
    run = runs.iloc[0]
    params = json.loads((trial / "params.json").read_text())  # the trial's config, as Tune saved it
    assert int(run["params.train_batch_size"]) == params["train_batch_size"] == 200
    assert run["metrics.training_iteration"] == 2
    assert "metrics.rlcli/episode_return_rolling_mean" in runs
    paths = [Path(p) for p in json.loads(run["tags.rlcli_checkpoints"])]
    assert [p.name for p in paths] == ["checkpoint_000000", "checkpoint_000001"]
    assert all(p.parent == trial for p in paths) and run["tags.rlcli_checkpoint"] == str(paths[-1])
