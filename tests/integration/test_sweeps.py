"""Sweeps through Tune's own schedulers and searchers, logged to W&B (offline) and MLflow.

Tiny PPO trials (200 env steps an iteration). ASHA over 4 envs whose returns are known in
advance (``sweep_envs:FixedReward``), counting env steps: with ``grace_period`` 200 and
``reduction_factor`` 2, a trial below the median of those already at a rung stops there. The Optuna
search (4 trials, 2 at a time) also logs every trial to W&B in offline mode and to MLflow."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import pytest
from helpers import TINY_PPO, result_rows, run_rlcli, storage_env, trial_dirs, wait_for_line

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


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
        env=storage_env(storage, PYTHONPATH=str(HERE), **env),
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
    assert proc.stderr.count("stopped early by the scheduler") == 3  # the live lines
    assert "stopped early:    3 trial(s) by the scheduler (iterations used: 1, 1, 1)" in proc.stdout
    table = run_rlcli(rlcli_exe, "analyze", "trials", str(tmp_path / "asha"), "--json", env=storage_env(tmp_path))
    status = {row["env_config/reward"]: (row["status"], row["iterations"]) for row in json.loads(table.stdout)}
    assert status == {4: ("TERMINATED", 4), 3: ("EARLY_STOPPED", 1), 2: ("EARLY_STOPPED", 1), 1: ("EARLY_STOPPED", 1)}


def test_optuna_resumes_from_its_state_and_best_config_has_the_winning_values(rlcli_exe, tmp_path):
    """Seeded Optuna suggests 3 configs, one trial at a time; Ctrl-C after the first, then
    ``--resume``. An Optuna started afresh would suggest the seeded first values again: restored
    from its state file it goes on, so all 3 differ. The env pays ``reward`` per step, so the
    best trial is the one Optuna gave the largest reward, and ``best-config`` must give its values."""
    env = storage_env(tmp_path, PYTHONPATH=str(HERE))
    args = [
        *("train", "--run", "PPO", "--env", "sweep_envs:FixedReward", "--name", "optuna", *TINY_PPO),
        *("lr={loguniform: [0.00001, 0.01]}", "env_config.reward={uniform: [0, 10]}", "stop.training_iteration=1"),
        *("--num-samples", "3", "--search-alg", "optuna", "--search-config", '{"seed": 3}'),
        *("--max-concurrent-trials", "1"),
    ]
    proc = subprocess.Popen(
        [rlcli_exe, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for_line(proc, "  iter    1  ", timeout=300)  # the first trial's result (each trial reports once)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    exp = tmp_path / "optuna"
    assert list(exp.glob("searcher-state-*.pkl"))  # Optuna's study, saved with the experiment
    before = {t.name: _suggested(t) for t in trial_dirs(exp)}
    assert 1 <= len(before) < 3, before

    resumed = run_rlcli(rlcli_exe, "train", "--resume", "--name", "optuna", env=env, timeout=400)
    assert resumed.returncode == 0, resumed.stderr
    after = {t.name: _suggested(t) for t in trial_dirs(exp)}
    assert len(after) == 3 and all(after[name] == values for name, values in before.items())
    assert all(re.search(r"_\d_reward=[\d.]+,lr=[\d.]+_\d{4}-\d\d-\d\d_", name) for name in after)  # searched
    assert len(set(after.values())) == 3  # none suggested twice
    assert all(1e-5 <= lr <= 1e-2 and 0 <= reward <= 10 for lr, reward in after.values())

    best = run_rlcli(rlcli_exe, "analyze", "best-config", str(exp), "--format", "json", env=env)
    assert best.returncode == 0, best.stderr
    ((name, body),) = json.loads(best.stdout).items()
    lr, reward = max(after.values(), key=lambda values: values[1])
    assert name == "optuna-best" and body["num_samples"] == 1 and body["search_alg"] == "optuna"
    assert body["config"]["lr"] == lr and body["config"]["env_config"] == {"reward": reward}


def _suggested(trial: Path) -> tuple[float, float]:
    """The values Optuna suggested to the trial: (lr, reward)."""
    params = json.loads((trial / "params.json").read_text())
    return params["lr"], params["env_config"]["reward"]


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
    (records,) = offline_runs[0].glob("*.wandb")
    data = records.read_bytes()  # protobuf records: the config's keys appear as plain bytes
    assert len(offline_runs) == 1 and b"gamma" in data and b"rlcli_checkpoints" in data  # resolved config
    mlflow.set_tracking_uri(f"sqlite:///{exp / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["tracked"])
    assert len(runs) == 1
    run = runs.iloc[0]
    params = json.loads((trial / "params.json").read_text())  # the trial's config, as Tune saved it
    assert int(run["params.train_batch_size"]) == params["train_batch_size"] == 200
    assert run["metrics.training_iteration"] == 2
    resolved = result_rows(trial)[-1]["config"]  # RLlib's whole config, defaults included
    assert "gamma" not in params and run["params.gamma"] == str(resolved["gamma"]) == "0.99"
    assert run["params.num_epochs"] == "1" and not any(c.startswith("metrics.config/") for c in runs)
    assert "metrics.rlcli/episode_return_rolling_mean" in runs
    paths = [Path(p) for p in json.loads(run["tags.rlcli_checkpoints"])]
    assert [p.name for p in paths] == ["checkpoint_000000", "checkpoint_000001"]
    assert all(p.parent == trial for p in paths) and run["tags.rlcli_checkpoint"] == str(paths[-1])
