"""A user's own project under rlcli (tests/data/userproj): envs registered with Tune's
``register_env`` at import, RLlibCallback classes and ``on_*`` functions logging custom metrics,
an RLModule class with its own model_config key, a policy mapping function and a connector
factory, each named by import path in both spellings, trained for real and rolled out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration
USERPROJ = Path(__file__).resolve().parents[1] / "data" / "userproj"
SMALL = ("num_env_runners=0", "train_batch_size=200", "minibatch_size=50", "num_epochs=1")


def train_own(exe: str, env: dict[str, str], name: str, *args: str) -> Path:
    """``rlcli train --name NAME`` of a tiny PPO with ``args``; the trial dir it wrote."""
    proc = run_rlcli(exe, "train", "--name", name, *SMALL, "stop.training_iteration=1", *args, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (trial,) = trial_dirs(Path(env["RLCLI_STORAGE_PATH"]) / name)
    return trial


@pytest.fixture(scope="module")
def user_env(tmp_path_factory) -> dict[str, str]:
    return storage_env(tmp_path_factory.mktemp("user-code"), PYTHONPATH=str(USERPROJ))


@pytest.fixture(scope="module")
def single_agent(rlcli_exe, user_env) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """PPO with the user's RLModule, callbacks (class and function), connector, on an env the
    user's module registers with Tune, sampled by a remote env runner; stopped by the custom metric."""
    proc = run_rlcli(
        rlcli_exe,
        "train",
        "--run",
        "PPO",
        "--env",
        "rlcli_userproj.envs:userproj-countdown",
        "--name",
        "own",
        *SMALL,
        "num_env_runners=1",  # a remote EnvRunner actor imports the user's env, module, connector, callbacks
        "rl_module_spec.module_class=rlcli_userproj.modules.TinyActorCritic",
        "rl_module_spec.model_config.width=4",
        "callbacks=rlcli_userproj.callbacks:EpisodeStats",
        "on_episode_end=rlcli_userproj.callbacks.log_episode_length",
        "env_to_module_connector=rlcli_userproj.wiring:mean_std_filter",
        "stop.training_iteration=3",
        "stop.env_runners/ones_per_episode=1",
        "--show-metric",
        "env_runners/ones_per_episode",
        env=user_env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Path(user_env["RLCLI_STORAGE_PATH"]) / "own", proc


def test_the_users_classes_and_functions_run_in_training(single_agent):
    exp, proc = single_agent
    (trial,) = trial_dirs(exp)
    rows = result_rows(trial)
    runners = rows[-1]["env_runners"]
    # The callback class and the on_episode_end function both logged their metric; every
    # countdown episode is 20 steps long, and a random policy picks action 1 about half the time.
    assert runners["fn_episode_len"] == pytest.approx(20.0)
    assert 1 <= runners["ones_per_episode"] <= 20
    # The custom metric stopped the run at its first result, before training_iteration=3.
    assert len(rows) == 1
    assert "env_runners/ones_per_episode" in proc.stderr  # --show-metric in the progress lines
    params = json.loads((trial / "params.json").read_text())
    assert "TinyActorCritic" in json.dumps(params) and "EpisodeStats" in json.dumps(params)


def test_the_checkpoint_holds_the_users_module_and_connector(single_agent, user_env):
    exp, _ = single_agent
    (trial,) = trial_dirs(exp)
    checkpoint = sorted(trial.glob("checkpoint_*"))[-1]
    script = (
        "import sys\n"
        "from ray.rllib.core.rl_module.rl_module import RLModule\n"
        "from ray.rllib.connectors.connector_pipeline_v2 import ConnectorPipelineV2\n"
        "ck = sys.argv[1]\n"
        "m = RLModule.from_checkpoint(ck + '/learner_group/learner/rl_module/default_policy')\n"
        "p = ConnectorPipelineV2.from_checkpoint(ck + '/env_runner/env_to_module_connector')\n"
        "print(type(m).__name__, m.pi[0].out_features, [type(c).__name__ for c in p.connectors])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(checkpoint)], env=user_env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    name, width, connectors = out.stdout.strip().split(" ", 2)
    assert (name, width) == ("TinyActorCritic", "4")
    assert "MeanStdFilter" in connectors


def test_custom_metrics_reach_analyze_and_rollout(rlcli_exe, single_agent, user_env):
    exp, _ = single_agent
    proc = run_rlcli(
        rlcli_exe, "analyze", "trials", str(exp), "--columns", "env_runners/ones_per_episode", "--json", env=user_env
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert 1 <= row["env_runners/ones_per_episode"] <= 20
    metric = "env_runners/ones_per_episode"
    proc = run_rlcli(rlcli_exe, "analyze", "best-checkpoint", str(exp), "--metric", metric, "-q", env=user_env)
    assert proc.returncode == 0, proc.stderr
    assert "checkpoint_" in proc.stdout
    for engine in ("fast", "rllib"):  # the user's RLModule, connector and registered env on both
        proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--episodes", "4", "--engine", engine, "--json", env=user_env)
        assert proc.returncode == 0, (engine, proc.stderr[-3000:])
        rollout = json.loads(proc.stdout)
        assert rollout["lengths"] == [20, 20, 20, 20], engine
        assert all(0 <= r <= 20 for r in rollout["returns"]), engine


def test_import_flag_and_a_name_registered_by_the_users_module(rlcli_exe, user_env):
    trial = train_own(
        rlcli_exe,
        user_env,
        "imported",
        "--import",
        "rlcli_userproj.envs",
        "--run",
        "PPO",
        "--env",
        "userproj-countdown",
    )
    assert result_rows(trial)[-1]["env_runners"]["episode_len_mean"] == pytest.approx(20.0)


def test_multi_agent_modules_and_mapping_by_import_path(rlcli_exe, user_env):
    trial = train_own(
        rlcli_exe,
        user_env,
        "ma-own",
        "--run",
        "PPO",
        "--env",
        "ray.rllib.examples.envs.classes.multi_agent:MultiAgentCartPole",
        "env_config.num_agents=2",
        "policies=[p0,p1]",
        "policy_mapping_fn=rlcli_userproj.wiring:agent_to_policy",
        "rl_module_spec.rl_module_specs.p0.module_class=rlcli_userproj.modules:TinyActorCritic",
        "rl_module_spec.rl_module_specs.p0.model_config.width=3",
        "rl_module_spec.rl_module_specs.p1.module_class=rlcli_userproj.modules.TinyActorCritic",
        "rl_module_spec.rl_module_specs.p1.model_config.width=5",
    )
    learners = result_rows(trial)[-1]["learners"]
    assert {"p0", "p1"} <= set(learners)
    checkpoint = sorted(trial.glob("checkpoint_*"))[-1]
    states = [checkpoint / "learner_group" / "learner" / "rl_module" / policy for policy in ("p0", "p1")]
    assert all(state.is_dir() for state in states)
    script = (  # both modules read back by RLlib alone, in one fresh interpreter
        "import sys\nfrom ray.rllib.core.rl_module.rl_module import RLModule\n"
        "for path in sys.argv[1:]:\n"
        "    m = RLModule.from_checkpoint(path)\n    print(type(m).__name__, m.pi[0].out_features)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, *map(str, states)], env=user_env, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["TinyActorCritic", "3", "TinyActorCritic", "5"], out.stderr[-2000:]
    proc = run_rlcli(rlcli_exe, "rollout", str(checkpoint), "--episodes", "2", "--json", env=user_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(json.loads(proc.stdout)["returns"]) == 2
