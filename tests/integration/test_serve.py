"""``rlcli serve`` for real, on both backends: a tiny CartPole policy (with MeanStdFilter) served
by the installed ``rlcli`` on a free port of 127.0.0.1 (the embedded one-process server, and Ray
Serve with two replicas), with a bearer token, stopped by the test. On each backend the actions
equal rollout's greedy actions (its fast-path policy loaded here) on the same observations, one or
a batch at a time, so the two backends answer alike; bad requests (not JSON, wrong shape or
dtype, NaN/inf, a body over the limit, a missing or wrong token) get their 4xx and the server
keeps answering; a client that sends half a request and stops blocks no one; 2,000 requests from
16 clients have no errors, each with its own action. The embedded server: ``/metrics`` counts
what the test sent, no Ray process is started, and SIGTERM answers the requests in flight."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import pytest
from helpers import served, storage_env

pytestmark = pytest.mark.integration

TOKEN = "rlcli-test-token-7f3a"
RAY_PROCESSES = ("raylet", "gcs_server", "ServeController", "ProxyActor", "ServeReplica")
BACKENDS = {"embedded": (), "ray": ("--num-replicas", "2")}


class Server:
    def __init__(self, url: str, backend: str, exp: Path, proc: psutil.Process) -> None:
        self.url, self.backend, self.exp, self.proc = url, backend, exp, proc
        self.port = urllib.parse.urlsplit(url).port

    def call(
        self, method: str, path: str, body: bytes | None = None, token: str | None = TOKEN
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection: status, headers (lower-case names), body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def act(self, observations: object) -> tuple[int, dict]:
        status, _, body = self.call("POST", "/v1/actions", json.dumps({"observations": observations}).encode())
        return status, json.loads(body)


@pytest.fixture(scope="module", params=list(BACKENDS))
def server(request, filtered_cartpole, rlcli_exe, tmp_path_factory):
    """A running ``rlcli serve`` of the session's filtered CartPole PPO, with a token file."""
    if request.param == "ray":
        pytest.importorskip("ray.serve", reason="the dev extra installs ray[serve] (rlcli[serve])")
    token_file = tmp_path_factory.mktemp("token") / "token"
    token_file.write_text(TOKEN + "\n")
    env = storage_env(filtered_cartpole.parent)
    args = ("--max-batch-size", "16", "--token-file", str(token_file), *BACKENDS[request.param])
    with served(rlcli_exe, filtered_cartpole, *args, env=env) as running:
        yield Server(running.url, request.param, filtered_cartpole, psutil.Process(running.proc.pid))
    assert '"POST /v1/actions"' not in running.stderr  # no access log without -v


def _reference_actions(exp: Path, observations: np.ndarray) -> np.ndarray:
    """Rollout's greedy actions on ``observations`` (its fast-path policy, loaded here)."""
    from rlcli.core.rollout.policy import load_config_state, load_policy
    from rlcli.core.store.checkpoints import Selection, locate

    ckpt = locate(exp, Selection(which="best", metric="", mode="max")).path
    policy, _ = load_policy(ckpt, load_config_state(ckpt), explore=False)
    return policy(observations)


def _ray_processes(proc: psutil.Process) -> list[str]:
    found = []
    for child in proc.children(recursive=True):
        try:
            text = " ".join(child.cmdline()) or child.name()
        except psutil.Error:
            continue
        found += [name for name in RAY_PROCESSES if name in text]
    return found


def test_actions_equal_rollouts_one_or_a_batch_at_a_time_on_each_backend(server):
    observations = np.random.default_rng(0).normal(0.0, 1.0, size=(64, 4)).astype(np.float32)
    expected = _reference_actions(server.exp, observations)
    assert 0 < expected.sum() < 64  # both actions occur: a constant answer would not pass
    assert server.act(observations.tolist()) == (200, {"actions": expected.tolist()})
    for i in (0, 17, 63):
        assert server.act(observations[i].tolist()) == (200, {"actions": int(expected[i])})
    status, _, body = server.call("GET", "/v1/policy")
    policy = json.loads(body)
    assert status == 200
    assert (policy["algorithm"], policy["observation_shape"], policy["connectors"]) == ("PPO", [4], ["MeanStdFilter"])
    processes = _ray_processes(server.proc)
    if server.backend == "embedded":
        assert processes == []  # one process: no raylet, GCS or Serve actor
    else:
        assert processes.count("ServeReplica") == 2 and "raylet" in processes  # Ray Serve's two replicas


OVER_THE_LIMIT = b'{"observations": [' + b"0.0, " * (2 * 2**20) + b"0.0]}"  # 10 MB

BAD_REQUESTS = [
    (b"not json", 400, "not JSON"),
    (b"[1, 2, 3, 4]", 400, "JSON object"),
    (b"{}", 422, "missing field 'observations'"),
    (b'{"observations": [1, 2]}', 422, "shape [2]"),
    (b'{"observations": [[1, 2, 3, 4], [1, 2]]}', 422, "must be numbers"),
    (b'{"observations": [1, 2, NaN, 4]}', 422, "NaN"),
    (b'{"observations": [1, 2, Infinity, 4]}', 422, "NaN or infinity"),
    (b'{"observations": ["a", "b", "c", "d"]}', 422, "must be numbers"),
    (b'{"observations": [1, 2, 3, 4], "explore": "yes"}', 422, "'explore'"),
    (b'{"observations": [1, 2, 3, 4], "obs": 1}', 422, "unknown field"),
    (json.dumps({"observations": [[0.0] * 4] * 5000}).encode(), 413, "at most 4096"),
    (OVER_THE_LIMIT, 413, "over 8 MB"),
]


@pytest.mark.parametrize("body, status, needle", BAD_REQUESTS, ids=[f"{b[:24]!r}-{s}" for b, s, _ in BAD_REQUESTS])
def test_bad_requests_get_a_4xx_and_the_server_keeps_serving(server, body, status, needle):
    try:
        got, _, answer = server.call("POST", "/v1/actions", body)
    except (BrokenPipeError, ConnectionResetError):  # refused unread: the server may close before all is sent
        assert status == 413
    else:
        assert got == status and needle in json.loads(answer)["error"], answer
    status, _, health = server.call("GET", "/healthz", token=None)
    assert (status, json.loads(health)) == (200, {"status": "ok"})


def test_without_the_token_a_401_except_for_the_health_probe(server):
    good = json.dumps({"observations": [0.0, 0.0, 0.0, 0.0]}).encode()
    for token in (None, "wrong", TOKEN + "x", ""):
        status, headers, body = server.call("POST", "/v1/actions", good, token=token)
        assert status == 401 and headers["www-authenticate"] == "Bearer", (token, body)
        assert "bearer token" in json.loads(body)["error"]
        assert server.call("GET", "/v1/policy", token=token)[0] == 401
    assert server.call("GET", "/healthz", token=None)[0] == 200
    assert server.call("POST", "/v1/actions", good)[0] == 200


def test_a_client_that_sends_half_a_request_blocks_no_one(server):
    stalled = []
    for half in (b"POST /v1/actions HTTP/1.1\r\nHost: x\r\nContent-Le", b"POST /v1/actions HTTP/1.1\r\n"):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        sock.sendall(half)
        stalled.append(sock)
    body_half = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = f"POST /v1/actions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 200\r\n\r\n"
    body_half.sendall(head.encode() + b'{"observations": [0.0,')
    stalled.append(body_half)
    try:
        started = time.monotonic()
        assert server.act([0.1, 0.0, 0.0, 0.0])[0] == 200
        assert server.act([[0.1, 0.0, 0.0, 0.0]] * 3)[0] == 200
        assert time.monotonic() - started < 30  # answered while three connections stall
    finally:
        for sock in stalled:
            sock.close()


def test_load_2000_requests_from_16_clients_without_errors(server):
    """16 clients, each on its own keep-alive connection (as load generators and real clients
    are): every answer is its own observation's action, and on the embedded backend the passes
    are batched across the clients (its loop reads one request at a time: deciding by the
    requests in flight alone, every pass ran inline with one request)."""
    observations = np.random.default_rng(1).normal(0.0, 1.0, size=(2000, 4)).astype(np.float32)
    expected = _reference_actions(server.exp, observations)
    connections = threading.local()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}

    def one(i: int) -> tuple[int, object]:
        if not hasattr(connections, "conn"):
            connections.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        connections.conn.request("POST", "/v1/actions", json.dumps({"observations": observations[i].tolist()}), headers)
        response = connections.conn.getresponse()
        return response.status, json.loads(response.read()).get("actions")

    before = _metrics(server) if server.backend == "embedded" else {}
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(len(observations))))
    assert [status for status, _ in answers] == [200] * 2000
    assert [action for _, action in answers] == expected.tolist()  # batched across clients, still each one's
    if server.backend == "embedded":
        after = _metrics(server)
        batched = after[("rlcli_serve_batch_size_sum", ())] - before[("rlcli_serve_batch_size_sum", ())]
        passes = after[("rlcli_serve_batch_size_count", ())] - before[("rlcli_serve_batch_size_count", ())]
        assert batched == 2000 and passes < 2000


def _answer(sock: socket.socket) -> tuple[int, bytes]:
    """One HTTP answer read off a keep-alive socket: status and body (by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), body


def test_requests_of_several_open_connections_share_a_pass(server):
    """Eight keep-alive clients send at the same moment, ten times: each gets its own action, and
    on the embedded backend their requests reach the loop together and share forward passes:
    13 passes, measured. (Deciding "alone" by the requests in flight only, the loop ran most
    passes inline as it read each request: 62 passes.)"""
    observations = np.random.default_rng(2).normal(0.0, 1.0, size=(80, 4))
    sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(8)]
    head = f"POST /v1/actions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
    before = _metrics(server) if server.backend == "embedded" else {}
    try:
        answers = []
        for round_ in range(10):
            bodies = [
                json.dumps({"observations": o.tolist()}).encode() for o in observations[round_ * 8 : round_ * 8 + 8]
            ]
            for sock, body in zip(sockets, bodies, strict=True):
                sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            answers += [_answer(sock) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert [status for status, _ in answers] == [200] * 80
    expected = _reference_actions(server.exp, observations.astype(np.float32)).tolist()
    assert [json.loads(body)["actions"] for _, body in answers] == expected
    if server.backend == "ray":  # Ray Serve batches in its replicas; its metrics go through Ray's agent
        return
    after = _metrics(server)
    passes = after[("rlcli_serve_batch_size_count", ())] - before[("rlcli_serve_batch_size_count", ())]
    assert after[("rlcli_serve_batch_size_sum", ())] - before[("rlcli_serve_batch_size_sum", ())] == 80
    assert passes <= 40, f"{passes:.0f} forward passes for 10 rounds of 8 simultaneous requests"


def _metrics(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    parser = pytest.importorskip("prometheus_client.parser", reason="ray[serve] (the dev extra) installs it")
    status, headers, body = server.call("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in parser.text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_metrics_count_what_was_sent(server):
    if server.backend == "ray":
        assert server.call("GET", "/metrics")[0] == 404  # Ray Serve's metrics go through Ray's agent
        return
    before = _metrics(server)
    for i in range(5):
        assert server.act([0.1 * i, 0.0, 0.0, 0.0])[0] == 200
    for _ in range(3):
        assert server.act([1.0, 2.0])[0] == 422
    assert server.call("POST", "/v1/actions", b"{}", token=None)[0] == 401
    after = _metrics(server)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    route = "/v1/actions"
    assert grew("rlcli_serve_requests_total", route=route, code="200") == 5
    assert grew("rlcli_serve_requests_total", route=route, code="422") == 3
    assert grew("rlcli_serve_requests_total", route=route, code="401") == 1
    assert grew("rlcli_serve_request_errors_total", route=route, code="422") == 3
    assert grew("rlcli_serve_request_errors_total", route=route, code="200") == 0
    assert grew("rlcli_serve_request_duration_seconds_count", route=route) == 9
    assert grew("rlcli_serve_batch_size_sum") == 5  # each good request was in exactly one pass
    assert 1 <= grew("rlcli_serve_batch_size_count") <= 5
    assert after[("rlcli_serve_requests_in_flight", ())] == 1  # the /metrics request itself


def test_sigterm_answers_the_requests_in_flight(filtered_cartpole, rlcli_exe):
    """Six requests held in one batch (a 3 s wait) when SIGTERM comes: each gets its action, then
    the server stops (exit 0). With --host 0.0.0.0 and no token it warns; -v logs each request."""
    env = storage_env(filtered_cartpole.parent)
    observations = np.random.default_rng(2).normal(0.0, 1.0, size=(6, 4)).astype(np.float32)
    expected = _reference_actions(filtered_cartpole, observations)
    args = ("--host", "0.0.0.0", "--batch-wait-ms", "3000", "-v")
    with served(rlcli_exe, filtered_cartpole, *args, env=env, stop=signal.SIGTERM) as running:
        assert "warning:" in running.stderr and "--host 0.0.0.0" in running.stderr and "no token" in running.stderr
        server = Server(running.url, "embedded", filtered_cartpole, psutil.Process(running.proc.pid))
        answers: dict[int, tuple[int, dict]] = {}

        def ask(i: int) -> None:
            answers[i] = server.act(observations[i].tolist())

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while _in_flight(server) < 7 and time.monotonic() < deadline:  # the six, and this /metrics
            time.sleep(0.05)
        assert _in_flight(server) == 7
        running.proc.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(timeout=60)
        assert running.proc.wait(timeout=60) == 0
    assert answers == {i: (200, {"actions": int(expected[i])}) for i in range(6)}
    assert running.stderr.count('"POST /v1/actions" 200') == 6  # the access log, with -v
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


def _in_flight(server: Server) -> float:
    _, _, body = server.call("GET", "/metrics", token=None)
    (line,) = [x for x in body.decode().splitlines() if x.startswith("rlcli_serve_requests_in_flight ")]
    return float(line.split()[1])
