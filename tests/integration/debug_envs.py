"""Envs for the ``--local-mode`` tests: CartPole that stops in the debugger once, when asked.

``breakpoint()`` runs only with ``env_config: {breakpoint: true}`` and only at the first reset of
the process, so one pdb session (``p debug_secret`` then ``c``) sees the whole run through. The
value the session prints is computed here, never written out in full, so finding it in the
output proves pdb stopped inside the env.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

_stopped = False


class BreakOnce(gym.Env):
    """CartPole-v1, with one ``breakpoint()`` in the first ``reset`` when the config asks."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.env = gym.make("CartPole-v1")
        self.observation_space = self.env.observation_space
        self.action_space = self.env.action_space
        self.stop_here = bool((config or {}).get("breakpoint"))

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        global _stopped
        if self.stop_here and not _stopped:
            _stopped = True
            debug_secret = "seen-inside-the-env-" + str(6 * 7)  # noqa: F841 - read by the pdb session
            breakpoint()
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        return self.env.step(action)
