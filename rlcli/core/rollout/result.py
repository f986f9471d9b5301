"""What a rollout measured (:class:`RolloutResult`), and the return statistics every table of it uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def return_stats(values: list[float]) -> dict[str, Any]:
    """Mean, std, min and max of returns (None where there are none), the shape every table uses."""
    r = np.asarray(values, dtype=float)
    if not r.size:
        return {"episodes": 0, "mean": None, "std": None, "min": None, "max": None}
    return {
        "episodes": int(r.size),
        "mean": float(r.mean()),
        "std": float(r.std()),
        "min": float(r.min()),
        "max": float(r.max()),
    }


@dataclass
class RolloutResult:
    """What a rollout measured. ``agent_returns`` holds one ``{agent: return}`` per counted
    episode (aligned with ``returns``; empty for single-agent runs) and ``agent_modules`` the
    policy (RLModule) each agent acted with, so per-agent and per-policy tables derive from it."""

    checkpoint: str
    env: str
    explore: bool
    num_envs: int
    path: str
    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    env_steps: int = 0
    seconds: float = 0.0
    out: str | None = None
    videos: list[str] = field(default_factory=list)
    seed: int | None = None
    agent_returns: list[dict[str, float]] = field(default_factory=list)
    agent_modules: dict[str, str] = field(default_factory=dict)
    #: Returns of the episodes the ``--steps`` limit cut short (one per env that was mid-episode):
    #: printed and saved as the old tool did, never in the statistics.
    unfinished_returns: list[float] = field(default_factory=list)

    def per_agent(self) -> dict[str, dict[str, Any]]:
        """Return statistics of each agent over the episodes it took part in."""
        agents = sorted({a for episode in self.agent_returns for a in episode})
        return {
            a: {"module": self.agent_modules.get(a), **return_stats([e[a] for e in self.agent_returns if a in e])}
            for a in agents
        }

    def per_module(self) -> dict[str, dict[str, Any]]:
        """Return statistics of each policy: per episode, the sum over the agents it controlled."""
        modules = sorted(set(self.agent_modules.values()))
        rows = {}
        for m in modules:
            sums = [
                sum(r for a, r in e.items() if self.agent_modules.get(a) == m)
                for e in self.agent_returns
                if any(self.agent_modules.get(a) == m for a in e)
            ]
            rows[m] = {"agents": sorted(a for a, mm in self.agent_modules.items() if mm == m), **return_stats(sums)}
        return rows

    def as_dict(self) -> dict[str, Any]:
        stats = return_stats(self.returns)
        return {
            "checkpoint": self.checkpoint,
            "env": self.env,
            "path": self.path,
            "explore": self.explore,
            "num_envs": self.num_envs,
            "seed": self.seed,
            "episodes": len(self.returns),
            "return_mean": stats["mean"],
            "return_std": stats["std"],
            "return_min": stats["min"],
            "return_max": stats["max"],
            "length_mean": float(np.mean(self.lengths)) if self.lengths else None,
            "env_steps": self.env_steps,
            "seconds": self.seconds,
            "env_steps_per_s": self.env_steps / self.seconds if self.seconds else None,
            "returns": self.returns,
            "lengths": self.lengths,
            "agents": self.per_agent(),
            "policies": self.per_module(),
            "agent_returns": self.agent_returns,
            "unfinished_returns": self.unfinished_returns,
            "out": self.out,
            "videos": self.videos,
        }
