"""The per-result progress line names the rolling window it shows (last-20 for a file that sets
metrics_num_episodes_for_smoothing: 20), not a fixed 'last-100'."""

from __future__ import annotations

import io

from rich.console import Console as RichConsole

from rlcli.console import Console, TrainProgress
from rlcli.core.rllib.rolling_return import ROLLING_EPISODES, ROLLING_RETURN
from rlcli.core.train.progress_rows import row_from_result


def _line(result: dict) -> str:
    err = io.StringIO()
    progress = TrainProgress(Console(err=RichConsole(file=err, width=200)))
    progress.progress(row_from_result("SAC_Pendulum-v1_00000", result))
    return err.getvalue()


def test_line_shows_the_episodes_the_rolling_mean_covers():
    result = {
        "training_iteration": 7,
        "env_runners": {"episode_return_mean": -180.5, "num_env_steps_sampled_lifetime": 1400},
        "time_total_s": 12.0,
        ROLLING_RETURN: -212.25,
        ROLLING_EPISODES: 20,
    }
    line = _line(result)
    assert "iter    7" in line
    assert "last-20   -212.25" in line
    assert "last-100" not in line
    assert "env steps     1,400" in line


def test_line_before_any_episode_ended_has_no_count():
    line = _line({"training_iteration": 1, "env_runners": {}, "time_total_s": 1.0})
    assert "last-N          -" in line
