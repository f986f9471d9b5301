from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import TINY_PPO, run_rlcli, storage_env  # importable once the path above is set

HERE = Path(__file__).parent


@pytest.fixture
def subprocess_env(storage: Path) -> dict[str, str]:
    """The environment for an ``rlcli`` subprocess writing into the test's ``storage``."""
    return storage_env(storage)


# The session's tiny trainings that several test modules roll out (each is trained once).


@pytest.fixture(scope="session")
def skewed(tmp_path_factory, rlcli_exe) -> tuple[Path, dict[str, str]]:
    """Tiny PPO on SkewedEpisodes (an env that reads EnvContext attributes): the experiment dir
    and the environment its rollouts need (the env module on PYTHONPATH)."""
    storage = tmp_path_factory.mktemp("skewed-results")
    env = storage_env(storage, PYTHONPATH=str(HERE))
    proc = run_rlcli(
        rlcli_exe,
        "train",
        "--run",
        "PPO",
        "--env",
        "rollout_envs:SkewedEpisodes",
        "--name",
        "skewed",
        *TINY_PPO,
        "stop.training_iteration=1",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return storage / "skewed", env


PAIR_EXPERIMENT = """\
pair:
  run: PPO
  env: rollout_ma_envs:RandomPair
  stop: {training_iteration: 1}
  config:
    num_env_runners: 0
    train_batch_size: 200
    minibatch_size: 50
    num_epochs: 1
    model_config: {fcnet_hiddens: [16]}
    multiagent:
      policies: [p0, p1]
      policy_mapping_fn: {type: rlcli.core.multiagent.AgentToModule, mapping: {a0: p0, a1: p1}}
"""


@pytest.fixture(scope="session")
def pair(tmp_path_factory, rlcli_exe) -> tuple[Path, dict[str, str]]:
    """Tiny two-policy PPO on RandomPair: the experiment dir and the environment to run rlcli in."""
    root = tmp_path_factory.mktemp("pair")
    (root / "pair.yaml").write_text(PAIR_EXPERIMENT)
    env = storage_env(root / "results", PYTHONPATH=str(HERE))
    proc = run_rlcli(rlcli_exe, "train", "-f", str(root / "pair.yaml"), env=env)
    assert proc.returncode == 0, proc.stderr
    return root / "results" / "pair", env
