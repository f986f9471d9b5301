"""PG, A2C and A3C (rlcli's algorithm pack) and the old names translated to config (APEX, SimpleQ,
DDPPO) train for real from the old tuned files that name them and through ``rlcli train --run
A2C``; their checkpoints roll out, and A2C's exports and serves. ``rllib train --run A2C`` as the
old docs typed it works. (The other old files that really train: test_legacy_runs.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import post_json, result_rows, run_rlcli, serving, storage_env, trial_dirs

pytestmark = pytest.mark.integration

TINY_NET = "model_config.fcnet_hiddens=[16]"
SMALL_REPLAY = ("num_steps_sampled_before_learning_starts=100", "min_sample_timesteps_per_iteration=200")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "legacy-tuned-examples" / "files"

#: name → (the old tuned file that runs it, its experiment, the overrides that make it tiny, the
#: notice a translated name prints, (config key, value) it must run with: a translation's setting
#: in the trial's params.json). The files come from the legacy corpus as they stand (old keys
#: inside: ``num_workers``, ``learning_starts``, ``buffer_size``...); ``--run NAME`` as a flag is
#: the A2C fixture below and ``rllib train --run A2C``.
CASES = {
    "PG": ("pg__cartpole-pg.yaml", "cartpole-pg", ("train_batch_size=200", TINY_NET), None, None),
    "A2C": ("a2c__cartpole-a2c.yaml", "cartpole-a2c", ("num_envs_per_env_runner=2", TINY_NET), None, None),
    "A3C": (
        "a3c__cartpole-a3c.yaml",
        "cartpole-a3c",
        (TINY_NET,),
        "A3C runs as A2C fed by asynchronous env runners",
        ("num_env_runners", 1),
    ),
    "APEX": (
        "dqn__cartpole-apex.yaml",
        "cartpole-apex-dqn",
        ("num_env_runners=0", *SMALL_REPLAY),
        "APEX runs as DQN with prioritized replay",
        ("n_step", 3),
    ),
    "SimpleQ": (
        "simple_q__cartpole-simpleq.yaml",
        "cartpole-simpleq",
        SMALL_REPLAY,
        "SimpleQ runs as DQN without double-Q",
        ("double_q", False),
    ),
    "DDPPO": (
        "ppo__cartpole-ddppo.yaml",
        "cartpole-ddppo",
        ("train_batch_size=200", "minibatch_size=100", "num_epochs=1", TINY_NET, "--ray-num-cpus", "3"),
        "DDPPO runs as PPO with num_learners",
        ("num_learners", 2),
    ),
}
RUNS = {"PG": "PG", "A2C": "A2C", "A3C": "A3C", "APEX": "DQN", "SimpleQ": "DQN", "DDPPO": "PPO"}


def _rollout(exe: str, exp: Path, env: dict[str, str], *extra: str) -> dict:
    proc = run_rlcli(
        exe, "rollout", str(exp), "--episodes", "2", "--num-envs", "1", "--seed", "3", "--json", *extra, env=env
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout))


@pytest.mark.parametrize("name", sorted(CASES))
def test_old_tuned_file_trains_and_its_checkpoint_rolls_out(rlcli_exe, tmp_path, name):
    """``run: NAME`` in an old tuned file: translated as it stands, trained for one iteration."""
    file, experiment, overrides, notice, setting = CASES[name]
    env = storage_env(tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(CORPUS / file), "stop.training_iteration=1", *overrides, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "legacy" in proc.stderr  # the translation was announced
    if notice:
        assert notice in proc.stderr
    exp = tmp_path / experiment
    (trial,) = trial_dirs(exp)
    if setting is not None:
        assert json.loads((trial / "params.json").read_text())[setting[0]] == setting[1]
    rows = result_rows(trial)
    assert rows[-1]["training_iteration"] == 1 and rows[-1]["num_env_steps_sampled_lifetime"] > 0
    learner = rows[-1]["learners"]["default_policy"]
    if RUNS[name] in ("PG", "A2C", "A3C"):
        assert np.isfinite(learner["policy_loss"]) and np.isfinite(learner["entropy"])
        assert learner["num_module_steps_trained"] > 0  # one gradient step on the batch
        assert (learner["vf_loss"] == 0.0) == (name == "PG")  # PG: no critic by default
    assert list(trial.glob("checkpoint_*"))
    report = _rollout(rlcli_exe, exp, env)
    assert len(report["returns"]) == 2 and all(r >= 8 for r in report["returns"])  # CartPole: >= 8 steps each
    # --run with the old name is the checkpoint's algorithm
    assert _rollout(rlcli_exe, exp, env, "--run", name)["returns"] == report["returns"]


@pytest.fixture(scope="module")
def a2c_experiment(tmp_path_factory, rlcli_exe) -> tuple[Path, dict[str, str]]:
    storage = tmp_path_factory.mktemp("a2c")
    env = storage_env(storage)
    args = ("train", "--run", "A2C", "--env", "CartPole-v1", "--name", "a2c", "stop.training_iteration=2", TINY_NET)
    proc = run_rlcli(rlcli_exe, *args, "train_batch_size=200", "observation_filter=MeanStdFilter", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return storage / "a2c", env


def test_a2c_exports_and_the_file_acts_as_rollout_does(a2c_experiment, rlcli_exe, tmp_path):
    exp, env = a2c_experiment
    out = tmp_path / "a2c.onnx"
    proc = run_rlcli(rlcli_exe, "export", str(exp), "--format", "onnx", "-o", str(out), "--json", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["mismatches"] == 0 and report["samples"] == 500 and out.is_file()


def test_a2c_serves_the_actions_rollout_takes(a2c_experiment, rlcli_exe):
    pytest.importorskip("ray.serve", reason="the dev extra installs ray[serve] (rlcli[serve])")
    from rlcli.core.rollout.policy import load_config_state, load_policy
    from rlcli.core.store.checkpoints import Selection, locate

    exp, env = a2c_experiment
    ckpt = locate(exp, Selection(which="best", metric="", mode="max")).path
    policy, _ = load_policy(ckpt, load_config_state(ckpt), explore=False)
    observations = np.random.default_rng(0).normal(0.0, 1.0, size=(16, 4)).astype(np.float32)
    with serving(rlcli_exe, exp, env=env) as url:
        status, answer = post_json(f"{url}/v1/actions", json.dumps({"observations": observations.tolist()}).encode())
    assert status == 200 and answer["actions"] == policy(observations).tolist()


def test_rllib_train_run_a2c_as_the_old_docs_wrote_it(tmp_path):
    """``rllib train --run A2C --env CartPole-v1 --config '{...}' --stop '{...}'`` (old keys inside)."""
    import shlex
    import subprocess
    import sys

    config = {"num_workers": 0, "train_batch_size": 200, "model": {"fcnet_hiddens": [16]}, "lr": 0.001}
    command = (
        f"rllib train --run A2C --env CartPole-v1 --config '{json.dumps(config)}' "
        f"--stop '{{\"training_iteration\": 1}}' --local-dir {shlex.quote(str(tmp_path / 'results'))}"
    )
    bin_dir = Path(sys.executable).parent
    env = storage_env(tmp_path / "unused", PATH=f"{bin_dir}:{storage_env(tmp_path)['PATH']}")
    proc = subprocess.run(["bash", "-c", command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "legacy key 'num_workers'" in proc.stderr
    (exp,) = (tmp_path / "results").iterdir()
    (trial,) = trial_dirs(exp)
    params = json.loads((trial / "params.json").read_text())
    assert params["_model_config"]["fcnet_hiddens"] == [16] and params["lr"] == 0.001
    assert result_rows(trial)[-1]["training_iteration"] == 1
