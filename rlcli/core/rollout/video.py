"""``--video-dir``: one MP4 per episode, rendered from the env's ``rgb_array`` frames.

Needs the ``video`` extra (imageio with its bundled ffmpeg): ``pip install 'rlcli[video]'``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from rlcli.core.errors import UsageError
from rlcli.core.files import atomic_path
from rlcli.core.rllib.resolve import env_creator, resolve_env
from rlcli.core.rollout.policy import env_context


def _single_env(env_name: str, env_config: dict[str, Any], render_mode: str = "rgb_array") -> Any:
    import gymnasium as gym

    creator = env_creator(resolve_env(env_name))  # an imported env, or one the user's module registered
    if creator is None:
        return gym.make(env_name, render_mode=render_mode, **env_config)
    return creator(env_context({**env_config, "render_mode": render_mode}))


def _rendering_env(env_name: str, env_config: dict[str, Any], mode: str) -> Any:
    from gymnasium.error import DependencyNotInstalled

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    if mode == "rgb_array":
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    try:
        return _single_env(env_name, env_config, render_mode=mode)
    except DependencyNotInstalled as exc:
        raise UsageError(
            f"Rendering '{env_name}' needs a package that is missing: {exc}", "pip install 'rlcli[video]'"
        ) from None


def _render(env: Any) -> Any:
    """A frame, or a usage error for an env that cannot render (gymnasium's default ``render``)."""
    try:
        return env.render()
    except NotImplementedError:
        name = type(env.unwrapped).__name__
        raise UsageError(
            f"Env {name} does not render (its render() is not implemented).", "Drop --video-dir/--render."
        ) from None


def play_episode(env: Any, policy: Any, seed: int | None, on_frame: Any = None) -> None:
    """One episode with the policy, calling ``on_frame`` with each rendered frame."""
    obs, _ = env.reset(seed=seed)
    frame = _render(env)
    if on_frame:
        on_frame(frame)
    done = False
    while not done:
        action = policy(np.asarray(obs)[None])[0]
        obs, _, terminated, truncated, _ = env.step(action)
        frame = _render(env)
        if on_frame:
            on_frame(frame)
        done = terminated or truncated


def show_on_screen(policy: Any, env_name: str, env_config: dict[str, Any], episodes: int, seed: int | None) -> None:
    """``--render``: play episodes in the env's human render mode (needs a display)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise UsageError(
            "--render needs a display, and there is none (DISPLAY is not set).", "Record MP4s with --video-dir DIR."
        )
    env = _rendering_env(env_name, env_config, "human")
    try:
        for episode in range(episodes):
            play_episode(env, policy, None if seed is None else seed + episode)
    finally:
        env.close()


def _write_mp4(frames: list[np.ndarray], target: Path, fps: int) -> None:
    import imageio.v2 as imageio

    with atomic_path(target, suffix=".mp4") as tmp:
        writer: Any = imageio.get_writer(str(tmp), format="FFMPEG", fps=fps, macro_block_size=1)  # FFMPEG's Writer
        with writer:
            for frame in frames:
                writer.append_data(frame)


def record_videos(
    policy: Any, env_name: str, env_config: dict[str, Any], video_dir: Path, episodes: int, seed: int | None
) -> list[str]:
    """Play ``episodes`` more episodes in one rendering env and save each as an MP4."""
    try:
        import imageio.v2  # noqa: F401
    except ImportError:
        raise UsageError("--video-dir needs the video extra.", "pip install 'rlcli[video]'") from None
    video_dir.mkdir(parents=True, exist_ok=True)
    env = _rendering_env(env_name, env_config, "rgb_array")
    fps = int(env.metadata.get("render_fps") or 30)
    paths = []
    try:
        for episode in range(episodes):
            frames: list[np.ndarray] = []
            play_episode(env, policy, None if seed is None else seed + episode, frames.append)
            target = video_dir / f"episode-{episode:03d}.mp4"
            _write_mp4([f for f in frames if f is not None], target, fps)
            paths.append(str(target))
    finally:
        env.close()
    return paths
