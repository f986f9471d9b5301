"""Stop criteria: flattened to Tune's ``a/b`` keys, legacy names translated, and checked against
the metrics a run really reports, so a criterion that can never fire fails fast instead of
training forever (Tune only logs one warning for an unknown key)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rlcli.core.errors import ConfigError, did_you_mean
from rlcli.core.legacy.translate import migrate_metric
from rlcli.core.metrics import flatten

#: Metrics that may be absent from the first results (no episode finished yet, evaluation not
#: run yet); they get this many results to appear before they count as unknown.
LATE_METRIC_PREFIXES = (
    "env_runners/episode_",
    "env_runners/agent_episode",
    "env_runners/module_episode",
    "evaluation/",
    "rlcli/",  # rlcli's rolling return appears with the first finished episode
)
LATE_METRIC_GRACE = 10


@dataclass(frozen=True)
class StopCriteria:
    """Flattened, translated criteria plus the notices the translation produced."""

    criteria: dict[str, float]
    notices: tuple[str, ...]


def normalize_stop(stop: Mapping[str, Any] | None) -> StopCriteria:
    """Flatten nested criteria, translate old metric names, and require numbers."""
    criteria: dict[str, float] = {}
    notices: list[str] = []
    for key, value in flatten(stop or {}).items():
        new, notice = migrate_metric(key)
        if notice:
            notices.append(f"stop: {notice}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(
                f"stop criterion '{key}' must be a finite number, got {value!r}.",
                "Write e.g. --stop '{\"training_iteration\": 10}'.",
            )
        criteria[new] = value
    return StopCriteria(criteria, tuple(notices))


def is_late_metric(key: str) -> bool:
    return key.startswith(LATE_METRIC_PREFIXES)


def unknown_stop_keys(criteria: Iterable[str], seen: set[str], results_seen: int) -> list[str]:
    """Criteria that the run has not reported after enough results to be sure it never will."""
    missing = []
    for key in criteria:
        if key in seen:
            continue
        if is_late_metric(key) and results_seen < LATE_METRIC_GRACE:
            continue
        missing.append(key)
    return missing


def unknown_stop_message(key: str, seen: Iterable[str]) -> str:
    """One line that names the criterion and the closest metric the run reports."""
    hint = did_you_mean(key, seen) or "Use a metric the run reports, e.g. env_runners/episode_return_mean."
    return f"stop criterion '{key}' is not a metric this run reports, so it could never fire. {hint}"
