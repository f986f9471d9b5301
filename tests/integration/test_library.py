"""The library face (``import rlcli``) end to end, in a fresh interpreter as a notebook would:
train, best checkpoint, rollout and trials, each answer checked against the others; then every
other call on the same experiment (rollout by request, serve's request and its errors without
a server, the analyze calls, the tuned examples), with no more training."""

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

#: The calls beyond train/rollout, on the experiment SCRIPT trained (``sys.argv[1]``): what a
#: user's script would write, each answer printed for the test to check.
MORE = """
import json, sys
from pathlib import Path
import rlcli
from rlcli.core.errors import UsageError

exp, out = Path(sys.argv[1]), Path(sys.argv[2])
answers = {}

def refused(call):
    try:
        call()
    except UsageError as exc:
        return exc.message
    except TypeError as exc:
        return "TypeError: " + str(exc)
    return None

request = rlcli.RolloutRequest.build(exp, episodes=3, seed=0)
rolled = rlcli.rollout(request)
keywords = rlcli.rollout(exp, episodes=3, seed=0)
answers["rollout"] = [rolled.returns == keywords.returns, len(rolled.returns), rolled.num_envs]
answers["rollout_refused"] = [
    refused(lambda: rlcli.rollout(request, episodes=5)),
    refused(lambda: rlcli.rollout(exp, save_info=True)),
    refused(lambda: rlcli.rollout(exp, episodes=0)),
    refused(lambda: rlcli.rollout(exp, engine="turbo")),
    refused(lambda: rlcli.rollout(exp, config="[1, 2]")),
]
legacy = rlcli.RolloutRequest.build(exp, legacy_defaults=True)
answers["legacy"] = [legacy.steps, legacy.episodes, legacy.num_envs]

served = rlcli.ServeRequest.build(exp, port=8123, max_batch_size=4, which="last")
answers["serve"] = [served.host, served.port, served.max_batch_size, served.selection.which]
answers["serve_refused"] = [
    refused(lambda: rlcli.ServeRequest.build(exp, port=0)),
    refused(lambda: rlcli.ServeRequest.build(exp, num_replicas=0)),
    refused(lambda: rlcli.ServeRequest.build(exp, batch_wait_ms=-1)),
    refused(lambda: rlcli.ServeRequest.build(exp, which="worst")),
    refused(lambda: rlcli.serve(exp, max_batch_size=0)),
]

by_request = rlcli.best_checkpoint(rlcli.BestCheckpointRequest.build(exp, scope="last"))
answers["best"] = [rlcli.best_checkpoint(exp).path, by_request.path]
answers["best_refused"] = refused(lambda: rlcli.best_checkpoint(exp, scope="avg-last-0"))
table = rlcli.trial_table(exp, rlcli.TableQuery(sort_by="best", columns="trial,iterations,best"))
answers["trials"] = table.rows
found = rlcli.best_config(exp, output=out / "best.yaml")
answers["best_config"] = [list(found.document), found.output, (out / "best.yaml").read_text() == found.text]
written = rlcli.export_trials(exp, out / "rows.json", fmt="json")
answers["export"] = [written.rows, len((out / "rows.json").read_text().splitlines())]
drawn = rlcli.plot(exp, x_axis="iterations")
answers["plot"] = [len(drawn.curves), drawn.curves[0].x, drawn.xlabel, drawn.out]
answers["plot_file"] = rlcli.plot(rlcli.PlotRequest.build(exp, out=out / "curves.png")).out
answers["plot_refused"] = refused(lambda: rlcli.plot(exp, out=out / "curves.bmp"))
compared = rlcli.compare(exp, threshold=1.0)
answers["compare"] = [compared.names, [row["trials"] for row in compared.rows]]
answers["examples"] = [e.name for e in rlcli.examples("CartPole-v1")]
answers["all_examples"] = len(rlcli.examples()) == len(rlcli.examples(rlcli.ExamplesQuery()))
answers["example"] = "run: PPO" in rlcli.example("cartpole-ppo").read()
answers["example_refused"] = refused(lambda: rlcli.example("cartpole-ppp"))
print(json.dumps(answers, default=str))
"""


def _run(script: str, *args: str, env: dict[str, str], cwd) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=300, cwd=cwd
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[dict, dict[str, str], object]:
    """SCRIPT's answers, the environment it ran in, and its storage dir (experiment ``lib``)."""
    storage = tmp_path_factory.mktemp("library")
    env = storage_env(storage)
    return _run(SCRIPT, *TINY_PPO, env=env, cwd=storage), env, storage


def test_train_best_checkpoint_rollout_and_trials_from_python(trained):
    out, _, _ = trained
    assert out["summary_best"] == out["best"] == out["rolled"]  # one best-checkpoint rule
    assert out["episodes"] == 3 and out["iterations"] == [2]
    assert out["plan"] == "DQN"


def test_every_other_call_on_the_trained_experiment(trained, tmp_path):
    first, env, storage = trained
    out = _run(MORE, str(storage / "lib"), str(tmp_path), env=env, cwd=tmp_path)
    assert out["rollout"] == [True, 3, 3]  # a request and its keywords: the same rollout
    bad = out["rollout_refused"]
    assert bad[0].startswith("TypeError: pass a RolloutRequest or the keywords")
    assert bad[1] == "--save-info needs --out FILE (the file it shapes)."
    assert "--episodes" in bad[2] and "--engine 'turbo'" in bad[3] and "--config must be a mapping" in bad[4]
    assert out["legacy"] == [10_000, None, 1]  # the old tool's defaults, as under the name rllib
    assert out["serve"] == ["127.0.0.1", 8123, 4, "last"]
    assert [m.split()[0] for m in out["serve_refused"]] == [
        "--port",
        "--num-replicas",
        "--batch-wait-ms",
        "--which",
        "--max-batch-size",
    ]
    assert out["best"] == [first["best"], first["best"]]  # one trial: its best checkpoint either way
    assert out["best_refused"].startswith("--scope 'avg-last-0'")
    assert [(row["trial"], row["iterations"]) for row in out["trials"]] == [(row["trial"], 2) for row in out["trials"]]
    assert out["best_config"] == [["lib-best"], str(tmp_path / "best.yaml"), True]
    assert out["export"] == [2, 2]  # two iterations, a row each
    assert out["plot"] == [1, [1.0, 2.0], "training iteration", None]
    assert out["plot_file"] == str(tmp_path / "curves.png") and (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert "unknown image type" in out["plot_refused"]
    assert out["compare"][0][:3] == ["experiment", "trials", "best"] and out["compare"][1] == [1]
    assert "cartpole-ppo" in out["examples"] and "pendulum-cql" not in out["examples"]
    assert out["all_examples"] and out["example"]
    assert "No tuned example named 'cartpole-ppp'" in out["example_refused"]
