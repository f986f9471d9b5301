"""The env's own steps on RLlib's EnvRunner path, for ``--out`` in the old ``rllib rollout`` format.

RLlib's episodes do not hold what the old tool saved: connectors may rewrite their observations
(MeanStdFilter normalizes them in place) and they keep the module's actions, not the ones the env
got. So the env is wrapped where it is built: :class:`RecordingEnv` sits directly around the
user's env (inside the wrappers ``gym.make`` and RLlib add) and keeps the steps since the last
reset, exactly as the env saw them; multi-agent envs step with per-agent dicts and end on
``__all__``. The ``on_episode_end`` callback takes the finished episode from the sub-env it ran in.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rlcli.core.rllib.resolve import ResolvedEnv, env_creator
from rlcli.core.rollout.legacy_out import LegacyStep


def _flag(value: Any) -> bool:
    """A single-agent flag, or a multi-agent env's ``__all__``."""
    return bool(value.get("__all__", False)) if isinstance(value, dict) else bool(value)


class RecordingEnv(gym.Wrapper):
    """Keeps the current episode's steps; ``finished`` is the last episode that ended."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.current: list[LegacyStep] = []
        self.finished: list[LegacyStep] = []
        self._obs: Any = None

    def reset(self, **kwargs: Any) -> Any:
        obs, info = self.env.reset(**kwargs)
        self.current, self._obs = [], obs
        return obs, info

    def step(self, action: Any) -> Any:
        next_obs, reward, terminated, truncated, info = self.env.step(action)
        done = (_flag(terminated), _flag(truncated))
        self.current.append(LegacyStep(self._obs, action, next_obs, reward, done[0], done[1], info))
        self._obs = next_obs
        if any(done):
            self.finished, self.current = self.current, []
        return next_obs, reward, terminated, truncated, info


class RecordingEnvCreator:
    """``EnvContext -> RecordingEnv(env)``: the env rlcli would build, wrapped (picklable, for
    Tune's env registry)."""

    def __init__(self, base: Any, env_id: str) -> None:
        self.base = base
        self.env_id = env_id

    def __call__(self, config: Any) -> RecordingEnv:
        env = self.base(config) if self.base is not None else gym.make(self.env_id, **dict(config))
        return RecordingEnv(env)


def register_recording_env(resolved: ResolvedEnv) -> str:
    """Register the recording version of ``resolved`` with Tune; the name to configure RLlib with."""
    from ray import tune

    base = env_creator(resolved)
    if base is None and resolved.atari:
        from rlcli.core.rllib.atari import AtariEnvCreator

        base = AtariEnvCreator(resolved.name)
    name = f"rlcli-recording:{resolved.name}"
    tune.register_env(name, RecordingEnvCreator(base, resolved.name))
    return name


def recorder_of(vector_env: Any, index: int) -> RecordingEnv | None:
    """The :class:`RecordingEnv` inside sub-env ``index`` of an EnvRunner's vector env."""
    envs = getattr(vector_env, "envs", None)
    env = envs[index] if envs is not None and index < len(envs) else None
    while env is not None:
        if isinstance(env, RecordingEnv):
            return env
        env = getattr(env, "env", None)
    return None
