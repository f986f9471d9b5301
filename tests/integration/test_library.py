"""The library face (``import rlcli``) end to end, in a fresh interpreter as a notebook would:
train, best checkpoint, rollout and trials, each answer checked against the others."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import TINY_PPO, storage_env

pytestmark = pytest.mark.integration

SCRIPT = """
import json, sys, rlcli
overrides = tuple(sys.argv[1:]) + ("stop.training_iteration=2",)
(result,) = rlcli.train(run="PPO", env="CartPole-v1", name="lib", checkpoint_freq=1, overrides=overrides)
best = rlcli.best_checkpoint(result.spec.path)
rolled = rlcli.rollout(result.spec.path, episodes=3, seed=0)
trials = rlcli.load_trials(result.spec.path)
print(json.dumps({
    "summary_best": result.best_checkpoint, "best": best.path, "rolled": rolled.checkpoint,
    "episodes": len(rolled.returns), "iterations": [t.last("training_iteration") for t in trials],
    "plan": rlcli.plan(rlcli.train_request(run="DQN", env="CartPole-v1"))[0].spec.algorithm,
}))
"""


def test_train_best_checkpoint_rollout_and_trials_from_python(tmp_path):
    env = storage_env(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, *TINY_PPO], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["summary_best"] == out["best"] == out["rolled"]  # one best-checkpoint rule
    assert out["episodes"] == 3 and out["iterations"] == [2]
    assert out["plan"] == "DQN"
