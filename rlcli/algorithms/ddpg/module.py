"""DDPG/TD3's RLModule: a deterministic actor and one or two Q critics, with target copies.

::

    [obs] -> pi -> tanh -> action in [-1, 1]        (unsquashed to the Box by RLlib's
                                                     normalize_actions connector, as SAC's)
    [obs, action] -> qf (and qf_twin) -> Q
    target_pi, target_qf, target_qf_twin: Polyak-averaged copies (the learner updates them)

``forward_inference`` returns ``actions`` (the greedy action, no noise), so RLlib's env runner,
rlcli's rollout fast path, serve and export all use it as it is; ``forward_exploration`` adds the
configured exploration noise (:mod:`rlcli.algorithms.ddpg.noise`). The networks' shapes come from
``model_config`` keys the config fills in: ``actor_hiddens``, ``actor_hidden_activation``,
``critic_hiddens``, ``critic_hidden_activation``, ``twin_q``, the noise settings.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.distribution.torch.torch_distribution import TorchDeterministic
from ray.rllib.core.learner.utils import make_target_network
from ray.rllib.core.rl_module.apis import InferenceOnlyAPI, QNetAPI, TargetNetworkAPI
from ray.rllib.core.rl_module.torch.torch_rl_module import TorchRLModule
from torch import nn

from rlcli.algorithms.ddpg import noise

QF_PREDS = "qf_preds"
QF_TWIN_PREDS = "qf_twin_preds"
QF_TARGET_NEXT = "q_target_next"
Q_PI = "q_pi"

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "swish": nn.SiLU, "silu": nn.SiLU, "linear": None}


def mlp(inputs: int, hiddens: list[int], activation: str | None, outputs: int) -> nn.Sequential:
    """Linear layers of ``hiddens`` widths with ``activation`` between them, then a linear output."""
    act = _ACTIVATIONS[(activation or "linear").lower()]
    layers: list[nn.Module] = []
    for width in hiddens:
        layers.append(nn.Linear(inputs, width))
        if act is not None:
            layers.append(act())
        inputs = width
    layers.append(nn.Linear(inputs, outputs))
    return nn.Sequential(*layers)


class DDPGTorchRLModule(TorchRLModule, InferenceOnlyAPI, TargetNetworkAPI, QNetAPI):
    framework: str = "torch"

    def setup(self) -> None:
        if not isinstance(self.action_space, gym.spaces.Box):
            raise ValueError(
                f"DDPG and TD3 act in continuous (Box) action spaces; this env's is {self.action_space}. "
                "Use DQN or SAC for discrete actions"
            )
        if not isinstance(self.observation_space, gym.spaces.Box):
            raise ValueError(
                f"DDPG's default RLModule reads Box observations; this env's are {self.observation_space}. "
                "Flatten them with a wrapper, or set rl_module_spec to your own RLModule"
            )
        cfg: dict[str, Any] = dict(self.model_config or {})  # type: ignore[arg-type]
        self.cfg = cfg
        self.twin_q = bool(cfg["twin_q"])
        self.obs_dim = int(np.prod(self.observation_space.shape))
        self.action_shape: tuple[int, ...] = tuple(self.action_space.shape)
        self.act_dim = int(np.prod(self.action_shape))
        self.pi = mlp(self.obs_dim, list(cfg["actor_hiddens"]), cfg["actor_hidden_activation"], self.act_dim)
        if not self.inference_only:
            critic = (self.obs_dim + self.act_dim, list(cfg["critic_hiddens"]), cfg["critic_hidden_activation"], 1)
            self.qf = mlp(*critic)
            if self.twin_q:
                self.qf_twin = mlp(*critic)
        self.noise = noise.NoiseSettings.from_model_config(cfg)
        low = torch.as_tensor(np.asarray(self.action_space.low, dtype=np.float32).reshape(-1))
        high = torch.as_tensor(np.asarray(self.action_space.high, dtype=np.float32).reshape(-1))
        # Plain tensors, not buffers: derived from the space, so never part of the saved state.
        self.half_range = noise.half_range(low, high)
        self.ou_state = torch.zeros(self.act_dim)

    # -- acting -----------------------------------------------------------------------------------
    def actor(self, obs: torch.Tensor, net: nn.Module | None = None) -> torch.Tensor:
        """Normalized actions in [-1, 1], shaped like the action space (batch first)."""
        out = torch.tanh((net or self.pi)(obs.reshape(obs.shape[0], -1).float()))
        return out.reshape(obs.shape[0], *self.action_shape)

    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {Columns.ACTIONS: self.actor(batch[Columns.OBS])}

    def _forward_exploration(self, batch: dict[str, Any], t: int | None = None, **kwargs: Any) -> dict[str, Any]:
        """Noisy actions at env step ``t`` (RLlib's env runners pass it); without one (a rollout
        with ``--explore``), the noise as it is once the random phase and annealing are over."""
        if t is None:
            t = self.noise.random_timesteps + self.noise.scale_timesteps
        with torch.no_grad():
            greedy = self.actor(batch[Columns.OBS])
            flat = greedy.reshape(greedy.shape[0], -1)
            actions = noise.explore(flat, self.noise, int(t), self.half_range, self.ou_state).reshape(greedy.shape)
        return {Columns.ACTIONS: actions}

    def get_inference_action_dist_cls(self) -> Any:
        return TorchDeterministic

    def get_exploration_action_dist_cls(self) -> Any:
        return TorchDeterministic

    def get_train_action_dist_cls(self) -> Any:
        return TorchDeterministic

    # -- critics ----------------------------------------------------------------------------------
    def q(self, net: nn.Module, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        flat_obs = obs.reshape(obs.shape[0], -1).float()
        flat_act = actions.reshape(actions.shape[0], -1).float()
        return net(torch.cat([flat_obs, flat_act], dim=-1)).squeeze(-1)

    def target_next_q(self, next_obs: torch.Tensor, eps: torch.Tensor | None) -> torch.Tensor:
        """``min_i Q'_i(s', a')`` with ``a' = pi'(s')``, smoothed by ``eps`` (standard normal, shaped
        like the actions) when target-policy smoothing is on."""
        next_actions = self.actor(next_obs, self.target_pi).reshape(next_obs.shape[0], -1)
        if eps is not None:
            cfg = self.cfg
            next_actions = noise.smoothed_target_actions(
                next_actions, eps, float(cfg["target_noise"]), float(cfg["target_noise_clip"]), self.half_range
            )
        q_next = self.q(self.target_qf, next_obs, next_actions)
        if self.twin_q:
            q_next = torch.min(q_next, self.q(self.target_qf_twin, next_obs, next_actions))
        return q_next

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        obs, actions = batch[Columns.OBS], batch[Columns.ACTIONS]
        out: dict[str, Any] = {QF_PREDS: self.q(self.qf, obs, actions)}
        if self.twin_q:
            out[QF_TWIN_PREDS] = self.q(self.qf_twin, obs, actions)
        with torch.no_grad():
            eps = None
            if self.cfg["smooth_target_policy"]:
                eps = torch.randn(obs.shape[0], self.act_dim)
            out[QF_TARGET_NEXT] = self.target_next_q(batch[Columns.NEXT_OBS], eps)
        # The actor's loss needs dQ/da through the critic but must not train the critic:
        # the critic's parameters record no gradient for this pass (SAC's "straight-through" pass).
        pi_actions = self.actor(obs)
        critic_params = list(self.qf.parameters())
        for p in critic_params:
            p.requires_grad_(False)
        try:
            out[Q_PI] = self.q(self.qf, obs, pi_actions)
        finally:
            for p in critic_params:
                p.requires_grad_(True)
        out[Columns.ACTIONS] = pi_actions
        return out

    def compute_q_values(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {QF_PREDS: self.q(self.qf, batch[Columns.OBS], batch[Columns.ACTIONS])}

    # -- targets and inference-only copies --------------------------------------------------------
    def make_target_networks(self) -> None:
        self.target_pi = make_target_network(self.pi)
        self.target_qf = make_target_network(self.qf)
        if self.twin_q:
            self.target_qf_twin = make_target_network(self.qf_twin)

    def get_target_network_pairs(self) -> list[tuple[nn.Module, nn.Module]]:
        pairs: list[tuple[nn.Module, nn.Module]] = [(self.pi, self.target_pi), (self.qf, self.target_qf)]
        if self.twin_q:
            pairs.append((self.qf_twin, self.target_qf_twin))
        return pairs

    def forward_target(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {QF_TARGET_NEXT: self.target_next_q(batch[Columns.NEXT_OBS], None)}

    def get_non_inference_attributes(self) -> list[str]:
        names = ["qf", "target_qf", "target_pi"]
        return names + (["qf_twin", "target_qf_twin"] if self.twin_q else [])
