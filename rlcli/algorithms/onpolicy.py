"""What PG, A2C and A3C share: PPO's building blocks with one gradient step per batch.

- The RLModule is PPO's default (``DefaultPPOTorchRLModule``: a policy head and a value head), so
  rollout, serve and export read these checkpoints exactly as PPO's.
- :class:`ReturnsAndAdvantages` is the learner connector that turns the sampled episodes into
  value targets and advantages (PPO's GAE, without PPO's forced standardization; without a critic
  the values are zero and the targets are the discounted reward-to-go).
- :class:`OnPolicyTorchLearner` wires that connector in (after RLlib's one-extra-timestep piece, as
  PPO does), keeps an entropy-coefficient schedule, and drops the gradients of parameters the
  loss does not touch (PG without a baseline leaves the value head alone).
- :class:`OnPolicyAlgorithm` samples ``train_batch_size`` env steps from all env runners, makes
  one update on the whole batch, and syncs the weights back: the synchronous actor-critic loop.

The losses themselves are plain functions of tensors (:func:`policy_gradient_terms`), so a test
can check them against a hand computation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from ray.rllib.algorithms.algorithm import Algorithm
from ray.rllib.algorithms.algorithm_config import AlgorithmConfig, NotProvided
from ray.rllib.connectors.common.numpy_to_tensor import NumpyToTensor
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.connectors.learner import AddOneTsToEpisodesAndTruncate
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.torch.torch_learner import TorchLearner
from ray.rllib.core.rl_module.apis.value_function_api import ValueFunctionAPI
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.evaluation.postprocessing import Postprocessing
from ray.rllib.execution.rollout_ops import synchronous_parallel_sample
from ray.rllib.utils.lambda_defaultdict import LambdaDefaultDict
from ray.rllib.utils.metrics import (
    ALL_MODULES,
    ENV_RUNNER_RESULTS,
    ENV_RUNNER_SAMPLING_TIMER,
    LEARNER_RESULTS,
    LEARNER_UPDATE_TIMER,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    NUM_MODULE_STEPS_TRAINED_LIFETIME,
    SYNCH_WORKER_WEIGHTS_TIMER,
    TIMERS,
)
from ray.rllib.utils.numpy import convert_to_numpy
from ray.rllib.utils.postprocessing.value_predictions import compute_value_targets
from ray.rllib.utils.postprocessing.zero_padding import split_and_zero_pad_n_episodes, unpad_data_if_necessary
from ray.rllib.utils.schedules.scheduler import Scheduler

#: The learner metric that reports the current entropy coefficient (PPO's name).
CURR_ENTROPY_COEFF_KEY = "curr_entropy_coeff"


def advantages_and_targets(
    values: np.ndarray,
    rewards: np.ndarray,
    terminateds: np.ndarray,
    truncateds: np.ndarray,
    *,
    gamma: float,
    lambda_: float,
    standardize: bool,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(advantages, value_targets)`` of one module's episodes, laid end to end (each ending in
    the artificial extra step RLlib adds, whose value is the bootstrap). ``values`` all zero
    (no critic) and ``lambda_ = 1``: the targets are each step's discounted reward-to-go.
    Standardizing uses the mean and std of the real steps (``mask``), not of the extra ones."""
    targets = compute_value_targets(
        values=values, rewards=rewards, terminateds=terminateds, truncateds=truncateds, gamma=gamma, lambda_=lambda_
    )
    advantages = targets - values
    if standardize:
        real = advantages if mask is None else advantages[mask]
        advantages = (advantages - real.mean()) / max(1e-4, float(real.std()))
    return advantages.astype(np.float32), targets.astype(np.float32)


class ReturnsAndAdvantages(ConnectorV2):
    """Learner connector: value targets and advantages on the episodes' batch (PPO's GAE piece,
    with standardization optional and the critic optional)."""

    def __init__(
        self,
        input_observation_space: Any = None,
        input_action_space: Any = None,
        *,
        gamma: float,
        lambda_: float,
        use_critic: bool,
        standardize: bool,
    ) -> None:
        super().__init__(input_observation_space, input_action_space)
        self.gamma, self.lambda_, self.use_critic, self.standardize = gamma, lambda_, use_critic, standardize
        self._to_tensor: NumpyToTensor | None = None

    def __call__(self, *, rl_module: Any, episodes: Any, batch: dict[str, Any], **kwargs: Any) -> Any:
        episodes_list = list(self.single_agent_episode_iterator(episodes, agents_that_stepped_only=False))
        device = None
        done: list[str] = []
        for module_id in list(batch):
            module = rl_module[module_id]
            module_batch = batch[module_id]
            if Columns.REWARDS not in module_batch:
                continue
            rewards = np.asarray(convert_to_numpy(module_batch[Columns.REWARDS]))
            if self.use_critic and isinstance(module, ValueFunctionAPI):
                with torch.no_grad():
                    values_t = module.compute_values(module_batch)
                device = values_t.device
                values = np.asarray(convert_to_numpy(values_t))
            else:
                values = np.zeros_like(rewards, dtype=np.float32)
                device = getattr(next(iter(module.parameters()), None), "device", None)
            lens = [len(e) for e in episodes_list if e.module_id in (None, module_id)]
            mask = module_batch.get(Columns.LOSS_MASK)
            advantages, targets = advantages_and_targets(
                unpad_data_if_necessary(lens, values),
                unpad_data_if_necessary(lens, rewards),
                unpad_data_if_necessary(lens, np.asarray(convert_to_numpy(module_batch[Columns.TERMINATEDS]))),
                unpad_data_if_necessary(lens, np.asarray(convert_to_numpy(module_batch[Columns.TRUNCATEDS]))),
                gamma=self.gamma,
                lambda_=self.lambda_,
                standardize=self.standardize,
                mask=None
                if mask is None
                else unpad_data_if_necessary(lens, np.asarray(convert_to_numpy(mask))).astype(bool),
            )
            if module.is_stateful():
                seq = module.model_config["max_seq_len"]
                advantages = np.stack(split_and_zero_pad_n_episodes(advantages, episode_lens=lens, max_seq_len=seq))
                targets = np.stack(split_and_zero_pad_n_episodes(targets, episode_lens=lens, max_seq_len=seq))
            module_batch[Postprocessing.ADVANTAGES] = advantages
            module_batch[Postprocessing.VALUE_TARGETS] = targets
            done.append(module_id)
        if self._to_tensor is None:
            self._to_tensor = NumpyToTensor(as_learner_connector=True, device=device)
        tensors = self._to_tensor(
            rl_module=rl_module,
            batch={
                mid: {k: batch[mid][k] for k in (Postprocessing.ADVANTAGES, Postprocessing.VALUE_TARGETS)}
                for mid in done
            },
            episodes=episodes,
        )
        for mid, module_batch in tensors.items():
            batch[mid].update(module_batch)
        return batch


def masked_mean_fn(batch: dict[str, Any]) -> Any:
    """The mean over real timesteps (RLlib's extra bootstrap step and zero padding masked out)."""
    if Columns.LOSS_MASK in batch:
        mask = batch[Columns.LOSS_MASK]
        count = torch.sum(mask)
        return lambda data: torch.sum(data[mask]) / count
    return torch.mean


def policy_gradient_terms(
    logp: torch.Tensor,
    advantages: torch.Tensor,
    entropy: torch.Tensor,
    mean: Any = torch.mean,
    values: torch.Tensor | None = None,
    value_targets: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """The three terms of an actor-critic loss, each a mean over timesteps:
    ``policy_loss = -mean(logp * A)``, ``vf_loss = mean((V - target)^2)`` (0 without a critic),
    ``entropy = mean(H)``. The advantages are constants here (computed before the update)."""
    terms = {
        "policy_loss": -mean(logp * advantages.detach()),
        "entropy": mean(entropy),
        "vf_loss": torch.zeros((), device=logp.device),
    }
    if values is not None and value_targets is not None:
        terms["vf_loss"] = mean(torch.pow(values - value_targets.detach(), 2.0))
    return terms


class OnPolicyConfig(AlgorithmConfig):
    """Settings PG and A2C share (each sets its own defaults)."""

    def __init__(self, algo_class: Any = None) -> None:
        super().__init__(algo_class=algo_class)
        self.use_critic = True
        self.use_gae = True
        self.lambda_ = 1.0
        self.vf_loss_coeff = 0.5
        self.entropy_coeff: Any = 0.0
        self.standardize_advantages = False
        self.num_env_runners = 0

    def training(
        self,
        *,
        use_critic: Any = NotProvided,
        use_gae: Any = NotProvided,
        lambda_: Any = NotProvided,
        vf_loss_coeff: Any = NotProvided,
        entropy_coeff: Any = NotProvided,
        standardize_advantages: Any = NotProvided,
        **kwargs: Any,
    ) -> OnPolicyConfig:
        super().training(**kwargs)
        for key, value in (
            ("use_critic", use_critic),
            ("use_gae", use_gae),
            ("lambda_", lambda_),
            ("vf_loss_coeff", vf_loss_coeff),
            ("entropy_coeff", entropy_coeff),
            ("standardize_advantages", standardize_advantages),
        ):
            if value is not NotProvided:
                setattr(self, key, value)
        return self

    def get_default_rl_module_spec(self) -> RLModuleSpec:
        from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule

        return RLModuleSpec(module_class=DefaultPPOTorchRLModule)

    def validate_train_batch_size_vs_rollout_fragment_length(self) -> None:
        """No check: the sampler collects rounds of fragments until the train batch is full (as old
        A2C and PG did), so a fixed ``rollout_fragment_length`` need not divide it."""

    @property
    def _model_config_auto_includes(self) -> dict[str, Any]:
        # PPO's choice, and old RLlib's default: a value function sharing the policy's layers lets
        # the (large) value loss drown the policy gradient.
        return super()._model_config_auto_includes | {"vf_share_layers": False}

    @property
    def gae_lambda(self) -> float:
        """The lambda the advantages use: without GAE, the n-step return to the chunk's end (1.0)."""
        return float(self.lambda_) if self.use_gae else 1.0

    def validate(self) -> None:
        super().validate()
        if self.framework_str != "torch":
            self._value_error(f"{type(self).__name__} runs on torch only (framework={self.framework_str!r}).")
        if not self.use_critic and self.batch_mode == "truncate_episodes":
            self._value_error(
                "Without a critic (use_critic: false) episodes must not be cut: set batch_mode: complete_episodes."
            )
        if isinstance(self.entropy_coeff, float | int) and self.entropy_coeff < 0.0:
            self._value_error("entropy_coeff must be >= 0.0")


class OnPolicyTorchLearner(TorchLearner):
    """PPO's learner pipeline (one extra timestep per episode for the bootstrap value, then
    returns and advantages), an entropy-coefficient schedule per module, and the loss a
    subclass defines in :meth:`loss_terms`."""

    def build(self) -> None:
        super().build()
        config: Any = self.config
        self.entropy_coeff_schedulers_per_module = LambdaDefaultDict(
            lambda module_id: Scheduler(
                fixed_value_or_schedule=config.get_config_for_module(module_id).entropy_coeff,
                framework=self.framework,
                device=self._device,
            )
        )
        if self._learner_connector is not None and self.config.add_default_connectors_to_learner_pipeline:
            self._learner_connector.prepend(AddOneTsToEpisodesAndTruncate())
            self._learner_connector.append(
                ReturnsAndAdvantages(
                    gamma=config.gamma,
                    lambda_=config.gae_lambda,
                    use_critic=config.use_critic,
                    standardize=config.standardize_advantages,
                )
            )

    @classmethod
    def rl_module_required_apis(cls) -> list[type]:
        return [ValueFunctionAPI]

    def remove_module(self, module_id: Any, **kwargs: Any) -> Any:
        spec = super().remove_module(module_id, **kwargs)
        self.entropy_coeff_schedulers_per_module.pop(module_id, None)
        return spec

    def after_gradient_based_update(self, *, timesteps: dict[str, Any]) -> None:
        super().after_gradient_based_update(timesteps=timesteps)
        for module_id in self.module._rl_modules:
            coeff = self.entropy_coeff_schedulers_per_module[module_id].update(
                timestep=timesteps.get(NUM_ENV_STEPS_SAMPLED_LIFETIME, 0)
            )
            self.metrics.log_value((module_id, CURR_ENTROPY_COEFF_KEY), coeff, window=1)

    def compute_gradients(self, loss_per_module: dict[str, Any], **kwargs: Any) -> dict[Any, Any]:
        grads = super().compute_gradients(loss_per_module, **kwargs)
        return {pid: g for pid, g in grads.items() if g is not None}  # parameters the loss does not reach

    def compute_loss_for_module(self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: Any) -> Any:
        module: Any = self.module[module_id].unwrapped()
        dist: Any = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
        mean = masked_mean_fn(batch)
        values = None
        if config.use_critic:
            values = module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))
        terms = policy_gradient_terms(
            dist.logp(batch[Columns.ACTIONS]),
            batch[Postprocessing.ADVANTAGES],
            dist.entropy(),
            mean,
            values,
            batch[Postprocessing.VALUE_TARGETS] if values is not None else None,
        )
        entropy_coeff = self.entropy_coeff_schedulers_per_module[module_id].get_current_value()
        total = self.total_loss(terms, config, entropy_coeff)
        self.metrics.log_dict(
            {key: value.detach() for key, value in terms.items()}, key=module_id, window=1
        )  # single values, as PPO logs them
        return total

    def total_loss(self, terms: dict[str, torch.Tensor], config: Any, entropy_coeff: Any) -> torch.Tensor:
        """``policy_loss + vf_loss_coeff * vf_loss - entropy_coeff * entropy``."""
        loss = terms["policy_loss"] - entropy_coeff * terms["entropy"]
        if config.use_critic:
            loss = loss + config.vf_loss_coeff * terms["vf_loss"]
        return loss


class OnPolicyAlgorithm(Algorithm):
    """Sample one train batch from every env runner, one update on it, weights back to the runners."""

    def training_step(self) -> None:
        metrics: Any = self.metrics
        with metrics.log_time((TIMERS, ENV_RUNNER_SAMPLING_TIMER)):
            episodes, runner_results = self.sample_batch()
            if not episodes:
                return
            metrics.aggregate(runner_results, key=ENV_RUNNER_RESULTS)
        self.update_and_sync(episodes)

    def sample_batch(self) -> tuple[list[Any], list[Any]]:
        config: Any = self.config
        by_agents = config.count_steps_by == "agent_steps"
        limit = {"max_agent_steps" if by_agents else "max_env_steps": config.total_train_batch_size}
        sample: Any = synchronous_parallel_sample
        sampled = sample(
            worker_set=self.env_runner_group,
            sample_timeout_s=config.sample_timeout_s,
            _uses_new_env_runners=True,
            _return_metrics=True,
            **limit,
        )
        return sampled[0], sampled[1]

    def update_and_sync(self, episodes: list[Any], runner_ids: list[int] | None = None) -> None:
        metrics: Any = self.metrics
        learners: Any = self.learner_group
        runners: Any = self.env_runner_group
        with metrics.log_time((TIMERS, LEARNER_UPDATE_TIMER)):
            learner_results = learners.update(
                episodes=episodes,
                timesteps={
                    NUM_ENV_STEPS_SAMPLED_LIFETIME: metrics.peek((ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME)),
                    NUM_MODULE_STEPS_TRAINED_LIFETIME: metrics.peek(
                        (LEARNER_RESULTS, ALL_MODULES, NUM_MODULE_STEPS_TRAINED_LIFETIME), default=0
                    ),
                },
                num_epochs=1,
                minibatch_size=None,  # the whole batch: one gradient step
            )
            metrics.aggregate(learner_results, key=LEARNER_RESULTS)
        with metrics.log_time((TIMERS, SYNCH_WORKER_WEIGHTS_TIMER)):
            runners.sync_weights(
                from_worker_or_learner_group=learners,
                policies=sorted(set(learner_results[0].keys()) - {ALL_MODULES}),
                inference_only=True,
                to_worker_indices=runner_ids,
            )
