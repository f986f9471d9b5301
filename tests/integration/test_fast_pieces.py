"""rlcli's faster RLlib pieces (:mod:`rlcli.fast`) against RLlib's own, on the same data, and as
the defaults of plain runs (:mod:`rlcli.core.rllib.fast_defaults`)."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch
from helpers import run_rlcli, trial_dirs
from ray.rllib.algorithms.sac import SACConfig
from ray.rllib.algorithms.sac.sac_catalog import SACCatalog
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from rlcli.core.rllib import fast_defaults
from rlcli.core.spec import CheckpointSpec, ExperimentSpec
from rlcli.fast.sac import ConcatQSACCatalog

pytestmark = pytest.mark.integration

PENDULUM = gym.make("Pendulum-v1")
MODEL = {"fcnet_hiddens": [64, 32], "fcnet_activation": "relu", "head_fcnet_hiddens": []}


def _sac_module(catalog: type | None, action_space: gym.Space = PENDULUM.action_space, **model: object):
    config = SACConfig().environment(observation_space=PENDULUM.observation_space, action_space=action_space)
    config = config.rl_module(model_config={**MODEL, **model})
    if catalog is not None:
        config = config.rl_module(rl_module_spec=RLModuleSpec(catalog_class=catalog))
    return config.get_rl_module_spec(spaces=None).build()


def _mlp(params: dict[str, torch.Tensor], prefix: str, x: torch.Tensor, layers: int) -> torch.Tensor:
    """An independent ReLU MLP over the module's own weights (``prefix`` + ``net.mlp.{2i}``)."""
    linear = sorted({k.rsplit(".", 1)[0] for k in params if k.startswith(prefix) and k.endswith(".weight")})
    assert len(linear) == layers, linear
    for name in linear:
        x = torch.relu(x @ params[f"{name}.weight"].T + params[f"{name}.bias"])
    return x


def test_concat_q_network_is_an_mlp_over_observation_and_action():
    """Every Q-network (the two learned ones and their targets) computes exactly
    ``head(MLP(cat(obs, action)))`` with ``fcnet_hiddens`` layers: checked against plain torch
    matrix products over the module's weights on a random batch."""
    module = _sac_module(ConcatQSACCatalog)
    params = dict(module.named_parameters())
    rng = np.random.default_rng(0)
    obs = torch.as_tensor(rng.normal(size=(32, 3)), dtype=torch.float32)
    actions = torch.as_tensor(rng.uniform(-2, 2, size=(32, 1)), dtype=torch.float32)
    batch = {Columns.OBS: obs, Columns.ACTIONS: actions}
    for encoder, head in (("qf_encoder", "qf"), ("qf_twin_encoder", "qf_twin")):
        hidden = _mlp(params, f"{encoder}.", torch.cat([obs, actions], -1), layers=2)
        expected = (hidden @ params[f"{head}.net.mlp.0.weight"].T + params[f"{head}.net.mlp.0.bias"]).squeeze(-1)
        got = module._qf_forward_train_helper(batch, getattr(module, encoder), getattr(module, head))
        torch.testing.assert_close(got, expected)
        assert params[f"{encoder}.net.mlp.0.weight"].shape == (64, 4)  # obs 3 + action 1 in
    # The twin-Q minimum RLlib's loss reads, and the target networks built from the same catalog.
    both = torch.min(
        module._qf_forward_train_helper(batch, module.qf_encoder, module.qf),
        module._qf_forward_train_helper(batch, module.qf_twin_encoder, module.qf_twin),
    )
    torch.testing.assert_close(module.compute_q_values(batch), both)
    module.make_target_networks()  # what SAC's Learner does: copies, so equal until the first update
    assert type(module.target_qf_encoder).__name__ == "ConcatObsActionEncoder"
    torch.testing.assert_close(module.forward_target(batch), both)


def test_concat_q_keeps_everything_else_of_rllibs_sac_module():
    """The policy network, its head and every non-Q weight are RLlib's, name for name and shape
    for shape; only the Q encoders differ, and they are ~10x smaller than RLlib's multi-stream ones
    at the tuned example's [256, 256] (SB3's critic size: (4*256+256) + (256*256+256) weights)."""
    stock, fast = _sac_module(None), _sac_module(ConcatQSACCatalog)

    def shapes(module, q: bool) -> dict[str, tuple[int, ...]]:
        return {n: tuple(p.shape) for n, p in module.named_parameters() if ("qf" in n) == q}

    assert shapes(fast, q=False) == shapes(stock, q=False)
    big = {"fcnet_hiddens": [256, 256]}
    stock_q = sum(p.numel() for p in _sac_module(None, **big).qf_encoder.parameters())
    fast_q = sum(p.numel() for p in _sac_module(ConcatQSACCatalog, **big).qf_encoder.parameters())
    assert fast_q == (4 * 256 + 256) + (256 * 256 + 256)
    assert stock_q > 9 * fast_q


def test_discrete_action_sac_builds_rllibs_own_q_network():
    discrete = gym.spaces.Discrete(3)
    stock, fast = _sac_module(SACCatalog, discrete), _sac_module(ConcatQSACCatalog, discrete)
    assert type(fast.qf_encoder) is type(stock.qf_encoder)
    assert {n: p.shape for n, p in fast.named_parameters()} == {n: p.shape for n, p in stock.named_parameters()}


def _spec(algorithm: str, **config: object) -> ExperimentSpec:
    return ExperimentSpec(
        name="x",
        algorithm=algorithm,
        env="Pendulum-v1",
        env_config={},
        config=dict(config),
        stop={},
        checkpoint=CheckpointSpec(),
        storage_path="/tmp",
    )


def test_fast_defaults_leave_a_users_choices_alone(monkeypatch):
    monkeypatch.delenv(fast_defaults.STOCK_ENV, raising=False)
    added = fast_defaults.apply(_spec("SAC"))
    assert added.config["rl_module_spec"] == {"catalog_class": "rlcli.fast.sac:ConcatQSACCatalog"}
    own = {"catalog_class": "ray.rllib.algorithms.sac.sac_catalog:SACCatalog"}
    assert fast_defaults.apply(_spec("SAC", rl_module_spec=own)).config["rl_module_spec"] == own
    assert fast_defaults.apply(_spec("SAC", policies=["a", "b"])).config == {"policies": ["a", "b"]}
    assert fast_defaults.apply(_spec("CQL")).config == {}
    monkeypatch.setenv(fast_defaults.STOCK_ENV, "1")
    assert fast_defaults.apply(_spec("SAC")).config == {}


def test_plain_sac_trains_with_the_concat_q_network_and_stock_on_request(rlcli_exe, storage, subprocess_env):
    """``rlcli train --run SAC`` trains a real trial on the fast Q-network (its params.json names
    the catalog); ``RLCLI_STOCK_RLLIB=1`` trains RLlib's own."""
    tiny = ["--run", "SAC", "--env", "Pendulum-v1", "--stop", '{"training_iteration": 2}', "-q"]
    tiny += ["num_env_runners=0", "train_batch_size=32", "num_steps_sampled_before_learning_starts=32"]
    tiny += ["model_config.fcnet_hiddens=[16]"]
    for name, extra_env, catalog in (("fast", {}, "ConcatQSACCatalog"), ("stock", {"RLCLI_STOCK_RLLIB": "1"}, None)):
        proc = run_rlcli(rlcli_exe, "train", *tiny, "--name", name, env={**subprocess_env, **extra_env})
        assert proc.returncode == 0, proc.stderr
        (trial,) = trial_dirs(storage / name)
        params = json.loads((trial / "params.json").read_text())
        if catalog:
            assert catalog in str(params["rl_module_spec"])
        else:
            assert "rl_module_spec" not in params
        rows = [json.loads(line) for line in (trial / "result.json").read_text().splitlines() if line.strip()]
        assert rows[-1]["training_iteration"] == 2
        assert rows[-1]["learners"]["default_policy"]["num_module_steps_trained"] > 0
