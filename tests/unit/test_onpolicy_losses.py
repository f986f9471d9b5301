"""PG's and A2C's learners on a tiny hand-made batch (no Ray cluster: the learner is built in this
process; RLlib and torch are imported inside the tests, so importing this module loads neither).

Each number is checked against a computation written out here: the reward-to-go and GAE
recursions by hand, log-probabilities and entropies from the logits with ``log_softmax``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

GAMMA, LAMBDA = 0.9, 0.8
OBS = [np.full(4, 0.1 * i, dtype=np.float32) for i in range(5)]
ACTIONS, ADVANTAGES, TARGETS, MASK = "actions", "advantages", "value_targets", "loss_mask"
LOGITS, REWARDS = "action_dist_inputs", "rewards"


def episodes() -> list[Any]:
    """A terminated 3-step episode and a 2-step fragment cut by the sampler (not done)."""
    from ray.rllib.env.single_agent_episode import SingleAgentEpisode

    done = SingleAgentEpisode(
        observations=OBS[:4], actions=[0, 1, 0], rewards=[1.0, 2.0, 3.0], terminated=True, len_lookback_buffer=0
    )
    cut = SingleAgentEpisode(observations=OBS[2:5], actions=[1, 1], rewards=[0.5, -1.0], len_lookback_buffer=0)
    return [done.to_numpy(), cut.to_numpy()]


def learner_batch(config):
    import gymnasium as gym

    learner = (
        config.environment("CartPole-v1")
        .rl_module(model_config={"fcnet_hiddens": [4]})
        .build_learner(env=gym.make("CartPole-v1"))
    )
    batch = learner._learner_connector(
        rl_module=learner.module, batch={}, episodes=episodes(), shared_data={}, metrics=learner.metrics
    )
    return learner, batch["default_policy"]


def hand_logp_entropy(logits: Any, actions: Any) -> tuple[Any, Any]:
    import torch

    logp_all = torch.log_softmax(logits, dim=-1)
    logp = logp_all.gather(1, actions.long().unsqueeze(1)).squeeze(1)
    entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy


def test_reward_to_go_and_gae_by_hand():
    from rlcli.algorithms.onpolicy import advantages_and_targets

    # one terminated episode [1, 2, 3] + its extra step, one cut fragment [0.5, -1] + bootstrap step
    rewards = np.array([1.0, 2.0, 3.0, 0.0, 0.5, -1.0, 0.0], dtype=np.float32)
    terminateds = np.array([0, 0, 1, 0, 0, 0, 0], dtype=np.float32)
    truncateds = np.array([0, 0, 0, 0, 0, 1, 0], dtype=np.float32)  # RLlib flags a cut at its last real step
    zeros = np.zeros_like(rewards)
    adv, targets = advantages_and_targets(
        zeros, rewards, terminateds, truncateds, gamma=GAMMA, lambda_=1.0, standardize=False
    )
    rtg = [1 + 0.9 * (2 + 0.9 * 3), 2 + 0.9 * 3, 3.0]
    np.testing.assert_allclose(targets[:3], rtg, rtol=1e-6)
    np.testing.assert_allclose(targets[4:6], [0.5 + 0.9 * -1.0, -1.0], rtol=1e-6)
    np.testing.assert_allclose(adv, targets)

    values = np.array([0.5, 1.0, 1.5, 9.0, 0.2, 0.4, 2.0], dtype=np.float32)
    adv, targets = advantages_and_targets(
        values, rewards, terminateds, truncateds, gamma=GAMMA, lambda_=LAMBDA, standardize=False
    )
    # GAE by hand on the cut fragment: bootstrap V = 2.0 at its extra step
    d5 = -1.0 + GAMMA * 2.0 - 0.4
    d4 = 0.5 + GAMMA * 0.4 - 0.2
    np.testing.assert_allclose(adv[4:6], [d4 + GAMMA * LAMBDA * d5, d5], rtol=1e-5)
    # the terminated episode: no bootstrap after its last step
    d2 = 3.0 - 1.5
    d1 = 2.0 + GAMMA * 1.5 - 1.0
    d0 = 1.0 + GAMMA * 1.0 - 0.5
    a1 = d1 + GAMMA * LAMBDA * d2
    np.testing.assert_allclose(adv[:3], [d0 + GAMMA * LAMBDA * a1, a1, d2], rtol=1e-5)
    np.testing.assert_allclose(targets, adv + values, rtol=1e-5)

    real = np.array([1, 1, 1, 0, 1, 1, 0], dtype=bool)  # the extra steps are left out of the statistics
    std_adv, _ = advantages_and_targets(
        values, rewards, terminateds, truncateds, gamma=GAMMA, lambda_=LAMBDA, standardize=True, mask=real
    )
    np.testing.assert_allclose(std_adv[real], (adv[real] - adv[real].mean()) / adv[real].std(), rtol=1e-4)


def test_policy_gradient_terms_by_hand():
    import torch

    from rlcli.algorithms.onpolicy import policy_gradient_terms

    logp = torch.tensor([-0.1, -2.0, -0.5])
    adv = torch.tensor([1.0, -2.0, 0.5])
    ent = torch.tensor([0.6, 0.3, 0.0])
    values, targets = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 1.0])
    terms = policy_gradient_terms(logp, adv, ent, torch.mean, values, targets)
    assert terms["policy_loss"].item() == pytest.approx(-(-0.1 * 1.0 + -2.0 * -2.0 + -0.5 * 0.5) / 3)
    assert terms["vf_loss"].item() == pytest.approx((1.0 + 0.0 + 4.0) / 3)
    assert terms["entropy"].item() == pytest.approx(0.3)
    assert policy_gradient_terms(logp, adv, ent)["vf_loss"].item() == 0.0  # no critic: no value term


def test_pg_learner_uses_the_discounted_reward_to_go_and_its_loss():
    import torch

    from rlcli.algorithms.pg.pg import PGConfig

    learner, batch = learner_batch(PGConfig().training(gamma=GAMMA))
    mask = batch[MASK]
    assert mask.tolist() == [True, True, True, False, True, True, False]  # the extra steps are masked
    expected = [1 + 0.9 * (2 + 0.9 * 3), 2 + 0.9 * 3, 3.0, 0.5 + 0.9 * -1.0, -1.0]  # no baseline, no bootstrap
    np.testing.assert_allclose(batch["advantages"][mask].numpy(), expected, rtol=1e-5)

    fwd = learner.module["default_policy"].forward_train(batch)
    loss = learner.compute_loss_for_module(module_id="default_policy", config=learner.config, batch=batch, fwd_out=fwd)
    logp, _ = hand_logp_entropy(fwd[LOGITS], batch[ACTIONS])
    hand = -(logp[mask] * torch.tensor(expected)).mean()  # REINFORCE: -mean(log pi * G), entropy_coeff 0
    assert loss.item() == pytest.approx(hand.item(), rel=1e-5)


def test_a2c_learner_loss_is_policy_gradient_plus_value_minus_entropy():
    import torch

    from rlcli.algorithms.a2c.a2c import A2CConfig

    config = A2CConfig().training(gamma=GAMMA, lambda_=LAMBDA, vf_loss_coeff=0.25, entropy_coeff=0.1)
    learner, batch = learner_batch(config)
    mask = batch[MASK]
    with torch.no_grad():
        values = learner.module["default_policy"].compute_values(batch).numpy()
    # GAE by hand with the critic's own values (bootstrap on the cut fragment, none after termination)
    rewards = batch[REWARDS].numpy()
    adv = np.zeros(7)
    for lo, hi, last_done in ((0, 3, True), (4, 6, False)):
        running = 0.0
        for t in reversed(range(lo, hi)):
            next_v = 0.0 if (t == hi - 1 and last_done) else values[t + 1]
            running = rewards[t] + GAMMA * next_v - values[t] + GAMMA * LAMBDA * running
            adv[t] = running
    np.testing.assert_allclose(batch["advantages"][mask].numpy(), adv[mask.numpy()], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(batch["value_targets"][mask].numpy(), (adv + values)[mask.numpy()], rtol=1e-4)

    fwd = learner.module["default_policy"].forward_train(batch)
    loss = learner.compute_loss_for_module(module_id="default_policy", config=learner.config, batch=batch, fwd_out=fwd)
    logp, entropy = hand_logp_entropy(fwd[LOGITS], batch[ACTIONS])
    m = mask
    a = torch.tensor(adv, dtype=torch.float32)
    v = learner.module["default_policy"].compute_values(batch)
    target = torch.tensor(adv + values, dtype=torch.float32)
    hand = -(logp[m] * a[m]).mean() + 0.25 * ((v[m] - target[m]) ** 2).mean() - 0.1 * entropy[m].mean()
    assert loss.item() == pytest.approx(hand.item(), rel=1e-4)
