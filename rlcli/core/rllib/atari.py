"""Atari envs on the new API stack: ALE registration and RLlib's Atari preprocessing wrapper.

The old stack preprocessed Atari frames inside the model (``model.dim``, ``grayscale``,
``zero_mean``, ``framestack``); on the new stack it is an env wrapper
(``wrap_atari_for_new_api_stack``: resize, grayscale, normalise, skip/max, noop reset, frame
stack). rlcli registers every Atari id with a creator that applies it, reading its settings from
``env_config["rlcli_atari"]`` (where the legacy ``model`` keys are translated to)."""

from __future__ import annotations

import re
from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.legacy.translate import ATARI_SETTINGS as SETTINGS_KEY

DEFAULTS = {"dim": 84, "framestack": 4, "grayscale": True}  # the old stack's Atari defaults
_OLD_IDS = re.compile(r"[A-Z][A-Za-z]*(NoFrameskip|Deterministic)?-v[04]")


def is_ale_env(env: str) -> bool:
    """True for ids ale-py registers (``ALE/Pong-v5``, ``PongNoFrameskip-v4``, ``Pong-v4``), after
    registering them; a clearly-Atari id without ale-py installed is an error naming the extra."""
    import gymnasium as gym

    clearly = env.startswith(("ALE/", "ale_py:")) or "NoFrameskip" in env or "Deterministic-v" in env
    if not clearly and (env in gym.envs.registry or not _OLD_IDS.fullmatch(env)):
        return False
    try:
        register_ale()
    except UsageError:
        if clearly:
            raise
        return False
    spec = gym.envs.registry.get(env.removeprefix("ale_py:"))
    return spec is not None and "ale_py" in str(spec.entry_point)


def register_ale() -> None:
    """Make gymnasium know the ALE ids (gymnasium >= 1.0 needs this in every process)."""
    try:
        import ale_py
        import cv2  # noqa: F401  (RLlib's Atari wrapper resizes frames with OpenCV)
    except ImportError as exc:
        raise UsageError(f"Atari envs need ale-py and OpenCV ({exc}).", "pip install 'rlcli[atari]'") from None
    import gymnasium as gym

    gym.register_envs(ale_py)


class AtariEnvCreator:
    """Picklable env creator for Tune's registry: the ALE env wrapped as RLlib's new-stack
    Atari examples do. Skipping happens once: in the wrapper when the env itself skips no frames."""

    def __init__(self, env_id: str) -> None:
        self.env_id = env_id

    def __call__(self, env_config: dict[str, Any]) -> Any:
        import gymnasium as gym
        from ray.rllib.env.wrappers.atari_wrappers import wrap_atari_for_new_api_stack

        register_ale()
        kwargs = dict(env_config)
        settings = {**DEFAULTS, **(kwargs.pop(SETTINGS_KEY, None) or {})}
        env = gym.make(self.env_id.removeprefix("ale_py:"), **kwargs)
        env_skip = getattr(env.unwrapped, "_frameskip", 1)
        return wrap_atari_for_new_api_stack(
            env,
            dim=int(settings["dim"]),
            frameskip=4 if env_skip == 1 else 1,
            framestack=settings["framestack"] or None,
            grayscale=bool(settings["grayscale"]),
        )
