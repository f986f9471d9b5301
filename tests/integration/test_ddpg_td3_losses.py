"""DDPG/TD3's learner against hand computations on a tiny batch: TD3's target with its smoothing
noise fixed, the critic and actor losses, Polyak-averaged targets, and the delayed actor update
(the actor's weights untouched on the steps in between). Real RLlib Learner and RLModule, built
in this process (no Ray cluster: a Learner needs none); the networks' weights are read out and
the same quantities recomputed in numpy."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ray.rllib.core.columns import Columns  # noqa: E402
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch  # noqa: E402

from rlcli.algorithms.ddpg import noise  # noqa: E402
from rlcli.algorithms.ddpg.learner import QF_LOSS_KEY, QF_TWIN_LOSS_KEY, critic_target  # noqa: E402
from rlcli.algorithms.td3.td3 import TD3Config  # noqa: E402

pytestmark = pytest.mark.integration
B, GAMMA, HALF = 6, 0.9, 2.0  # Pendulum's torque is in [-2, 2]: half its range is 2


def make_learner(**training: Any) -> Any:
    """A TD3 Learner (its RLModule built, target networks made) on Pendulum's spaces."""
    settings = {"actor_hiddens": [4], "critic_hiddens": [5], "gamma": GAMMA, "train_batch_size": B, **training}
    config = TD3Config().environment("Pendulum-v1").training(**settings)
    return config.build_learner(env=gym.make("Pendulum-v1"))


def tiny_batch(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        Columns.OBS: rng.normal(size=(B, 3)).astype(np.float32),
        Columns.NEXT_OBS: rng.normal(size=(B, 3)).astype(np.float32),
        Columns.ACTIONS: rng.uniform(-1, 1, size=(B, 1)).astype(np.float32),
        Columns.REWARDS: rng.normal(size=B).astype(np.float32),
        Columns.TERMINATEDS: np.array([False, True, False, False, True, False]),
        "n_step": np.array([1, 1, 2, 1, 3, 1], dtype=np.float32),
        "weights": np.array([1.0, 0.5, 1.0, 2.0, 1.0, 0.25], dtype=np.float32),
    }


def as_torch(batch: dict[str, np.ndarray]) -> dict[str, Any]:
    return {k: torch.as_tensor(v) for k, v in batch.items()}


def weights(net: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    linear = [layer for layer in net if isinstance(layer, torch.nn.Linear)]
    return [(layer.weight.detach().numpy().astype(np.float64), layer.bias.detach().numpy()) for layer in linear]


def np_mlp(layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = np.maximum(x, 0.0)  # relu, the default activation
    return x


def np_actor(net: Any, obs: np.ndarray) -> np.ndarray:
    return np.tanh(np_mlp(weights(net), obs))


def np_q(net: Any, obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    return np_mlp(weights(net), np.concatenate([obs, actions], axis=1))[:, 0]


def np_target(module: Any, batch: dict[str, np.ndarray], eps: np.ndarray, sigma: float, clip: float) -> np.ndarray:
    """``y = r + gamma**n (1 - d) min_i Q'_i(s', clip(pi'(s') + clip(sigma eps, ±clip) / half, ±1))``."""
    next_actions = np_actor(module.target_pi, batch[Columns.NEXT_OBS])
    smoothed = np.clip(next_actions + np.clip(sigma * eps, -clip, clip) / HALF, -1.0, 1.0)
    q_next = np.minimum(
        np_q(module.target_qf, batch[Columns.NEXT_OBS], smoothed),
        np_q(module.target_qf_twin, batch[Columns.NEXT_OBS], smoothed),
    )
    done = batch[Columns.TERMINATEDS].astype(np.float64)
    return batch[Columns.REWARDS] + GAMMA ** batch["n_step"] * (1.0 - done) * q_next


def test_td3_target_with_smoothing_noise_fixed():
    learner = make_learner(target_noise=0.4, target_noise_clip=0.3)
    module = learner.module["default_policy"]
    batch = tiny_batch()
    eps = np.array([[0.1], [0.5], [2.5], [-3.0], [-0.2], [1.0]], dtype=np.float32)  # rows 3, 4 and 6 clip
    t = as_torch(batch)
    q_next = module.target_next_q(t[Columns.NEXT_OBS], torch.as_tensor(eps))
    got = critic_target(t[Columns.REWARDS], t[Columns.TERMINATEDS], GAMMA ** t["n_step"], q_next).numpy()
    np.testing.assert_allclose(got, np_target(module, batch, eps, 0.4, 0.3), rtol=1e-5, atol=1e-6)
    # The smoothing really moved the target (and its clip bound): without noise it differs.
    no_noise = np_target(module, batch, np.zeros_like(eps), 0.4, 0.3)
    assert not np.allclose(got, no_noise)


def test_critic_and_actor_losses_match_a_hand_computation():
    learner = make_learner(target_noise=0.4, target_noise_clip=0.5, l2_reg=0.01)
    module = learner.module["default_policy"]
    batch = tiny_batch(1)
    torch.manual_seed(7)
    fwd = module.forward_train(as_torch(batch))
    torch.manual_seed(7)
    eps = torch.randn(B, 1).numpy()  # the draw forward_train made for the target smoothing
    learner.compute_loss_for_module(
        module_id="default_policy", config=learner.config.get_config_for_module("default_policy"),
        batch=as_torch(batch), fwd_out=fwd,
    )  # fmt: skip
    losses = {name: float(loss.detach()) for (_, name), loss in learner._temp_losses.items()}

    y = np_target(module, batch, eps, 0.4, 0.5)
    w = batch["weights"]

    def l2(net: Any) -> float:
        return sum(0.5 * float((weight**2).sum()) for weight, _ in weights(net))

    td1 = np_q(module.qf, batch[Columns.OBS], batch[Columns.ACTIONS]) - y
    td2 = np_q(module.qf_twin, batch[Columns.OBS], batch[Columns.ACTIONS]) - y
    assert losses[QF_LOSS_KEY] == pytest.approx(np.mean(w * 0.5 * td1**2) + 0.01 * l2(module.qf), rel=1e-5)
    assert losses[QF_TWIN_LOSS_KEY] == pytest.approx(np.mean(w * 0.5 * td2**2) + 0.01 * l2(module.qf_twin), rel=1e-5)
    # Actor: -mean Q_1(s, pi(s)) (the first critic only, as TD3), plus its own L2 term.
    q_pi = np_q(module.qf, batch[Columns.OBS], np_actor(module.pi, batch[Columns.OBS]))
    assert losses["policy_loss"] == pytest.approx(-np.mean(q_pi) + 0.01 * l2(module.pi), rel=1e-5)


def _state(module: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def _changed(a: dict[str, np.ndarray], b: dict[str, np.ndarray], prefix: str) -> bool:
    return any(not np.array_equal(a[k], b[k]) for k in a if k.startswith(prefix + "."))


def test_polyak_targets_and_delayed_actor_updates():
    tau = 0.3
    learner = make_learner(tau=tau, policy_delay=2)
    module = learner.module["default_policy"]
    batch = MultiAgentBatch({"default_policy": SampleBatch(tiny_batch(2))}, env_steps=B)

    def step(ts: int) -> dict[str, np.ndarray]:
        learner.update(batch=batch, timesteps={"num_env_steps_sampled_lifetime": ts})
        return _state(module)

    s0 = _state(module)
    s1 = step(10)  # step 0: actor learns, then every target <- tau * main + (1 - tau) * target
    assert _changed(s0, s1, "pi") and _changed(s0, s1, "qf") and _changed(s0, s1, "qf_twin")
    for key in s1:
        if key.startswith("target_"):
            main = key.removeprefix("target_")
            np.testing.assert_allclose(s1[key], tau * s1[main] + (1 - tau) * s0[key], rtol=1e-6, atol=1e-7)

    s2 = step(20)  # step 1: the critics learn; the actor and the targets are left exactly as they were
    assert _changed(s1, s2, "qf") and _changed(s1, s2, "qf_twin")
    assert not _changed(s1, s2, "pi")
    assert not any(_changed(s1, s2, name) for name in ("target_pi", "target_qf", "target_qf_twin"))

    s3 = step(30)  # step 2: the actor's turn again
    assert _changed(s2, s3, "pi") and _changed(s2, s3, "target_pi")


def test_gaussian_and_ou_noise_in_env_units():
    settings = noise.NoiseSettings(
        kind=noise.GAUSSIAN, random_timesteps=100, stddev=0.2, ou_base_scale=0.1, ou_theta=0.15, ou_sigma=0.2,
        initial_scale=1.0, final_scale=0.5, scale_timesteps=100,
    )  # fmt: skip
    half = torch.tensor([HALF])
    greedy = torch.zeros(20000, 1)
    gen = torch.Generator().manual_seed(0)
    random_phase = noise.explore(greedy, settings, 50, half, torch.zeros(1), gen)
    assert random_phase.min() >= -1 and random_phase.max() <= 1 and abs(float(random_phase.mean())) < 0.02
    assert float(random_phase.std()) == pytest.approx(1 / np.sqrt(3), rel=0.03)  # uniform on [-1, 1]
    # Half-way through the annealing the scale is 0.75: std 0.75 * 0.2 env units = 0.075 normalized.
    noisy = noise.explore(greedy, settings, 150, half, torch.zeros(1), gen)
    assert float(noisy.std()) == pytest.approx(0.75 * 0.2 / HALF, rel=0.03)

    ou = noise.NoiseSettings(**{**settings.__dict__, "kind": noise.ORNSTEIN_UHLENBECK, "random_timesteps": 0})
    state = torch.zeros(1)
    gen_a, gen_b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    expected_state = np.zeros(1)
    for t in (0, 1):
        out = noise.explore(torch.zeros(2, 1), ou, t, half, state, gen_a)
        scale = noise.noise_scale(ou, t)
        sample = scale * torch.randn(1, generator=gen_b).numpy()
        expected_state = expected_state + 0.15 * -expected_state + 0.2 * sample
        # noise = scale * ou_base_scale * state * (high - low), over half the range
        expected = np.clip(scale * 0.1 * expected_state * 4.0 / HALF, -1, 1)
        np.testing.assert_allclose(out.numpy(), np.broadcast_to(expected, (2, 1)), rtol=1e-5)
