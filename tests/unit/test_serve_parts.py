"""``rlcli serve``'s parts that need no server: the request checks (with orjson decoding), the
bearer token's sources, the backend a request resolves to, the Prometheus text (read back by
``prometheus_client``'s own parser), and the micro-batcher's batches."""

from __future__ import annotations

import asyncio
import json
import threading

import numpy as np
import pytest

from rlcli.core.deploy import http_api, jsoncodec
from rlcli.core.deploy.batcher import MicroBatcher
from rlcli.core.deploy.metrics import ServeMetrics
from rlcli.core.deploy.requests import MAX_BODY_BYTES, RequestError, parse_action_request
from rlcli.core.deploy.serve_request import TOKEN_ENV, ServeRequest
from rlcli.core.errors import UsageError


def _status(body: bytes) -> tuple[int, str]:
    with pytest.raises(RequestError) as caught:
        parse_action_request(body, lambda _agent: (4,))
    return caught.value.status, caught.value.message


@pytest.mark.parametrize(
    "body, status, needle",
    [
        (b"not json", 400, "not JSON"),
        (b'{"observations": [1, 2, NaN, 4]}', 422, "NaN"),  # orjson refuses NaN; json reads it, the check refuses
        (b'{"observations": [1, 2, Infinity, 4]}', 422, "NaN or infinity"),
        (b'{"observations": [1, 2, 1e999, 4]}', 422, "NaN or infinity"),
        (b'{"observations": [1, 2, 3, 123456789012345678901234567890]}', None, None),  # beyond 64 bits: a number
        (b'{"observations": [1, 2, 3]}', 422, "shape [3]"),
        (b"\xff\xfe", 400, "not JSON"),
        (b" " * (MAX_BODY_BYTES + 1), 413, "over 8 MB"),
    ],
)
def test_bad_bodies_get_the_status_they_always_got(body, status, needle):
    if status is None:
        parsed = parse_action_request(body, lambda _agent: (4,))
        assert parsed.groups[0].observations.tolist() == [[1, 2, 3, float(np.float32(123456789012345678901234567890))]]
        return
    got, message = _status(body)
    assert got == status and needle in message


def test_json_codec_reads_what_json_reads_and_writes_compact_json():
    for body in (b'{"observations": [0.1, -2.5e-3, 7, 1e300]}', b'{"a": {"b": [true, null, "x"]}}', b"[]"):
        assert jsoncodec.loads(body) == json.loads(body)
    value = {"actions": [0, 1, 2], "x": {"y": -1.5}}
    assert jsoncodec.dumps(value) == json.dumps(value, separators=(",", ":")).encode()


def test_the_token_comes_from_the_file_else_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert http_api.load_token(ServeRequest.build("exp")) is None
    monkeypatch.setenv(TOKEN_ENV, " from-env ")
    assert http_api.load_token(ServeRequest.build("exp")) == "from-env"
    (tmp_path / "token").write_text("s3cret-token\n")
    assert http_api.load_token(ServeRequest.build("exp", token_file=tmp_path / "token")) == "s3cret-token"
    (tmp_path / "empty").write_text("\n")
    for name, needle in (("empty", "is empty"), ("missing", "cannot be read"), (".", "cannot be read")):
        with pytest.raises(UsageError, match=needle):
            http_api.load_token(ServeRequest.build("exp", token_file=tmp_path / name))
    (tmp_path / "spaced").write_text("two words")
    with pytest.raises(UsageError, match="without spaces"):
        http_api.load_token(ServeRequest.build("exp", token_file=tmp_path / "spaced"))


def test_a_request_passes_with_the_exact_bearer_token_only():
    expected = http_api.expected_header("abc")
    assert http_api.authorized(b"Bearer abc", expected)
    for header in (None, b"", b"Bearer abd", b"bearer abc", b"Bearer abc ", b"abc", b"Basic abc"):
        assert not http_api.authorized(header, expected)
    assert http_api.authorized(None, http_api.expected_header(None))  # no token set: every request passes


def test_the_backend_a_request_resolves_to():
    assert ServeRequest.build("exp").resolved_backend == "embedded"
    assert ServeRequest.build("exp", num_replicas=2).resolved_backend == "ray"
    assert ServeRequest.build("exp", ray_address="auto").resolved_backend == "ray"
    assert ServeRequest.build("exp", backend="ray").resolved_backend == "ray"
    with pytest.raises(UsageError, match="--num-replicas needs Ray Serve"):
        ServeRequest.build("exp", backend="embedded", num_replicas=2)
    with pytest.raises(UsageError, match="--backend 'fast' is not one of auto, embedded, ray"):
        ServeRequest.build("exp", backend="fast")
    assert [ServeRequest.build("exp", host=h).loopback for h in ("127.0.0.1", "localhost", "::1", "127.0.1.1")] == [
        True
    ] * 4
    assert [ServeRequest.build("exp", host=h).loopback for h in ("0.0.0.0", "::", "192.168.1.5", "myhost")] == [
        False
    ] * 4


def test_metrics_read_back_by_prometheus_clients_parser():
    parser = pytest.importorskip("prometheus_client.parser", reason="ray[serve] (the dev extra) installs it")
    metrics = ServeMetrics()
    latencies = [0.0003, 0.0007, 0.004, 0.004, 0.2, 30.0]
    for seconds in latencies:
        metrics.answered("/v1/actions", 200, seconds)
    metrics.answered("/v1/actions", 422, 0.001)
    metrics.answered("/wp-login.php", 404, 0.0001)
    for size in (1, 3, 32, 32):
        metrics.forward(size, 0.0002)
    families = {f.name: f for f in parser.text_string_to_metric_families(metrics.render())}
    requests = {(s.labels["route"], s.labels["code"]): s.value for s in families["rlcli_serve_requests"].samples}
    assert requests == {("/v1/actions", "200"): 6, ("/v1/actions", "422"): 1, ("other", "404"): 1}
    errors = {(s.labels["route"], s.labels["code"]) for s in families["rlcli_serve_request_errors"].samples}
    assert errors == {("/v1/actions", "422"), ("other", "404")}
    samples = families["rlcli_serve_request_duration_seconds"].samples
    actions = [s for s in samples if s.labels.get("route") == "/v1/actions"]
    buckets = {s.labels["le"]: s.value for s in actions if s.name.endswith("_bucket")}
    every = [*latencies, 0.001]
    for bound, count in buckets.items():  # cumulative: each bucket counts the observations <= its bound
        assert count == sum(x <= float(bound) for x in every), bound
    (total,) = [s.value for s in actions if s.name.endswith("_sum")]
    assert total == pytest.approx(sum(every))
    batch = {s.labels.get("le"): s.value for s in families["rlcli_serve_batch_size"].samples if "le" in s.labels}
    assert (batch["1.0"], batch["2.0"], batch["4.0"], batch["32.0"], batch["+Inf"]) == (1, 1, 2, 4, 4)


def _batches(items: list[int], max_batch_size: int, wait_s: float, spaced_s: float = 0.0):
    """Each item's answer and the batches ``act`` saw, when ``items`` are submitted together
    (or ``spaced_s`` apart)."""
    seen: list[list[int]] = []
    threads: set[str] = set()

    def act(batch: list[int]) -> list[int]:
        seen.append(list(batch))
        threads.add(threading.current_thread().name)
        return [2 * x for x in batch]

    async def run() -> list[int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(act, max_batch_size, wait_s)
        futures = []
        for item in items:
            futures.append(batcher.submit(item))
            if spaced_s:
                await asyncio.sleep(spaced_s)
        answers = list(await asyncio.gather(*futures))
        batcher.close()
        return answers

    answers = asyncio.run(run())
    return answers, seen, threads


def test_every_item_gets_its_own_answer_in_batches_of_at_most_the_size():
    items = list(range(50))
    answers, seen, threads = _batches(items, 8, 0.0)
    assert answers == [2 * x for x in items]
    assert sorted(x for batch in seen for x in batch) == items and max(map(len, seen)) <= 8
    assert [len(b) for b in seen] == [8] * 6 + [2]  # all had arrived before the first pass: full batches
    assert all(name.startswith("rlcli-forward") for name in threads) and len(threads) == 1


def test_a_batch_waits_for_more_only_when_told_to():
    _, alone, _ = _batches(list(range(5)), 32, 0.0, spaced_s=0.02)
    assert [len(b) for b in alone] == [1] * 5  # idle worker, no wait: each goes alone
    _, waited, _ = _batches(list(range(5)), 32, 1.0, spaced_s=0.02)
    assert [len(b) for b in waited] == [5]  # held up to 1 s: all five in one pass
    _, full, _ = _batches(list(range(6)), 3, 30.0)
    assert [len(b) for b in full] == [3, 3]  # a full batch goes without waiting out the 30 s


def test_a_failing_forward_pass_reaches_every_request_of_its_batch():
    def act(batch: list[int]) -> list[int]:
        raise ValueError("boom")

    async def run() -> list[BaseException | int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(act, 4)
        results = await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)
        batcher.close()
        return list(results)

    assert [str(r) for r in asyncio.run(run())] == ["boom"] * 3


def test_actions_of_a_batch_keep_each_requests_shape():
    from rlcli.core.deploy.requests import actions_payload

    one = parse_action_request(b'{"observations": [0, 0, 0, 0]}', lambda _a: (4,))
    many = parse_action_request(b'{"observations": [[0, 0, 0, 0], [1, 1, 1, 1]]}', lambda _a: (4,))
    assert actions_payload(one, [np.array([1])]) == {"actions": 1}
    assert actions_payload(many, [np.array([0, 1])]) == {"actions": [0, 1]}


def test_a_request_alone_runs_on_the_loop_once_passes_are_known_to_be_fast():
    where: list[str] = []

    def act(batch: list[int]) -> list[int]:
        where.append(threading.current_thread().name)
        return [x + 1 for x in batch]

    async def run(inline: bool) -> list[int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(act, 4, inline=lambda _item: inline)
        answers = [await batcher.submit(i) for i in range(3)]  # one at a time: each alone
        batcher.close()
        return answers

    assert asyncio.run(run(inline=True)) == [1, 2, 3]
    main = threading.current_thread().name
    assert where[0].startswith("rlcli-forward") and where[1:] == [main, main]  # the first pass is timed in the thread
    where.clear()
    asyncio.run(run(inline=False))
    assert all(name.startswith("rlcli-forward") for name in where)
