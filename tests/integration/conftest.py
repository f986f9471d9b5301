from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

sys.path.insert(0, str(Path(__file__).parent))

from helpers import TINY_PPO, run_rlcli, storage_env  # importable once the path above is set

HERE = Path(__file__).parent


@pytest.fixture
def subprocess_env(storage: Path) -> dict[str, str]:
    """The environment for an ``rlcli`` subprocess writing into the test's ``storage``."""
    return storage_env(storage)


# The session's tiny trainings that several test modules roll out: each is trained once per
# test run, by whichever pytest-xdist worker needs it first, and read by all (xdist's recipe for
# session fixtures shared by workers: a directory of the run that all workers see, and a lock).


def shared_training(tmp_path_factory, name: str, train: Callable[[Path], None]) -> Path:
    """The directory ``train`` filled, trained once for the whole test run."""
    base = tmp_path_factory.getbasetemp()
    under_xdist = "PYTEST_XDIST_WORKER" in os.environ
    root = base.parent if under_xdist else base  # under xdist: the run's dir, above the workers'
    target = root / f"shared-{name}"
    with FileLock(str(root / f"shared-{name}.lock")):
        if not (target / ".trained").exists():
            shutil.rmtree(target, ignore_errors=True)  # a half-made one from a worker that failed
            target.mkdir()
            train(target)
            (target / ".trained").touch()
    return target


def trained_once(tmp_path_factory, rlcli_exe: str, name: str, args: tuple[str, ...]) -> Path:
    """The experiment dir ``rlcli`` writes for ``args`` (which say ``--name name``), trained once
    for the whole run."""

    def train(root: Path) -> None:
        proc = run_rlcli(rlcli_exe, *args, env=storage_env(root))
        assert proc.returncode == 0, proc.stderr

    return shared_training(tmp_path_factory, name, train) / name


@pytest.fixture(scope="session")
def skewed(tmp_path_factory, rlcli_exe) -> tuple[Path, dict[str, str]]:
    """Tiny PPO on SkewedEpisodes (an env that reads EnvContext attributes): the experiment dir
    and the environment its rollouts need (the env module on PYTHONPATH)."""

    def train(root: Path) -> None:
        proc = run_rlcli(rlcli_exe, *SKEWED_ARGS, env=storage_env(root, PYTHONPATH=str(HERE)))
        assert proc.returncode == 0, proc.stderr

    storage = shared_training(tmp_path_factory, "skewed", train)
    return storage / "skewed", storage_env(storage, PYTHONPATH=str(HERE))


SKEWED_ARGS = ("train", "--run", "PPO", "--env", "rollout_envs:SkewedEpisodes", "--name", "skewed", *TINY_PPO)
SKEWED_ARGS += ("stop.training_iteration=1",)


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
      policy_mapping_fn: {type: rlcli.AgentToModule, mapping: {a0: p0, a1: p1}}
"""


@pytest.fixture(scope="session")
def pair(tmp_path_factory, rlcli_exe) -> tuple[Path, dict[str, str]]:
    """Tiny two-policy PPO on RandomPair: the experiment dir and the environment to run rlcli in."""

    def train(root: Path) -> None:
        (root / "pair.yaml").write_text(PAIR_EXPERIMENT)
        env = storage_env(root / "results", PYTHONPATH=str(HERE))
        proc = run_rlcli(rlcli_exe, "train", "-f", str(root / "pair.yaml"), env=env)
        assert proc.returncode == 0, proc.stderr

    root = shared_training(tmp_path_factory, "pair", train)
    return root / "results" / "pair", storage_env(root / "results", PYTHONPATH=str(HERE))


#: The tiny CartPole PPO with a connector (MeanStdFilter) that several files read: served,
#: exported and rolled out, and the real experiment the bad-input matrix must leave untouched.
FILTERED_ARGS = ("train", "--run", "PPO", "--env", "CartPole-v1", "--name", "filtered", *TINY_PPO)
FILTERED_ARGS += ("observation_filter=MeanStdFilter", "stop.training_iteration=2")


@pytest.fixture(scope="session")
def filtered_cartpole(tmp_path_factory, rlcli_exe) -> Path:
    """The experiment dir of the tiny filtered CartPole PPO (2 iterations, checkpoint at the end),
    trained once for the whole run. Read it, or copy it to change it."""

    return trained_once(tmp_path_factory, rlcli_exe, "filtered", FILTERED_ARGS)


#: Tiny off-policy checkpoints (one iteration each), for what differs from PPO's: DQN's module
#: picks its own actions (argmax Q; epsilon-greedy on a schedule of the global step when
#: exploring), SAC's acts through a squashed Gaussian. The epsilon schedule ends at 0.1 within
#: the iteration's 1,000 steps, so an exploring rollout of the checkpoint acts greedily ~95% of
#: the time (~50% if it were given t=0).
DQN_ARGS = ("train", "--run", "DQN", "--env", "CartPole-v1", "--name", "dqn", "num_env_runners=0")
DQN_ARGS += ("train_batch_size=32", "num_steps_sampled_before_learning_starts=64", "model_config.fcnet_hiddens=[16]")
DQN_ARGS += ("epsilon=[[0, 1.0], [500, 0.1]]", "min_sample_timesteps_per_iteration=1000", "stop.training_iteration=1")
SAC_ARGS = ("train", "--run", "SAC", "--env", "Pendulum-v1", "--name", "sac", "num_env_runners=0")
SAC_ARGS += ("train_batch_size=32", "num_steps_sampled_before_learning_starts=64", "model_config.fcnet_hiddens=[16]")
SAC_ARGS += ("min_sample_timesteps_per_iteration=400", "stop.training_iteration=1")


@pytest.fixture(scope="session")
def dqn_cartpole(tmp_path_factory, rlcli_exe) -> Path:
    """The experiment dir of the tiny CartPole DQN, trained once for the whole run."""

    return trained_once(tmp_path_factory, rlcli_exe, "dqn", DQN_ARGS)


@pytest.fixture(scope="session")
def sac_pendulum(tmp_path_factory, rlcli_exe) -> Path:
    """The experiment dir of the tiny Pendulum SAC, trained once for the whole run."""

    return trained_once(tmp_path_factory, rlcli_exe, "sac", SAC_ARGS)
