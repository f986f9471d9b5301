"""PG: the vanilla policy gradient (REINFORCE) as old RLlib's ``PG`` ran it, on Ray 2.60's stack.

Each update is one gradient step on ``-mean(log pi(a_t|s_t) * G_t)``, where ``G_t`` is the
discounted reward-to-go of step ``t`` within its episode. By default whole episodes are sampled
(``batch_mode: complete_episodes``, as old PG did) and there is no baseline. ``use_critic: true``
adds a learned value baseline: ``G_t - V(s_t)`` as the advantage, plus ``vf_loss_coeff`` times the
value loss; ``standardize_advantages: true`` scales the advantages of each batch to mean 0, std 1.
PPO's RLModule holds the policy (its value head is trained only with the baseline).
"""

from __future__ import annotations

from typing import Any

from rlcli.algorithms.onpolicy import OnPolicyAlgorithm, OnPolicyConfig, OnPolicyTorchLearner


class PGConfig(OnPolicyConfig):
    """Old PG's defaults: lr 0.0004, 200-step batches of complete episodes, no baseline."""

    def __init__(self, algo_class: Any = None) -> None:
        super().__init__(algo_class=algo_class or PG)
        self.lr = 0.0004
        self.train_batch_size = 200
        self.rollout_fragment_length: Any = "auto"
        self.batch_mode = "complete_episodes"
        self.use_critic = False
        self.use_gae = False
        self.entropy_coeff = 0.0

    def get_default_learner_class(self) -> type:
        return PGTorchLearner


class PGTorchLearner(OnPolicyTorchLearner):
    """REINFORCE's loss (see :func:`rlcli.algorithms.onpolicy.policy_gradient_terms`)."""


class PG(OnPolicyAlgorithm):
    @classmethod
    def get_default_config(cls) -> PGConfig:
        return PGConfig()
