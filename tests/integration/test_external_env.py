"""``rlcli train --external-env PORT``: RLlib 2.60's own RLlink server, fed by an external
CartPole simulator in another process (RLlib's example client, which runs the RLModule it is
sent and plays the episodes itself). The experiment's ``--env`` only gives the spaces and
raises if it is ever reset or stepped, so every episode in the results came from the client."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TINY_PPO, free_port, result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent

CLIENT = (
    "import sys\n"
    "from ray.rllib.examples.envs.classes.utils.dummy_external_client import _dummy_external_client\n"
    "_dummy_external_client(int(sys.argv[1]))\n"
)


def test_training_plays_the_external_simulators_episodes(rlcli_exe, tmp_path):
    port = free_port()
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT, str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        proc = run_rlcli(
            rlcli_exe,
            *("train", "--run", "PPO", "--env", "external_envs:NeverStepped", "--name", "external", *TINY_PPO),
            *("stop.training_iteration=2", "--external-env", str(port)),
            env=storage_env(tmp_path, PYTHONPATH=str(HERE)),
            timeout=400,
        )
    finally:
        client.send_signal(signal.SIGKILL)
        output, _ = client.communicate(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert f"listens on 127.0.0.1:{port} (RLlink)" in proc.stderr
    (trial,) = trial_dirs(tmp_path / "external")
    rows = result_rows(trial)
    assert [row["training_iteration"] for row in rows] == [1, 2]
    assert rows[-1]["num_env_steps_sampled_lifetime"] >= 400  # two train batches, all from the client
    returns = rows[-1]["env_runners"]["episode_return_mean"]
    assert 8 <= returns <= 500, returns  # CartPole episodes (the client's env), not NeverStepped's
    assert f"localhost:{port}" in output  # the client connected to the port rlcli said
    # The checkpoint rolls out without a simulator: RLlib's default env runner, the env config
    # without the server's host and port (CartPole would refuse them), on the env given.
    env = storage_env(tmp_path, PYTHONPATH=str(HERE))
    rollout = ("rollout", str(tmp_path / "external"), "--env", "CartPole-v1", "--episodes", "2")
    for engine in ("auto", "rllib"):
        rolled = run_rlcli(rlcli_exe, *rollout, "--engine", engine, env=env, timeout=200)
        assert rolled.returncode == 0, rolled.stderr
        assert "trained against an external simulator" in rolled.stderr
        assert rolled.stdout.count("Episode #") == 2 and "episodes         2" in rolled.stdout
