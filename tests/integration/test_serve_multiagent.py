"""``rlcli serve`` of a multi-agent checkpoint: three agents, two modules of different shapes
(``a0`` and ``a2`` → ``p0``: 1 number in, 2 actions; ``a1`` → ``p1``: 3 numbers in, 3 actions)
and a MeanStdFilter per agent (``a2`` sees ten times what ``a0`` sees). Each agent's actions
must be those of its module on its own filter's output, computed here from the checkpoint with
RLlib's objects; one request carries several agents, a batch for some, one observation for
others; an agent the mapping does not know, or a wrong shape for an agent, is a 422. On both
backends (embedded, Ray Serve), from one training."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from helpers import get_json, post_json, run_rlcli, serving, storage_env, trial_dirs

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent

TRIO_EXPERIMENT = """\
trio:
  run: PPO
  env: rollout_ma_envs:ShapedTrio
  stop: {training_iteration: 1}
  config:
    num_env_runners: 0
    seed: 5
    train_batch_size: 120
    minibatch_size: 60
    num_epochs: 1
    observation_filter: MeanStdFilter
    model_config: {fcnet_hiddens: [16]}
    multiagent:
      policies: [p0, p1]
      policy_mapping_fn: {type: rlcli.AgentToModule, mapping: {a0: p0, a1: p1, a2: p0}}
"""


# Seeded, so the tiny training is the same every run: with seed 5, p0's greedy action changes
# within the filters' range, so a0's and a2's answers differ on some of the test's observations
# (with other seeds p0 answers 0 or 1 everywhere there, and which filter applies is invisible).


@pytest.fixture(scope="module")
def trio_checkpoint(tmp_path_factory, rlcli_exe):
    """The tiny three-agent policy's checkpoint, and the environment to serve it in."""
    root = tmp_path_factory.mktemp("trio")
    (root / "trio.yaml").write_text(TRIO_EXPERIMENT)
    # The env module's dir, before the rlcli the suite runs (a checkout on PYTHONPATH, if any).
    env = storage_env(root / "results", PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    trained = run_rlcli(rlcli_exe, "train", "-f", str(root / "trio.yaml"), env=env)
    assert trained.returncode == 0, trained.stderr
    (trial,) = trial_dirs(root / "results" / "trio")
    (checkpoint,) = trial.glob("checkpoint_*")
    return checkpoint, env


@pytest.fixture(scope="module", params=["embedded", "ray"])
def trio(request, trio_checkpoint, rlcli_exe):
    """(base URL, the checkpoint) while ``rlcli serve --backend B`` serves the three-agent policy."""
    if request.param == "ray":
        pytest.importorskip("ray.serve", reason="the dev extra installs ray[serve] (rlcli[serve])")
    checkpoint, env = trio_checkpoint
    with serving(rlcli_exe, checkpoint, "--backend", request.param, env=env) as url:
        yield url, checkpoint


def _module_actions(checkpoint: Path, module: str, agent: str, observations: np.ndarray) -> np.ndarray:
    """Greedy actions of ``module`` on ``agent``'s filtered observations, from the checkpoint:
    the agent's saved MeanStdFilter statistics, ``(x - mean) / (std + 1e-8)`` clipped at 10 (RLlib's
    defaults), then the module's forward pass and the argmax."""
    import torch
    from ray.rllib.connectors.connector_v2 import ConnectorV2
    from ray.rllib.core.rl_module.rl_module import RLModule

    pipeline = ConnectorV2.from_checkpoint(str(checkpoint / "env_runner" / "env_to_module_connector"))
    (piece,) = [c for c in pipeline.connectors if type(c).__name__ == "MeanStdFilter"]
    stats = piece._filters[agent].running_stats
    normalized = np.clip((observations - stats.mean) / (stats.std + 1e-8), -10, 10)
    rl_module = RLModule.from_checkpoint(str(checkpoint / "learner_group" / "learner" / "rl_module" / module))
    with torch.no_grad():
        out = rl_module.forward_inference({"obs": torch.as_tensor(normalized, dtype=torch.float32)})
    return out["action_dist_inputs"].argmax(-1).numpy()


def test_each_agent_acts_with_its_module_and_its_own_filter(trio):
    url, checkpoint = trio
    rng = np.random.default_rng(0)
    small = rng.uniform(-2, 12, size=(40, 1)).astype(np.float32)
    wide = rng.uniform(-1, 1, size=(40, 3)).astype(np.float32)
    expected = {
        "a0": _module_actions(checkpoint, "p0", "a0", small),
        "a1": _module_actions(checkpoint, "p1", "a1", wide),
        "a2": _module_actions(checkpoint, "p0", "a2", small),
    }
    assert (expected["a0"] != expected["a2"]).any(), "a0 and a2 share p0 but not a filter: some action must differ"
    body = {"observations": {"a0": small.tolist(), "a1": wide.tolist(), "a2": small.tolist()}}
    status, answer = post_json(f"{url}/v1/actions", json.dumps(body).encode())
    assert status == 200, answer
    assert answer["actions"] == {agent: actions.tolist() for agent, actions in expected.items()}
    one = {"observations": {"a1": wide[3].tolist(), "a2": small[:2].tolist()}}  # one bare, a batch
    status, answer = post_json(f"{url}/v1/actions", json.dumps(one).encode())
    assert (status, answer) == (200, {"actions": {"a1": int(expected["a1"][3]), "a2": expected["a2"][:2].tolist()}})
    policy = get_json(f"{url}/v1/policy")
    assert policy["multi_agent"] and policy["agents"] == {"a0": "p0", "a1": "p1", "a2": "p0"}
    assert {m: s["observation_shape"] for m, s in policy["modules"].items()} == {"p0": [1], "p1": [3]}


@pytest.mark.parametrize(
    "observations, needle",
    [
        ({"a9": [0.0]}, "agent 'a9': the policy mapping gives no module"),
        ({"a1": [0.0]}, "agent 'a1': 'observations' has shape [1]; expected [3]"),
        ({"a0": [0.0, 1.0, 2.0]}, "agent 'a0': 'observations' has shape [3]; expected [1]"),
        ([0.0], "this policy is multi-agent"),
        ({}, "names no agent"),
    ],
)
def test_bad_multi_agent_requests_get_a_422(trio, observations, needle):
    url, _ = trio
    status, answer = post_json(f"{url}/v1/actions", json.dumps({"observations": observations}).encode())
    assert status == 422 and needle in answer["error"], answer
    assert get_json(f"{url}/healthz") == {"status": "ok"}
