"""A checkpoint whose RLModule code changed after training (rlcli.core.rllib.module_weights):
a user's module by import path trained with 8 hidden units, then edited to build 16 (or an extra
layer). rollout (both engines), export, serve and train --restore each refuse it in one line
naming the module, the parameter, both shapes and the cause, where RLlib fails inside torch's
``load_state_dict`` (or, for a layer the checkpoint lacks, loads it silently with random weights)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from helpers import last_error_line, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration

MODULE = """\
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.apis.value_function_api import ValueFunctionAPI
from ray.rllib.core.rl_module.torch.torch_rl_module import TorchRLModule

WIDTH = {width}
EXTRA = {extra}


class Fixed(TorchRLModule, ValueFunctionAPI):
    def setup(self):
        n = int(self.observation_space.shape[0])
        self.pi = torch.nn.Sequential(
            torch.nn.Linear(n, WIDTH), torch.nn.Tanh(), torch.nn.Linear(WIDTH, self.action_space.n)
        )
        self.vf = torch.nn.Linear(n, 1)
        if EXTRA:
            self.extra = torch.nn.Linear(n, n)

    def _forward(self, batch, **kwargs):
        return {{Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS])}}

    def compute_values(self, batch, embeddings=None):
        return self.vf(batch[Columns.OBS]).squeeze(-1)
"""
TINY = ("num_env_runners=0", "train_batch_size=200", "minibatch_size=50", "num_epochs=1", "stop.training_iteration=1")
CAUSE = (
    "The module's code (or a default it reads) changed since this checkpoint was trained, e.g. a hidden size; "
    "use the code it was trained with, or train again."
)


def write_module(project: Path, width: int, extra: bool = False) -> None:
    (project / "mmproj" / "nets.py").write_text(MODULE.format(width=width, extra=extra))


@pytest.fixture(scope="module")
def trained(rlcli_exe, tmp_path_factory) -> tuple[Path, Path, Path, dict[str, str]]:
    """(project dir, experiment dir, checkpoint, env): PPO trained with the module at WIDTH = 8."""
    root = tmp_path_factory.mktemp("mismatch")
    project = root / "proj"
    (project / "mmproj").mkdir(parents=True)
    (project / "mmproj" / "__init__.py").write_text("")
    write_module(project, 8)
    env = storage_env(root / "results", PYTHONPATH=str(project), PYTHONDONTWRITEBYTECODE="1")
    args = ("train", "--run", "PPO", "--env", "CartPole-v1", "--name", "fixed", *TINY)
    proc = run_rlcli(rlcli_exe, *args, "rl_module_spec.module_class=mmproj.nets.Fixed", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    exp = root / "results" / "fixed"
    (trial,) = trial_dirs(exp)
    (checkpoint,) = sorted(trial.glob("checkpoint_*"))
    return project, exp, checkpoint, env


@pytest.fixture
def widened(trained):
    """The module edited to 16 hidden units after training (put back afterwards)."""
    project = trained[0]
    write_module(project, 16)
    yield trained
    write_module(project, 8)


def commands(exp: Path, checkpoint: Path, tmp: Path) -> dict[str, tuple[str, ...]]:
    return {
        "rollout fast": ("rollout", str(exp), "--episodes", "1", "--engine", "fast"),
        "rollout rllib": ("rollout", str(exp), "--episodes", "1", "--engine", "rllib"),
        "export": ("export", str(exp), "--format", "onnx", "-o", str(tmp / "policy.onnx")),
        "serve": ("serve", str(exp), "--port", "1"),  # refused while loading, before any port is bound
        "train --restore": (
            "train", "--run", "PPO", "--env", "CartPole-v1", "--restore", str(checkpoint), *TINY,
            "rl_module_spec.module_class=mmproj.nets.Fixed", "--dry-run",
        ),
    }  # fmt: skip


@pytest.mark.parametrize("command", ["rollout fast", "rollout rllib", "export", "serve", "train --restore"])
def test_a_changed_hidden_size_is_one_clear_error(rlcli_exe, widened, tmp_path, command):
    _, exp, checkpoint, env = widened
    proc = run_rlcli(rlcli_exe, *commands(exp, checkpoint, tmp_path)[command], env=env)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    # CartPole has 4 observations: the first layer's weight is (WIDTH, 4), 8 saved and 16 built.
    assert last_error_line(proc.stderr) == (
        f"Error: The checkpoint {checkpoint} does not fit its RLModule: module 'default_policy' "
        f"(mmproj.nets.Fixed) builds pi.0.weight with shape (16, 4), but the checkpoint holds (8, 4). {CAUSE}"
    )
    assert not (tmp_path / "policy.onnx").exists()


def test_a_layer_the_checkpoint_lacks_is_refused_not_left_random(rlcli_exe, trained, tmp_path):
    """RLlib loads module weights with strict=False: without the check the new layer would keep
    its random initial weights and the rollout would run."""
    project, exp, _, env = trained
    write_module(project, 8, extra=True)
    try:
        proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--episodes", "1", env=env)
    finally:
        write_module(project, 8)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert last_error_line(proc.stderr).endswith(
        "does not fit its RLModule: module 'default_policy' (mmproj.nets.Fixed) builds extra.weight (4, 4), "
        f"which the checkpoint does not hold. {CAUSE}"
    )


def test_the_unchanged_module_still_rolls_out(rlcli_exe, trained):
    _, exp, _, env = trained
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--episodes", "2", "--json", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_a_dqn_checkpoint_with_target_networks_is_no_mismatch(rlcli_exe, dqn_cartpole):
    """DQN's Learner adds target networks to the module after it is built: the checkpoint holds
    weights a freshly built module lacks, which RLlib skips on loading and so must the check."""
    env = storage_env(dqn_cartpole.parent)
    (trial,) = trial_dirs(dqn_cartpole)
    checkpoint = sorted(trial.glob("checkpoint_*"))[-1]
    state = checkpoint / "learner_group" / "learner" / "rl_module" / "default_policy" / "module_state.pkl"
    with open(state, "rb") as f:
        assert any(key.startswith("_target_") for key in pickle.load(f))  # what makes this case
    for engine in ("fast", "rllib"):
        proc = run_rlcli(rlcli_exe, "rollout", str(checkpoint), "--episodes", "1", "--engine", engine, env=env)
        assert proc.returncode == 0, (engine, proc.stderr[-3000:])
