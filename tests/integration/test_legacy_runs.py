"""One classic tuned-example file per algorithm (from the legacy corpus), and an Atari one, really
trains on Ray 2.60 through ``rlcli train -f``: translated as it stands, made tiny only by overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[1] / "data" / "legacy-tuned-examples" / "files"
SMALL_REPLAY = ("num_steps_sampled_before_learning_starts=100", "min_sample_timesteps_per_iteration=200")
#: DDPG and TD3 update once per env step after the start: half the steps, a quarter of the updates
SMALL_DPG = ("num_steps_sampled_before_learning_starts=50", "min_sample_timesteps_per_iteration=100")

CASES = {
    "ppo__pendulum-ppo.yaml": ("pendulum-ppo", "train_batch_size=400", "minibatch_size=100", "num_epochs=1"),
    # IMPALA's and APPO's iterations last at least 10 s (min_time_s_per_iteration) unless told
    "appo__pendulum-appo.yaml": ("pendulum-appo-vtrace", "train_batch_size=200", "min_time_s_per_iteration=0"),
    "impala__pendulum-impala.yaml": ("pendulum-impala-tf", "train_batch_size=200", "min_time_s_per_iteration=0"),
    "dqn__cartpole-dqn.yaml": ("cartpole-dqn", *SMALL_REPLAY),
    "sac__pendulum-sac.yaml": ("pendulum-sac", *SMALL_REPLAY, "train_batch_size=32"),
    "ddpg__pendulum-ddpg.yaml": ("pendulum-ddpg", *SMALL_DPG, "train_batch_size=32"),
    "ddpg__mountaincarcontinuous-ddpg.yaml": ("mountaincarcontinuous-ddpg", *SMALL_DPG, "train_batch_size=32"),
    "td3__pendulum-td3.yaml": ("pendulum-td3", *SMALL_DPG, "train_batch_size=32"),
    # APEX_DDPG: DDPG with the Ape-X settings (one remote env runner here; its 30 s iterations made short)
    "apex_ddpg__pendulum-apex-ddpg.yaml": (
        "pendulum-apex-ddpg",
        *SMALL_REPLAY,
        "train_batch_size=32",
        "min_time_s_per_iteration=0",
        "num_env_runners=1",  # sampling in a remote env runner (inference-only module, weight sync)
    ),
    # the algorithms RLlib removed, run again on Atari (their CartPole files: test_onpolicy_algorithms.py)
    "a3c__pong-a3c.yaml": ("pong-a3c",),
    "a2c__atari-a2c.yaml": ("atari-a2c", "env=ALE/Breakout-v5", "train_batch_size=100", "num_envs_per_env_runner=1"),
    "apex_dqn__pong-apex-dqn.yaml": (  # training_intensity 16: 100 conv updates in the tiny iteration, not 6
        "pong-apex",
        *SMALL_REPLAY,
        "num_envs_per_env_runner=1",
        "train_batch_size=32",
        "training_intensity=1",
    ),
    # Atari: old model.dim etc. become RLlib's frame wrapper settings; 32 workers and a GPU fitted to here
    "ppo__pong-ppo.yaml": (
        "pong-ppo",
        "train_batch_size=256",
        "minibatch_size=128",
        "num_epochs=1",
        "num_envs_per_env_runner=2",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_legacy_file_trains(rlcli_exe, tmp_path, name):
    experiment, *overrides = CASES[name]
    env = storage_env(tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(CORPUS / name), "stop.training_iteration=1", *overrides, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "legacy" in proc.stderr  # the translation was announced
    (trial,) = trial_dirs(tmp_path / experiment)
    rows = result_rows(trial)
    assert rows[-1]["training_iteration"] == 1 and rows[-1]["num_env_steps_sampled_lifetime"] > 0
    assert list(trial.glob("checkpoint_*"))


#: A DDPG experiment of Ray's old release learning tests, on a PyBullet locomotion env (made
#: through pybullet_envs_gymnasium, rlcli's ``bullet`` extra). Its sibling on
#: HalfCheetahBulletEnv-v0 resolves the same way (tests/unit/test_env_packages.py, the corpus
#: dry runs); the note of the session that added them gives both tiny runs.
BULLET_DDPG = ("ddpg-hopperbulletenv-v0", "release_learning_tests__hard_learning_tests.yaml")


def test_pybullet_ddpg_experiment_trains_and_rolls_out(rlcli_exe, tmp_path):
    """The experiment as it stands in its file (n-step 3 with prioritized replay and OU noise,
    256-unit networks) trains an iteration on HopperBulletEnv-v0, in a trial actor that has to
    import the envs' package itself, and its checkpoint rolls out on the same env."""
    name, file = BULLET_DDPG
    experiment = yaml.safe_load((CORPUS / file).read_text())[name]
    alone = tmp_path / "bullet-ddpg.yaml"
    alone.write_text(yaml.safe_dump({name: experiment}))
    env = storage_env(tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(alone), "stop.training_iteration=1", *SMALL_DPG, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (trial,) = trial_dirs(tmp_path / name)
    assert "HopperBulletEnv-v0" in trial.name
    (row,) = result_rows(trial)
    assert row["num_env_steps_sampled_lifetime"] >= 100
    params = json.loads((trial / "params.json").read_text())
    assert params["n_step"] == experiment["config"]["n_step"] == 3
    assert params["actor_hiddens"] == experiment["config"]["actor_hiddens"]
    (checkpoint,) = trial.glob("checkpoint_*")
    rollout = run_rlcli(rlcli_exe, "rollout", str(checkpoint), "--episodes", "2", env=env)
    assert rollout.returncode == 0, rollout.stderr[-3000:]
    assert "HopperBulletEnv-v0" in rollout.stdout and "episodes         2" in rollout.stdout
