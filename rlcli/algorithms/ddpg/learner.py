"""DDPG/TD3's losses, optimizers and target updates, on top of DQN's torch learner (which adds the
next observations to the train batch and builds the target networks).

Per gradient step, as the old RLlib DDPG/TD3 and the TD3 paper compute them:

- target ``y = r + gamma**n * (1 - terminated) * min_i Q'_i(s', a')``, ``a' = pi'(s')`` (smoothed
  by clipped Gaussian noise with ``smooth_target_policy``), no gradient;
- critic loss ``mean(w * L(Q_i(s, a) - y)) + l2_reg * sum(W**2) / 2`` per critic (``w``: the
  prioritized buffer's importance weights; ``L``: Huber at ``huber_threshold`` with ``use_huber``,
  else half the square); each critic has its own optimizer (``critic_lr``);
- actor loss ``-mean(Q_1(s, pi(s))) + l2_reg * sum(W**2) / 2`` (``actor_lr``), applied on every
  ``policy_delay``-th step only; the actor's weights are untouched on the others;
- targets: Polyak averaging ``t <- tau * m + (1 - tau) * t`` of actor and critics after a step
  that updated the actor, at most every ``target_network_update_freq`` env steps;
- the replay buffer's priorities: ``|Q_1(s, a) - y|``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import torch
from ray.rllib.algorithms.dqn.torch.dqn_torch_learner import DQNTorchLearner
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.learner import POLICY_LOSS_KEY, Learner
from ray.rllib.core.learner.utils import update_target_network
from ray.rllib.core.rl_module.apis import TargetNetworkAPI
from ray.rllib.utils.metrics import ALL_MODULES, NUM_ENV_STEPS_SAMPLED_LIFETIME, NUM_TARGET_UPDATES, TD_ERROR_KEY

from rlcli.algorithms.ddpg.module import Q_PI, QF_PREDS, QF_TARGET_NEXT, QF_TWIN_PREDS

QF_LOSS_KEY = "qf_loss"
QF_TWIN_LOSS_KEY = "qf_twin_loss"
ACTOR_UPDATES = "num_actor_updates"


def critic_target(
    rewards: torch.Tensor, terminateds: torch.Tensor, discounts: torch.Tensor, q_next: torch.Tensor
) -> torch.Tensor:
    """``r + discount * (1 - terminated) * q_next`` (``discount = gamma ** n_step`` per row)."""
    return (rewards + discounts * (1.0 - terminateds.float()) * q_next).detach()


def td_loss(td: torch.Tensor, use_huber: bool, threshold: float) -> torch.Tensor:
    """The old DDPG's per-row critic error: Huber at ``threshold``, or ``td**2 / 2``."""
    if use_huber:
        return torch.where(td.abs() < threshold, 0.5 * td.pow(2), threshold * (td.abs() - 0.5 * threshold))
    return 0.5 * td.pow(2)


def l2_penalty(net: torch.nn.Module) -> torch.Tensor:
    """``sum(W**2) / 2`` over the weights (biases excluded), as the old ``l2_reg`` term."""
    terms = [0.5 * p.pow(2).sum() for name, p in net.named_parameters() if "bias" not in name]
    return torch.stack(terms).sum() if terms else torch.zeros(())


class DDPGTorchLearner(DQNTorchLearner):
    def build(self) -> None:
        super().build()
        self._temp_losses: dict[tuple[str, str], torch.Tensor] = {}
        #: Gradient steps taken per module; the actor learns on every policy_delay-th (from the first).
        self._steps: dict[str, int] = defaultdict(int)
        #: Whether the actor learned since the last target update.
        self._actor_stepped: dict[str, bool] = defaultdict(bool)

    def configure_optimizers_for_module(self, module_id: str, config: Any = None) -> None:
        module: Any = self.module[module_id]
        critics = [("qf", module.qf)] + ([("qf_twin", module.qf_twin)] if config.twin_q else [])
        for name, net in critics:
            params = self.get_parameters(net)
            self.register_optimizer(
                module_id=module_id,
                optimizer_name=name,
                optimizer=torch.optim.Adam(params, eps=1e-7),
                params=params,
                lr_or_lr_schedule=config.critic_lr,
            )
        params = self.get_parameters(module.pi)
        self.register_optimizer(
            module_id=module_id,
            optimizer_name="policy",
            optimizer=torch.optim.Adam(params, eps=1e-7),
            params=params,
            lr_or_lr_schedule=config.actor_lr,
        )

    def actor_learns(self, module_id: str, config: Any) -> bool:
        return self._steps[module_id] % max(1, int(config.policy_delay)) == 0

    def compute_loss_for_module(
        self, *, module_id: str, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> torch.Tensor:
        module: Any = self.module[module_id].unwrapped()
        target = critic_target(
            batch[Columns.REWARDS], batch[Columns.TERMINATEDS], config.gamma ** batch["n_step"], fwd_out[QF_TARGET_NEXT]
        )
        weights = batch["weights"] if "weights" in batch else torch.ones_like(target)
        td = fwd_out[QF_PREDS] - target
        critic_loss = torch.mean(weights * td_loss(td, config.use_huber, config.huber_threshold))
        if config.l2_reg:
            critic_loss = critic_loss + config.l2_reg * l2_penalty(module.qf)
        losses = {QF_LOSS_KEY: critic_loss}
        if config.twin_q:
            twin_td = fwd_out[QF_TWIN_PREDS] - target
            twin_loss = torch.mean(weights * td_loss(twin_td, config.use_huber, config.huber_threshold))
            if config.l2_reg:
                twin_loss = twin_loss + config.l2_reg * l2_penalty(module.qf_twin)
            losses[QF_TWIN_LOSS_KEY] = twin_loss
        actor_loss = -torch.mean(fwd_out[Q_PI])
        if config.l2_reg:
            actor_loss = actor_loss + config.l2_reg * l2_penalty(module.pi)
        if self.actor_learns(module_id, config):
            losses[POLICY_LOSS_KEY] = actor_loss
        for name, loss in losses.items():
            self._temp_losses[(module_id, name)] = loss

        self.metrics.log_value(key=(module_id, TD_ERROR_KEY), value=td.abs().detach(), reduce="item_series")
        self.metrics.log_dict(
            {
                POLICY_LOSS_KEY: actor_loss.detach(),
                QF_LOSS_KEY: critic_loss.detach(),
                "qf_mean": fwd_out[QF_PREDS].mean().detach(),
                "qf_max": fwd_out[QF_PREDS].max().detach(),
                "qf_min": fwd_out[QF_PREDS].min().detach(),
                "td_error_mean": td.abs().mean().detach(),
            },
            key=module_id,
            window=1,
        )
        return sum(losses.values(), torch.zeros(()))

    def compute_gradients(self, loss_per_module: dict[str, Any], **kwargs: Any) -> dict[Any, Any]:
        """One backward pass per optimizer, each on its own loss (the actor's only on its steps;
        otherwise its parameters get no gradient and Adam leaves them as they are)."""
        grads: dict[Any, Any] = {}
        for module_id in set(loss_per_module) - {ALL_MODULES}:
            for optim_name, optim in self.get_optimizers_for_module(module_id):
                optim.zero_grad(set_to_none=True)
                loss = self._temp_losses.pop((module_id, optim_name + "_loss"), None)
                if loss is None:
                    continue
                loss.backward(retain_graph=True)
                grads.update(
                    {pid: p.grad for pid, p in self.filter_param_dict_for_optimizer(self._params, optim).items()}
                )
                if optim_name == "policy":
                    self._actor_stepped[module_id] = True
                    self.metrics.log_value((module_id, ACTOR_UPDATES), 1, reduce="lifetime_sum")
            self._steps[module_id] += 1
        self._temp_losses.clear()
        return grads

    def postprocess_gradients_for_module(
        self, *, module_id: str, config: Any = None, module_gradients_dict: Any
    ) -> Any:
        if not module_gradients_dict:
            return {}
        if config.grad_clip is None and not config.log_gradients:
            return dict(module_gradients_dict)
        # Clip per optimizer, leaving out the actor's on the steps it does not learn.
        clipped: dict[Any, Any] = {}
        for _, optimizer in self.get_optimizers_for_module(module_id):
            part = self.filter_param_dict_for_optimizer(param_dict=module_gradients_dict, optimizer=optimizer)
            if not part:
                continue
            if config.grad_clip:
                self._get_clip_function()(part, grad_clip=config.grad_clip, grad_clip_by=config.grad_clip_by)
            clipped.update(part)
        return clipped

    def after_gradient_based_update(self, *, timesteps: dict[str, Any]) -> None:
        """Polyak-average the targets after steps in which the actor learned (TD3's delayed
        target updates; every step for DDPG), at most every ``target_network_update_freq`` env steps.
        Skips DQN's own target update (which knows no actor)."""
        Learner.after_gradient_based_update(self, timesteps=timesteps)
        timestep = timesteps.get(NUM_ENV_STEPS_SAMPLED_LIFETIME, 0)
        for module_id, module in self.module._rl_modules.items():
            config: Any = self.config.get_config_for_module(module_id)
            due = timestep - self.last_update_ts_by_mid[module_id] >= config.target_network_update_freq
            if not (self._actor_stepped[module_id] and due and isinstance(module.unwrapped(), TargetNetworkAPI)):
                continue
            unwrapped: Any = module.unwrapped()
            for main_net, target_net in unwrapped.get_target_network_pairs():
                update_target_network(main_net=main_net, target_net=target_net, tau=config.tau)
            self._actor_stepped[module_id] = False
            self.last_update_ts_by_mid[module_id] = timestep
            self.metrics.log_value((module_id, NUM_TARGET_UPDATES), 1, reduce="lifetime_sum")
