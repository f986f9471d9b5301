"""Policy mapping and connector factories named by import path."""

from __future__ import annotations

from typing import Any

from ray.rllib.connectors.env_to_module import MeanStdFilter


def agent_to_policy(agent_id: Any, episode: Any = None, **kwargs: Any) -> str:
    """Agent 0 plays policy p0, agent 1 plays p1."""
    return f"p{agent_id}"


def mean_std_filter(env: Any = None, spaces: Any = None, device: Any = None) -> Any:
    """An env-to-module connector factory: observation normalization."""
    return [MeanStdFilter()]
