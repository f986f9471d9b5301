"""The rolling return rlcli adds to every result: exact over per-iteration (count, mean) summaries."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

from rlcli.core.rllib.rolling_return import ROLLING_EPISODES, ROLLING_RETURN, add_rolling_return, with_rolling_return


def _algorithm(window: int = 100) -> SimpleNamespace:
    return SimpleNamespace(config=SimpleNamespace(metrics_num_episodes_for_smoothing=window))


def test_counts_the_last_n_episodes_and_stays_within_their_returns():
    rng = random.Random(0)
    algorithm, returns = _algorithm(window=30), []
    for _ in range(40):
        batch = [rng.uniform(0, 500) for _ in range(rng.choice([1, 2, 3]))]
        returns += batch
        result = {"env_runners": {"num_episodes": len(batch), "episode_return_mean": sum(batch) / len(batch)}}
        add_rolling_return(algorithm=algorithm, result=result)
        last = returns[-30:]
        # The oldest iteration may be cut; it then counts at its own mean. With equal returns
        # inside an iteration that is exact; here check the window size and the bounds.
        assert result[ROLLING_EPISODES] == len(last)
        assert min(returns[-33:]) - 1e-9 <= result[ROLLING_RETURN] <= max(returns[-33:]) + 1e-9


def test_exact_when_episodes_within_an_iteration_are_equal():
    algorithm = _algorithm(window=4)
    seen = []
    for count, value in [(3, 10.0), (2, 20.0), (1, 30.0)]:
        result = {"env_runners": {"num_episodes": count, "episode_return_mean": value}}
        add_rolling_return(algorithm=algorithm, result=result)
        seen.append((result[ROLLING_RETURN], result[ROLLING_EPISODES]))
    # window 4: [10,10,10] → [10,10 | 20,20] → [10 | 20,20 | 30]
    assert seen == [(10.0, 3), ((2 * 10 + 2 * 20) / 4, 4), ((10 + 2 * 20 + 30) / 4, 4)]


def test_iterations_without_episodes_keep_the_last_value_and_old_ones_are_dropped():
    algorithm = _algorithm(window=2)
    result: dict = {"env_runners": {"num_episodes": 0}}
    add_rolling_return(algorithm=algorithm, result=result)
    assert ROLLING_RETURN not in result  # nothing finished yet
    for value in (1.0, 2.0, 3.0):
        add_rolling_return(
            algorithm=algorithm, result={"env_runners": {"num_episodes": 1, "episode_return_mean": value}}
        )
    result = {"env_runners": {"num_episodes": 0, "episode_return_mean": math.nan}}
    add_rolling_return(algorithm=algorithm, result=result)
    assert result[ROLLING_RETURN] == 2.5
    assert len(algorithm._rlcli_recent_returns) == 2


def test_callback_is_added_after_the_users_own():
    def mine(**_):
        return None

    assert with_rolling_return({})["callbacks_on_train_result"] == [add_rolling_return]
    hooks = with_rolling_return({"callbacks_on_train_result": mine})["callbacks_on_train_result"]
    assert hooks == [mine, add_rolling_return]
    assert with_rolling_return({"callbacks_on_train_result": hooks})["callbacks_on_train_result"] == hooks


def test_numpy_numbers_count_like_python_ones():
    import numpy as np

    result = {"env_runners": {"num_episodes": np.int64(2), "episode_return_mean": np.float32(-5.0)}}
    add_rolling_return(algorithm=_algorithm(), result=result)
    assert result[ROLLING_RETURN] == -5.0 and result[ROLLING_EPISODES] == 2
