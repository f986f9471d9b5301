"""``rlcli serve`` for real: a tiny CartPole policy (with MeanStdFilter) served by the installed
``rlcli`` on a free port of 127.0.0.1, stopped with Ctrl-C by the test. The actions it answers
equal rollout's greedy actions (its fast-path policy loaded here) on the same observations, one
or a batch at a time; bad requests get a 4xx with a JSON error and the server keeps answering;
a bounded load test (2,000 requests from 16 clients) has no errors."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from helpers import get_json, post_json, serving, storage_env

pytestmark = pytest.mark.integration

pytest.importorskip("ray.serve", reason="the dev extra installs ray[serve] (rlcli[serve])")


@pytest.fixture(scope="module")
def server(filtered_cartpole, rlcli_exe):
    """(base URL, the experiment dir) while ``rlcli serve`` runs the session's filtered CartPole PPO."""
    env = storage_env(filtered_cartpole.parent)
    with serving(rlcli_exe, filtered_cartpole, "--max-batch-size", "16", env=env) as url:
        yield url, filtered_cartpole


def _reference_actions(exp: Path, observations: np.ndarray) -> np.ndarray:
    """Rollout's greedy actions on ``observations`` (its fast-path policy, loaded here)."""
    from rlcli.core.rollout.policy import load_config_state, load_policy
    from rlcli.core.store.checkpoints import Selection, locate

    ckpt = locate(exp, Selection(which="best", metric="", mode="max")).path
    policy, _ = load_policy(ckpt, load_config_state(ckpt), explore=False)
    return policy(observations)


def test_actions_equal_rollouts_one_or_a_batch_at_a_time(server):
    url, exp = server
    observations = np.random.default_rng(0).normal(0.0, 1.0, size=(64, 4)).astype(np.float32)
    expected = _reference_actions(exp, observations)
    assert 0 < expected.sum() < 64  # both actions occur: a constant answer would not pass
    status, batch = post_json(f"{url}/v1/actions", json.dumps({"observations": observations.tolist()}).encode())
    assert status == 200 and batch["actions"] == expected.tolist()
    for i in (0, 17, 63):
        status, one = post_json(f"{url}/v1/actions", json.dumps({"observations": observations[i].tolist()}).encode())
        assert status == 200 and one["actions"] == int(expected[i])
    policy = get_json(f"{url}/v1/policy")
    assert (policy["algorithm"], policy["observation_shape"], policy["connectors"]) == ("PPO", [4], ["MeanStdFilter"])


@pytest.mark.parametrize(
    "body, status, needle",
    [
        (b"not json", 400, "not JSON"),
        (b"[1, 2, 3, 4]", 400, "JSON object"),
        (b"{}", 422, "missing field 'observations'"),
        (b'{"observations": [1, 2]}', 422, "shape [2]"),
        (b'{"observations": [[1, 2, 3, 4], [1, 2]]}', 422, "must be numbers"),
        (b'{"observations": [1, 2, NaN, 4]}', 422, "NaN"),
        (b'{"observations": ["a", "b", "c", "d"]}', 422, "must be numbers"),
        (b'{"observations": [1, 2, 3, 4], "explore": "yes"}', 422, "'explore'"),
        (b'{"observations": [1, 2, 3, 4], "obs": 1}', 422, "unknown field"),
        (json.dumps({"observations": [[0.0] * 4] * 5000}).encode(), 413, "at most 4096"),
    ],
)
def test_bad_requests_get_a_4xx_and_the_server_keeps_serving(server, body, status, needle):
    url, _ = server
    got, answer = post_json(f"{url}/v1/actions", body)
    assert got == status and needle in answer["error"], answer
    assert get_json(f"{url}/healthz") == {"status": "ok"}


def test_load_2000_requests_from_16_clients_without_errors(server):
    url, exp = server
    observations = np.random.default_rng(1).normal(0.0, 1.0, size=(2000, 4)).astype(np.float32)
    expected = _reference_actions(exp, observations)

    def one(i: int) -> tuple[int, object]:
        status, answer = post_json(f"{url}/v1/actions", json.dumps({"observations": observations[i].tolist()}).encode())
        return status, answer.get("actions")

    start = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(len(observations))))
    seconds = time.monotonic() - start
    assert [status for status, _ in answers] == [200] * 2000
    assert [action for _, action in answers] == expected.tolist()  # batched across clients, still each one's
    print(f"2000 requests from 16 clients in {seconds:.1f} s ({2000 / seconds:.0f} requests/s)")
