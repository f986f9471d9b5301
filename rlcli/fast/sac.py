"""SAC's Q-networks as in the SAC paper and Stable-Baselines3: one MLP over the concatenated
observation and action (``fcnet_hiddens`` wide), then a linear output.

Why: RLlib 2.60's ``SACCatalog`` builds each continuous-action Q-network as a multi-stream
encoder: an observation MLP (``fcnet_hiddens``), a separate action MLP, and a fusion network
(``fusionnet_hiddens``, default [256, 256], with skip connections that re-concatenate the 512-wide
embedding into every layer) before the Q head. With ``fcnet_hiddens: [256, 256]`` that is about
0.66M weights per Q-network against 67k for the MLP over (obs, action) that SB3 and the paper use
— 10x the multiply-adds, on each of the two Q-networks, their two target copies, and both the
critic and the actor loss. That is where RLlib's ~94 ms SAC update of 256 went (a py-spy profile:
``TorchMultiStreamEncoder._forward`` and ``Linear.forward`` the largest entries).

``ConcatQSACCatalog`` keeps everything else of ``SACCatalog`` (the policy encoder and head, the
discrete-action Q-network, the action distributions) and only replaces the continuous Q encoder.
It is used through RLlib's own extension point, ``rl_module_spec.catalog_class``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
from ray.rllib.algorithms.sac.sac_catalog import SACCatalog
from ray.rllib.core.columns import Columns
from ray.rllib.core.models.base import ENCODER_OUT, Encoder
from ray.rllib.core.models.configs import MLPEncoderConfig
from ray.rllib.core.models.torch.encoder import TorchMLPEncoder
from ray.rllib.utils.framework import try_import_torch

torch, _ = try_import_torch()


class ConcatObsActionEncoder(TorchMLPEncoder):
    """``TorchMLPEncoder`` over ``cat([obs, actions], -1)``: the input SAC's Q-function helper
    passes as ``{obs, actions}``."""

    def _forward(self, inputs: dict, **kwargs: Any) -> dict:  # type: ignore[override]  # as TorchMLPEncoder
        obs_actions = torch.cat([inputs[Columns.OBS], inputs[Columns.ACTIONS]], dim=-1)
        return {ENCODER_OUT: self.net(obs_actions)}


@dataclass
class ConcatObsActionEncoderConfig(MLPEncoderConfig):
    """An ``MLPEncoderConfig`` whose encoder concatenates observation and action first."""

    def build(self, framework: str = "torch") -> Encoder:
        self._validate(framework)
        if framework != "torch":
            raise ValueError(f"ConcatObsActionEncoder is torch-only, not {framework}.")
        return ConcatObsActionEncoder(self)


def _flat_box(space: gym.Space) -> bool:
    return isinstance(space, gym.spaces.Box) and len(space.shape) == 1


class ConcatQSACCatalog(SACCatalog):
    """``SACCatalog`` with the Q-networks of continuous-action SAC as one MLP over (obs, action)
    of ``fcnet_hiddens`` (activation ``fcnet_activation``), followed by SAC's Q head
    (``head_fcnet_hiddens``, then 1 output). Other spaces (image observations, discrete
    actions) build exactly what ``SACCatalog`` builds."""

    def _build_qf_encoder_continuous(self, framework: str) -> Encoder:
        if not (_flat_box(self.observation_space) and _flat_box(self.action_space)):
            return super()._build_qf_encoder_continuous(framework)
        hiddens = list(self._model_config_dict["fcnet_hiddens"])
        config = ConcatObsActionEncoderConfig(
            input_dims=(gym.spaces.flatdim(self.observation_space) + gym.spaces.flatdim(self.action_space),),
            hidden_layer_dims=hiddens[:-1],
            hidden_layer_activation=self._model_config_dict["fcnet_activation"],
            hidden_layer_weights_initializer=self._model_config_dict.get("fcnet_kernel_initializer"),
            hidden_layer_weights_initializer_config=self._model_config_dict.get("fcnet_kernel_initializer_kwargs"),
            hidden_layer_bias_initializer=self._model_config_dict.get("fcnet_bias_initializer"),
            hidden_layer_bias_initializer_config=self._model_config_dict.get("fcnet_bias_initializer_kwargs"),
            output_layer_dim=self.latent_dims[0],
            output_layer_activation=self._model_config_dict["fcnet_activation"],
            output_layer_weights_initializer=self._model_config_dict.get("fcnet_kernel_initializer"),
            output_layer_weights_initializer_config=self._model_config_dict.get("fcnet_kernel_initializer_kwargs"),
            output_layer_bias_initializer=self._model_config_dict.get("fcnet_bias_initializer"),
            output_layer_bias_initializer_config=self._model_config_dict.get("fcnet_bias_initializer_kwargs"),
        )
        return config.build(framework=framework)
