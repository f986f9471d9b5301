"""One Tune result → the :class:`ProgressRow` the live progress shows. Pure Python (no Ray), so
the console's rendering is tested without starting or importing Tune."""

from __future__ import annotations

from typing import Any

from rlcli.core.metrics import flatten, number
from rlcli.core.rllib.rolling_return import ROLLING_EPISODES, ROLLING_RETURN
from rlcli.core.spec import ProgressRow


def row_from_result(trial_name: str, result: dict[str, Any], show: tuple[str, ...] = ()) -> ProgressRow:
    runners = result.get("env_runners") or {}
    flat = flatten(result) if show else {}
    return ProgressRow(
        trial=trial_name,
        iteration=int(result.get("training_iteration", 0)),
        episode_return=number(runners.get("episode_return_mean")),
        env_steps=int(
            result.get("num_env_steps_sampled_lifetime") or runners.get("num_env_steps_sampled_lifetime") or 0
        ),
        time_s=float(result.get("time_total_s", 0.0)),
        rolling_return=number(result.get(ROLLING_RETURN)),
        rolling_episodes=_count(result.get(ROLLING_EPISODES)),
        extra=tuple((name, number(flat.get(name))) for name in show),
    )


def _count(value: Any) -> int | None:
    """An episode count from a result (Tune may hand back floats); None when absent."""
    count = number(value)
    return int(count) if count is not None else None
