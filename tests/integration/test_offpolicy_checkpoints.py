"""Off-policy checkpoints (the session's tiny DQN and SAC) through rollout and export: what
PPO's checkpoints cannot show.

- DQN's module picks its own actions: greedy rollouts agree on both engines for the same seed,
  env i seeded S+i on both (CartPole's batched vector env seeds all envs from one generator, so
  the fast path must not use it for a seeded run of several envs).
- Exploring, DQN's epsilon follows a schedule of the global env step: the fast path must act at
  the checkpoint's step (epsilon 0.1 here), not at step 0 (epsilon 1.0), as RLlib's EnvRunner does.
- SAC acts through a squashed Gaussian: greedy is tanh of the mean, scaled to the bounds; both
  engines and the exported files must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import run_rlcli

pytestmark = pytest.mark.integration


def _rollout(exe: str, exp: Path, *args: str) -> dict:
    proc = run_rlcli(exe, "rollout", str(exp), *args, "--json", env=None)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("fixture", ["dqn_cartpole", "sac_pendulum"])
def test_greedy_rollouts_agree_on_both_engines(request, rlcli_exe, fixture):
    exp = request.getfixturevalue(fixture)
    args = ("--episodes", "6", "--num-envs", "3", "--seed", "5")
    fast = _rollout(rlcli_exe, exp, *args, "--engine", "fast")
    rllib = _rollout(rlcli_exe, exp, *args, "--engine", "rllib")
    assert fast["path"] == "RLModule fast path" and rllib["path"].startswith("RLlib EnvRunner")
    assert np.allclose(sorted(fast["returns"]), sorted(rllib["returns"]), rtol=1e-4), (fast, rllib)
    assert len(set(fast["returns"])) > 1  # the envs really started from different seeds


def test_exploring_dqn_acts_with_the_checkpoints_epsilon(dqn_cartpole, rlcli_exe, tmp_path):
    """Each recorded action against the module's own argmax on the recorded observation: about
    epsilon/2 of them differ (a random pick of 2 actions is the greedy one half the time)."""
    import pandas as pd
    import torch
    from ray.rllib.core.rl_module.rl_module import RLModule

    out = tmp_path / "explore.parquet"
    result = _rollout(rlcli_exe, dqn_cartpole, "--steps", "2000", "--seed", "3", "--explore", "--out", str(out))
    assert result["path"] == "RLModule fast path"
    steps = pd.read_parquet(out)
    ckpt = next(dqn_cartpole.glob("*/checkpoint_*"))
    module = RLModule.from_checkpoint(str(ckpt / "learner_group" / "learner" / "rl_module" / "default_policy"))
    obs = torch.as_tensor(np.stack(steps["obs"].to_numpy()), dtype=torch.float32)
    with torch.inference_mode():
        greedy = module.forward_inference({"obs": obs})["actions"].numpy()
    differ = float(np.mean(greedy != steps["actions"].to_numpy()))
    # epsilon 0.1 → 0.05 expected; 2,000 steps: std 0.005. At t=0 it would be ~0.5.
    assert 0.02 <= differ <= 0.09, differ
