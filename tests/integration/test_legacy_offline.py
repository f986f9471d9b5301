"""The corpus's offline files run once their data is there: old-stack SampleBatch JSON (a folder,
as ``output: /tmp/out`` wrote it, and a ``.zip`` of it, as Ray's tests shipped it), read through
``rlcli train -f`` with the file unchanged except for where the data lies."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from helpers import result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[1] / "data" / "legacy-tuned-examples" / "files"


def write_old_json(env_id: str, path: Path, episodes: int) -> None:
    """One old-stack SampleBatch per line, one episode each, as the old JsonWriter wrote them."""
    env = gym.make(env_id)
    rng = np.random.default_rng(0)
    keys = ("obs", "new_obs", "actions", "rewards", "terminateds", "truncateds", "eps_id", "t")
    with open(path, "w") as fh:
        for episode in range(episodes):
            obs, _ = env.reset(seed=episode)
            batch: dict[str, list] = {k: [] for k in keys}
            for t in range(200):
                if obs.size == 4:  # CartPole: a lean-following policy, 20 % random
                    action = int(rng.integers(2)) if rng.random() < 0.2 else int(obs[2] > 0)
                else:
                    action = rng.uniform(-2.0, 2.0, size=1).tolist()
                new_obs, reward, term, trunc, _ = env.step(action)
                row = (obs.tolist(), new_obs.tolist(), action, float(reward), term, trunc, episode, t)
                for key, value in zip(keys, row, strict=True):
                    batch[key].append(value)
                obs = new_obs
                if term or trunc:
                    break
            fh.write(json.dumps({"type": "SampleBatch", **batch}) + "\n")


def _copy_with_data(name: str, old: str, new: str, dest: Path) -> Path:
    text = (CORPUS / name).read_text()
    assert old in text
    target = dest / name
    target.write_text(text.replace(old, new))
    return target


def test_bc_from_an_old_json_folder_trains(rlcli_exe, tmp_path):
    data = tmp_path / "out"
    data.mkdir()
    write_old_json("CartPole-v1", data / "output-0.json", episodes=10)
    file = _copy_with_data("bc__cartpole-bc.yaml", "/tmp/out", str(data), tmp_path)
    env = storage_env(tmp_path / "results")
    args = ("stop.training_iteration=1", "dataset_num_iters_per_learner=2", "evaluation_duration=1")
    proc = run_rlcli(rlcli_exe, "train", "-f", str(file), *args, env=env, timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "old-stack SampleBatch JSON" in proc.stderr
    (trial,) = trial_dirs(tmp_path / "results" / "cartpole-bc")
    row = result_rows(trial)[-1]
    assert row["training_iteration"] == 1
    assert row["learners"]["__all_modules__"]["num_env_steps_trained_lifetime"] > 0
    assert "episode_return_mean" in row["evaluation"]["env_runners"]


def test_cql_from_a_zip_and_marwil_resolve(rlcli_exe, tmp_path):
    raw = tmp_path / "raw.json"
    write_old_json("Pendulum-v1", raw, episodes=3)
    archive = tmp_path / "enormous.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(raw, "enormous.json")
    file = _copy_with_data("cql__pendulum-cql.yaml", "tests/data/pendulum/enormous.zip", str(archive), tmp_path)
    env = storage_env(tmp_path / "results", XDG_CACHE_HOME=str(tmp_path / "cache"))
    # Reading old JSON for real is the BC test above; here: the zip is unpacked once into the cache
    # and the experiment reads the unpacked JSON.
    proc = run_rlcli(rlcli_exe, "train", "-f", str(file), "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (unpacked,) = (tmp_path / "cache" / "rlcli" / "offline").glob("enormous-*")
    assert (unpacked / "enormous.json").read_text() == raw.read_text()
    assert str(unpacked) in proc.stdout and "lr: null" in proc.stdout

    data = tmp_path / "marwil-out"
    data.mkdir()
    write_old_json("CartPole-v1", data / "output-0.json", episodes=2)
    file = _copy_with_data("marwil__cartpole-marwil.yaml", "/tmp/out", str(data), tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(file), "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"input_: {data}" in proc.stdout
