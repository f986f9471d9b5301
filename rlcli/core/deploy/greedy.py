"""The greedy policy of a checkpoint as one ``torch.nn.Module`` of tensors only: what rollout's
fast path (:class:`rlcli.core.rollout.policy.Policy`) does in numpy and RLlib calls, written as
torch operations so that TorchScript tracing and the ONNX exporter can record all of it.

- MeanStdFilter (``update=False``): ``(x - mean) / (std + 1e-8)``, then clipped to ``±clip``;
- the RLModule's ``forward_inference``: its ``actions`` (modules that pick their own, such as
  DQN's), else Discrete: the argmax of ``action_dist_inputs``; Box (a diagonal Gaussian): the
  mean (the first half of the inputs), unsquashed to the space's bounds
  (``normalize_actions``) or clipped to them (``clip_actions``), as RLlib's ``unsquash_action``
  and ``clip_action`` do.

Imported only by the exporter (it imports torch)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlcli.core.errors import UsageError

#: RLlib's MeanStdFilter adds this to the std (``SMALL_NUMBER``).
FILTER_EPSILON = 1e-8


class GreedyPolicy(torch.nn.Module):
    """Observations (float32, ``[batch, *obs_shape]``) → greedy env actions."""

    mean: torch.Tensor  # buffers: saved with the module, constants in the exported graph
    std: torch.Tensor
    low: torch.Tensor
    high: torch.Tensor

    def __init__(self, policy: Any) -> None:
        super().__init__()
        space = policy.action_space
        self.discrete = isinstance(space, gym.spaces.Discrete)
        if not self.discrete and not (isinstance(space, gym.spaces.Box) and len(space.shape) == 1):
            raise UsageError(
                f"rlcli export handles Discrete and 1-D Box action spaces; this policy acts in {space}.",
                "Roll it out with rlcli rollout instead.",
            )
        self.module = policy.module
        self._set_filter(policy.obs_filter)
        self.unsquash = self.clip_actions = False
        if not self.discrete:
            self.register_buffer("low", _tensor(space.low))
            self.register_buffer("high", _tensor(space.high))
            bounded = bool(np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high)))
            # As Policy: unsquash when normalize_actions (a no-op on unbounded spaces), else clip.
            self.unsquash = bool(policy.normalize_actions) and bounded
            self.clip_actions = not policy.normalize_actions and bool(policy.clip_actions)

    def _set_filter(self, obs_filter: Any) -> None:
        self.filtered = obs_filter is not None and getattr(obs_filter, "shape", None) is not None
        self.clip = 0.0
        if self.filtered:
            stats = obs_filter.running_stats
            self.register_buffer("mean", _tensor(stats.mean if obs_filter.demean else 0.0))
            self.register_buffer("std", _tensor(stats.std if obs_filter.destd else 1.0 - FILTER_EPSILON))
            self.clip = float(obs_filter.clip or 0.0)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        x = obs.to(torch.float32)
        if self.filtered:
            x = (x - self.mean) / (self.std + FILTER_EPSILON)
            if self.clip:
                x = torch.clamp(x, -self.clip, self.clip)
        out = self.module.forward_inference({"obs": x})
        if self.discrete:
            return out["actions"] if "actions" in out else torch.argmax(out["action_dist_inputs"], dim=-1)
        action = out["actions"] if "actions" in out else torch.chunk(out["action_dist_inputs"], 2, dim=-1)[0]
        if self.unsquash:
            action = self.low + (action + 1.0) * (self.high - self.low) / 2.0
        if self.unsquash or self.clip_actions:
            action = torch.clamp(action, self.low, self.high)
        return action


def greedy_module(policy: Any) -> GreedyPolicy:
    """``policy``'s greedy actions as a module in eval mode, its weights frozen (a traced
    module's outputs would otherwise require grad, and ``.numpy()`` on them fails)."""
    module = GreedyPolicy(policy).eval()
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    return module


def _tensor(value: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(value, dtype=np.float32))
