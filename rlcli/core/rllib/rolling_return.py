"""A return averaged over the last N episodes, as Stable-Baselines3 and the old RLlib reported it.

Why: on Ray 2.60's new stack, ``env_runners/episode_return_mean`` is the mean over the episodes
that ended in *this* iteration (the smoothing window is not carried across iterations when the
trainer samples itself, ``num_env_runners=0``). A stop criterion on it can fire on one lucky
episode. rlcli adds ``rlcli/episode_return_rolling_mean``: the mean over the last
``metrics_num_episodes_for_smoothing`` (default 100) episodes, built from each iteration's
episode count and mean, so stop criteria, checkpoint scores and comparisons with other tools
measure the same thing.

The function runs inside the trial (RLlib's ``on_train_result`` hook); its window lives on the
algorithm object and starts empty again after a restore."""

from __future__ import annotations

import numbers
from collections import deque
from typing import Any

ROLLING_RETURN = "rlcli/episode_return_rolling_mean"
ROLLING_EPISODES = "rlcli/episodes_in_rolling_mean"
_STATE = "_rlcli_recent_returns"


def rolling_mean(recent: deque[tuple[int, float]], window: int) -> tuple[float, int]:
    """Mean over the newest ``window`` episodes of ``(count, mean)`` iteration summaries, newest
    last; the oldest iteration counted contributes only the episodes still inside the window
    (at its own mean). Returns ``(mean, episodes counted)``."""
    total, counted = 0.0, 0
    for count, mean in reversed(recent):
        take = min(count, window - counted)
        total += take * mean
        counted += take
        if counted >= window:
            break
    return (total / counted if counted else float("nan")), counted


def add_rolling_return(*, algorithm: Any, result: dict[str, Any], **_: Any) -> None:
    """RLlib ``on_train_result`` callback: fold this iteration's episodes into the window and
    write the rolling mean into the result Tune sees (stop criteria, checkpoint score)."""
    runners = result.get("env_runners") or {}
    count, mean = _real(runners.get("num_episodes")), _real(runners.get("episode_return_mean"))
    window = int(getattr(algorithm.config, "metrics_num_episodes_for_smoothing", 100) or 100)
    recent: deque[tuple[int, float]] = algorithm.__dict__.setdefault(_STATE, deque())
    if count and count > 0 and mean is not None:
        recent.append((int(count), mean))
        while sum(c for c, _ in recent) - recent[0][0] >= window:
            recent.popleft()
    if recent:
        value, counted = rolling_mean(recent, window)
        result[ROLLING_RETURN] = value
        result[ROLLING_EPISODES] = counted


def _real(value: Any) -> float | None:
    """A float for Python and NumPy numbers (RLlib reports both); None for NaN and the rest."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value == value:
        return float(value)
    return None


def with_rolling_return(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the callback added after any ``on_train_result`` callables it has."""
    existing = config.get("callbacks_on_train_result")
    if existing is None:
        hooks: list[Any] = []
    elif isinstance(existing, (list, tuple)):
        hooks = list(existing)
    else:
        hooks = [existing]
    if add_rolling_return not in hooks:
        hooks.append(add_rolling_return)
    return {**config, "callbacks_on_train_result": hooks}
