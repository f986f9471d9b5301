"""Exploration noise of the old DDPG/TD3 (RLlib's ``GaussianNoise`` and ``OrnsteinUhlenbeckNoise``),
as functions of torch tensors, in the normalized action space [-1, 1] the actor acts in.

The old classes worked in env action units; their parameters keep that meaning here: a noise
``n`` in env units is ``n / half_range`` in the normalized space (``half_range = (high - low) / 2``,
1 where a bound is infinite, as the old ``high_m_low`` was).

- the first ``random_timesteps`` steps act uniformly at random;
- then ``scale`` anneals linearly from ``initial_scale`` (at ``random_timesteps``) to
  ``final_scale`` (at ``random_timesteps + scale_timesteps``) and stays there;
- Gaussian: ``action + scale * stddev * N(0, 1)``;
- Ornstein-Uhlenbeck: ``state += -theta * state + sigma * scale * N(0, 1)`` once per forward
  pass (one state vector for the whole batch, as the old class kept it), and
  ``action + scale * ou_base_scale * state * (high - low)``;
- the result is clipped to the action bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

GAUSSIAN = "gaussian"
ORNSTEIN_UHLENBECK = "ou"
NOISE_TYPES = (GAUSSIAN, ORNSTEIN_UHLENBECK)


@dataclass(frozen=True)
class NoiseSettings:
    kind: str
    random_timesteps: int
    stddev: float
    ou_base_scale: float
    ou_theta: float
    ou_sigma: float
    initial_scale: float
    final_scale: float
    scale_timesteps: int

    @classmethod
    def from_model_config(cls, model_config: dict) -> NoiseSettings:
        return cls(
            kind=str(model_config["exploration_noise"]),
            random_timesteps=int(model_config["random_timesteps"]),
            stddev=float(model_config["noise_stddev"]),
            ou_base_scale=float(model_config["ou_base_scale"]),
            ou_theta=float(model_config["ou_theta"]),
            ou_sigma=float(model_config["ou_sigma"]),
            initial_scale=float(model_config["initial_scale"]),
            final_scale=float(model_config["final_scale"]),
            scale_timesteps=int(model_config["scale_timesteps"]),
        )


def noise_scale(settings: NoiseSettings, t: int) -> float:
    """The old ``PiecewiseSchedule([(random_timesteps, initial), (random_timesteps + scale_timesteps,
    final)], outside_value=final)``."""
    start, end = settings.random_timesteps, settings.random_timesteps + settings.scale_timesteps
    if t < start or t >= end or end == start:
        return settings.final_scale
    fraction = (t - start) / (end - start)
    return settings.initial_scale + fraction * (settings.final_scale - settings.initial_scale)


def half_range(low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    """``(high - low) / 2``, 1 where a bound is infinite."""
    span = high - low
    return torch.where(torch.isfinite(span), span / 2.0, torch.ones_like(span))


def explore(
    actions: torch.Tensor,
    settings: NoiseSettings,
    t: int,
    half: torch.Tensor,
    ou_state: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Noisy (or, before ``random_timesteps``, uniformly random) normalized actions. Updates
    ``ou_state`` in place for Ornstein-Uhlenbeck noise."""
    if t < settings.random_timesteps:
        return torch.rand(actions.shape, generator=generator, dtype=actions.dtype) * 2.0 - 1.0
    scale = noise_scale(settings, t)
    if settings.kind == GAUSSIAN:
        noise = scale * settings.stddev * torch.randn(actions.shape, generator=generator, dtype=actions.dtype) / half
    else:
        sample = scale * torch.randn(ou_state.shape, generator=generator, dtype=ou_state.dtype)
        ou_state += settings.ou_theta * -ou_state + settings.ou_sigma * sample
        # (high - low) * state in env units, over half the range: 2 * state in normalized units.
        noise = scale * settings.ou_base_scale * ou_state * 2.0
    return torch.clamp(actions + noise, -1.0, 1.0)


def smoothed_target_actions(
    target_actions: torch.Tensor, eps: torch.Tensor, target_noise: float, noise_clip: float, half: torch.Tensor
) -> torch.Tensor:
    """TD3's target-policy smoothing: ``clip(a' + clip(target_noise * eps, ±noise_clip), bounds)``,
    ``eps ~ N(0, 1)``; ``target_noise`` and ``noise_clip`` in env action units, as the old keys."""
    noise = torch.clamp(target_noise * eps, -noise_clip, noise_clip) / half
    return torch.clamp(target_actions + noise, -1.0, 1.0)
