"""Callbacks that log custom metrics, as RLlib 2.60 users write them."""

from __future__ import annotations

from typing import Any

from ray.rllib.callbacks.callbacks import RLlibCallback


class EpisodeStats(RLlibCallback):
    """Logs ``ones_per_episode``: how often the policy chose action 1 in an episode."""

    def on_episode_end(self, *, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
        actions = episode.get_actions()
        metrics_logger.log_value("ones_per_episode", float(sum(int(a) for a in actions)))


class NotACallback:
    """Used by the tests as a wrong base class."""


def log_episode_length(*, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
    """An ``on_episode_end`` function: logs ``fn_episode_len``."""
    metrics_logger.log_value("fn_episode_len", float(len(episode)))
