"""A real multi-node Ray cluster on this machine: a head and two worker nodes, each its own raylet
(Ray's own ``cluster_utils.Cluster``), joined with ``--ray-address``; a 2-trial sweep whose env
runners must run on the worker nodes (they alone have the ``envnode`` resource), with the env's
module shipped to them through Ray's runtime environment (``working_dir``) rather than found on
``PYTHONPATH``. The test stops exactly the nodes it started (``Cluster.shutdown()``), never with
``ray stop``, which kills every Ray process on the machine, a user's own included."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers import result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration

ENV_MODULE = '''
"""CartPole that writes which Ray node built it (a file per process), to check placement."""
import os

import gymnasium as gym
import ray


class NodeRecordingCartPole(gym.Wrapper):
    def __init__(self, config):
        super().__init__(gym.make("CartPole-v1"))
        with open(os.path.join(config["record_dir"], f"{os.getpid()}.node"), "w") as fh:
            fh.write(ray.get_runtime_context().get_node_id())
'''


@pytest.fixture
def cluster():
    from ray.cluster_utils import Cluster

    nodes = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 2, "include_dashboard": False},
    )
    try:
        workers = [nodes.add_node(num_cpus=1, resources={"envnode": 1}) for _ in range(2)]
        nodes.wait_for_nodes()
        yield nodes, {w.node_id for w in workers}
    finally:
        nodes.shutdown()  # exactly the raylets started here


def test_sweep_on_a_three_node_cluster_places_env_runners_on_workers(cluster, rlcli_exe, tmp_path):
    nodes, worker_ids = cluster
    project, records = tmp_path / "project", tmp_path / "nodes"
    project.mkdir()
    records.mkdir()
    (project / "rlcli_cluster_env.py").write_text(textwrap.dedent(ENV_MODULE))
    storage = tmp_path / "results"
    env = storage_env(storage, PYTHONPATH=str(project), RAY_AUTH_MODE="disabled")  # the driver imports it too
    proc = run_rlcli(
        rlcli_exe,
        "train",
        "--run",
        "PPO",
        "--env",
        "rlcli_cluster_env:NodeRecordingCartPole",
        "--env-config",
        json.dumps({"record_dir": str(records)}),
        "--name",
        "sweep",
        "--ray-address",
        nodes.address,
        "--ray-runtime-env",
        json.dumps({"working_dir": str(project)}),
        "num_env_runners=1",
        "custom_resources_per_env_runner={envnode: 1}",
        "train_batch_size=200",
        "minibatch_size=50",
        "num_epochs=1",
        "model_config.fcnet_hiddens=[16]",
        "lr={grid_search: [0.001, 0.0001]}",
        "stop.training_iteration=1",
        env=env,
        timeout=400,
    )
    assert proc.returncode == 0, proc.stderr
    assert "every node must reach it" in proc.stderr  # a local storage path on a cluster is said to need sharing
    trials = trial_dirs(storage / "sweep")
    assert len(trials) == 2
    assert all(len(result_rows(t)) == 1 and list(t.glob("checkpoint_*")) for t in trials)
    built_on = {p.read_text() for p in records.glob("*.node")}
    assert built_on and built_on <= worker_ids, (built_on, worker_ids)  # never on the head
    best = run_rlcli(rlcli_exe, "analyze", "best-checkpoint", str(storage / "sweep"), "--json", env=env)
    assert best.returncode == 0, best.stderr
    assert Path(json.loads(best.stdout)["path"]).parent in trials
