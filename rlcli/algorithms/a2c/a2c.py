"""A2C and A3C as old RLlib ran them, on Ray 2.60's new API stack.

**A2C** (synchronous advantage actor-critic): each iteration samples ``train_batch_size`` env
steps from all env runners, computes GAE advantages with the critic (``lambda``; ``use_gae:
false`` means lambda 1: the n-step return to the fragment's end), and makes ONE gradient step on
``-mean(log pi * A) + vf_loss_coeff * mean((V - target)^2) - entropy_coeff * mean(H)``.
PPO's RLModule holds the policy and value function.

**A3C**: asynchronous gradient workers do not exist on the new stack (learners compute every
gradient). What runs is A2C fed by asynchronous env runners: each runner samples with the
weights it has; whenever one returns a fragment, the learner makes one gradient step on it and
sends the new weights to that runner only, while the others keep sampling. The policy lag A3C had
(gradients from slightly stale weights) is kept; the gradients are computed centrally. With
``num_env_runners: 0`` there is nothing to run asynchronously and A3C is A2C on fragments.
"""

from __future__ import annotations

from typing import Any

from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS, ENV_RUNNER_SAMPLING_TIMER, TIMERS

from rlcli.algorithms.onpolicy import OnPolicyAlgorithm, OnPolicyConfig, OnPolicyTorchLearner


class A2CConfig(OnPolicyConfig):
    """Old A2C's defaults: lr 0.0001, grad_clip 40, vf_loss_coeff 0.5, entropy_coeff 0.01, GAE
    with lambda 1.0, 200-step batches of truncated fragments."""

    def __init__(self, algo_class: Any = None) -> None:
        super().__init__(algo_class=algo_class or A2C)
        self.lr = 0.0001
        self.grad_clip: Any = 40.0
        self.train_batch_size = 200
        self.rollout_fragment_length: Any = "auto"
        self.use_critic = True
        self.use_gae = True
        self.lambda_ = 1.0
        self.vf_loss_coeff = 0.5
        self.entropy_coeff = 0.01

    def get_default_learner_class(self) -> type:
        return A2CTorchLearner

    def validate(self) -> None:
        super().validate()
        if not self.use_critic:
            self._value_error("A2C needs its critic (use_critic: true); for a critic-free policy gradient run PG.")


class A2CTorchLearner(OnPolicyTorchLearner):
    """A2C's loss: policy gradient with GAE advantages, value loss, entropy bonus."""


class A2C(OnPolicyAlgorithm):
    @classmethod
    def get_default_config(cls) -> A2CConfig:
        return A2CConfig()


class A3CConfig(A2CConfig):
    """Old A3C's defaults: 2 env runners sampling 10-step fragments. An iteration (one result row)
    spans at least 200 env steps, so each row reports many fragments' updates (old A3C: 5 s)."""

    def __init__(self, algo_class: Any = None) -> None:
        super().__init__(algo_class=algo_class or A3C)
        self.num_env_runners = 2
        self.rollout_fragment_length = 10
        self.min_sample_timesteps_per_iteration = 200

    def validate_train_batch_size_vs_rollout_fragment_length(self) -> None:
        """A3C learns from each runner's fragment as it arrives; there is no train batch to fill."""


def sample_with_metrics(runner: Any) -> tuple[Any, Any]:
    """One fragment per env of a runner, and the runner's metrics (run inside the runner)."""
    return runner.sample(), runner.get_metrics()


#: The tag A3C's asynchronous sample requests carry.
SAMPLE_TAG = "a3c_sample"


class A3C(A2C):
    """A2C whose env runners sample asynchronously: one gradient step per returned fragment."""

    @classmethod
    def get_default_config(cls) -> A3CConfig:
        return A3CConfig()

    def training_step(self) -> None:
        group: Any = self.env_runner_group
        metrics: Any = self.metrics
        if group.num_healthy_remote_workers() == 0:
            local: Any = self.env_runner
            episodes = local.sample()
            metrics.aggregate([local.get_metrics()], key=ENV_RUNNER_RESULTS)
            self.update_and_sync(episodes)
            return
        with metrics.log_time((TIMERS, ENV_RUNNER_SAMPLING_TIMER)):
            ready = group.foreach_env_runner_async_fetch_ready(
                func=sample_with_metrics, tag=SAMPLE_TAG, timeout_seconds=0.0, return_actor_ids=True
            )
            while not ready and group.num_healthy_remote_workers() > 0:  # at least one fragment per step
                ready = group.fetch_ready_async_reqs(tags=SAMPLE_TAG, timeout_seconds=0.01)
        for runner_id, (episodes, runner_metrics) in ready:
            metrics.aggregate([runner_metrics], key=ENV_RUNNER_RESULTS)
            self.update_and_sync(episodes, runner_ids=[runner_id])
