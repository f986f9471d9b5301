"""A user's own RLModule for PPO, reading its own model_config key (``width``)."""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.apis.value_function_api import ValueFunctionAPI
from ray.rllib.core.rl_module.torch.torch_rl_module import TorchRLModule


class TinyActorCritic(TorchRLModule, ValueFunctionAPI):
    """Separate one-layer policy and value nets of ``model_config['width']`` units."""

    def setup(self) -> None:
        width = int(self.model_config.get("width", 8))
        n_obs = int(self.observation_space.shape[0])
        self.pi = torch.nn.Sequential(
            torch.nn.Linear(n_obs, width), torch.nn.Tanh(), torch.nn.Linear(width, self.action_space.n)
        )
        self.vf = torch.nn.Sequential(torch.nn.Linear(n_obs, width), torch.nn.Tanh(), torch.nn.Linear(width, 1))

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS])}

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        return self.vf(batch[Columns.OBS]).squeeze(-1)
