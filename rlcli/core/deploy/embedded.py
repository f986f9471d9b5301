"""``rlcli serve``'s default backend: one process, no Ray cluster. A plain ASGI app (no web
framework) on uvicorn, the policy loaded in this process, every client's requests micro-batched
(:class:`rlcli.core.deploy.batcher.MicroBatcher`) into forward passes run in one worker thread
with torch at one thread.

Routes: ``POST /v1/actions``, ``GET /v1/policy``, ``GET /healthz`` (the Ray Serve backend's,
same checks and answers), and ``GET /metrics`` (Prometheus text). With a token, every route but
``/healthz`` answers 401 without ``Authorization: Bearer TOKEN``. A body over the limit is a
413 (refused unread when its ``Content-Length`` says so), one that stops arriving a 408 after
:data:`rlcli.core.deploy.http_api.BODY_TIMEOUT_S`. SIGTERM or Ctrl-C stops accepting, answers
the requests in flight, then returns."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from rlcli.core.deploy import http_api
from rlcli.core.deploy.jsoncodec import dumps
from rlcli.core.deploy.metrics import ServeMetrics
from rlcli.core.deploy.requests import MAX_BODY_BYTES, RequestError, actions_payload, parse_action_request
from rlcli.core.errors import UsageError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON = b"application/json"
PROMETHEUS = b"text/plain; version=0.0.4; charset=utf-8"
#: A request with at most this many observations, alone in flight, may run its pass on the loop.
INLINE_OBSERVATIONS = 8
#: How long a stop waits for the requests in flight (a stalled body ends at BODY_TIMEOUT_S).
GRACEFUL_S = int(http_api.BODY_TIMEOUT_S) + 5


class _Disconnected(Exception):
    """The client went away before its body arrived: nothing to answer."""


class PolicyApp:
    """The ASGI app: ``served`` (a :class:`rlcli.core.deploy.served_policy.ServedPolicy`) answers,
    ``batcher`` runs its batched forward passes; ``access`` (``-v``) gets a line per request."""

    def __init__(
        self,
        served: Any,
        batcher: Any,
        metrics: ServeMetrics,
        token: str | None = None,
        access: Callable[[str], None] | None = None,
        body_timeout_s: float = http_api.BODY_TIMEOUT_S,
    ) -> None:
        self.served = served
        self.batcher = batcher
        self.metrics = metrics
        self._expected = http_api.expected_header(token)
        self._access = access
        self._body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; websockets are not served
            return
        start = time.perf_counter()
        path = scope["path"]
        self.metrics.in_flight += 1
        try:
            status, body, content_type, extra = await self._answer(scope, path, receive)
        except _Disconnected:
            self.metrics.in_flight -= 1
            return
        except Exception as exc:  # a bug: the client hears of it, the server keeps serving
            status, body, content_type, extra = 500, http_api.error_body(f"internal error: {exc!r}"), JSON, []
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *extra]
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            self.metrics.in_flight -= 1
            seconds = time.perf_counter() - start
            self.metrics.answered(path, status, seconds)
            if self._access is not None:
                client = scope.get("client") or ("-", 0)
                self._access(f'{client[0]}:{client[1]} "{scope["method"]} {path}" {status} {seconds * 1000:.1f} ms')

    async def _answer(self, scope: Scope, path: str, receive: Receive) -> tuple[int, bytes, bytes, list[Any]]:
        method = scope["method"]
        if path not in _ROUTES:
            return 404, http_api.error_body(f"no route {path}; the routes are {', '.join(_ROUTES)}"), JSON, []
        if method != _ROUTES[path]:
            allow = [(b"allow", _ROUTES[path].encode())]
            return 405, http_api.error_body(f"{path} takes {_ROUTES[path]}, not {method}"), JSON, allow
        guarded = self._expected is not None and path not in http_api.OPEN_ROUTES
        if guarded and not http_api.authorized(_header(scope, b"authorization"), self._expected):
            return 401, http_api.error_body(http_api.UNAUTHORIZED), JSON, [(b"www-authenticate", b"Bearer")]
        if path == "/v1/actions":
            try:
                body = await self._body(scope, receive)
                parsed = parse_action_request(body, self.served.shape_of, self.served.multi_agent)
            except RequestError as exc:
                status, body = http_api.request_error(exc)
                return status, body, JSON, []
            actions = await self.batcher.submit(parsed)
            return 200, dumps(actions_payload(parsed, actions)), JSON, []
        if path == "/healthz":
            return 200, http_api.HEALTHY, JSON, []
        if path == "/v1/policy":
            return 200, http_api.policy_body(self.served.description), JSON, []
        return 200, self.metrics.render().encode(), PROMETHEUS, []

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        if http_api.declared_too_large(_header(scope, b"content-length")):
            raise RequestError(413, http_api.TOO_LARGE)
        chunks, size = [], 0
        try:
            async with _timeout(self._body_timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise _Disconnected
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise RequestError(413, http_api.TOO_LARGE)
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            raise RequestError(408, f"the request body stopped arriving for {self._body_timeout_s:g} s") from None
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_ROUTES = {"/v1/actions": "POST", "/v1/policy": "GET", "/healthz": "GET", "/metrics": "GET"}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


if sys.version_info >= (3, 11):
    _timeout = asyncio.timeout
else:  # pragma: no cover - Python 3.10

    @contextlib.asynccontextmanager
    async def _timeout(seconds: float) -> Any:
        task = asyncio.current_task()
        assert task is not None
        handle = asyncio.get_running_loop().call_later(seconds, task.cancel)
        try:
            yield
        except asyncio.CancelledError:
            raise TimeoutError from None
        finally:
            handle.cancel()


def torch_one_thread() -> None:
    """torch at one thread for the forward pass (the event loop has the other core)."""
    import torch

    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # only before any inter-op work
        torch.set_num_interop_threads(1)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (bound before the policy loads: a port in use is told at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and without
    # it each answer's body (written after its headers) waited 40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted connections inherit it
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}.", "Choose another --port (or --host)."
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_embedded(
    checkpoint: Path,
    sock: socket.socket,
    *,
    url: str,
    max_batch_size: int,
    batch_wait_ms: float,
    token: str | None,
    access: Callable[[str], None] | None,
    ready: Callable[[str], None],
) -> None:
    """Serve ``checkpoint``'s policy on ``sock`` until SIGTERM or Ctrl-C; ``ready(url)`` once it
    accepts requests."""
    import logging

    import uvicorn

    from rlcli.core.deploy.batcher import MicroBatcher
    from rlcli.core.deploy.served_policy import ServedPolicy

    torch_one_thread()
    served = ServedPolicy(checkpoint)
    metrics = ServeMetrics()

    def alone(request: Any) -> bool:
        """One client connected, no other request in flight, and a few observations (a pass that
        may run on the loop). The open connections decide, not only the requests in flight: the
        loop reads one request at a time, so while it runs a pass inline the other clients'
        requests wait unread in their sockets and never count as in flight (measured: under 32
        clients every pass ran inline, one request each, 53% of the loop's time)."""
        return (
            len(server.server_state.connections) <= 1
            and metrics.in_flight == 1
            and sum(len(g.observations) for g in request.groups) <= INLINE_OBSERVATIONS
        )

    batcher = MicroBatcher(
        served.act,
        max_batch_size,
        batch_wait_ms / 1000.0,
        observe=metrics.forward,
        thread_setup=torch_one_thread,
        inline=alone,
    )
    app = PolicyApp(served, batcher, metrics, token=token, access=access)
    # uvicorn's own lines (startup, shutdown) stay quiet; its errors still show.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING if access else logging.ERROR)
    config = uvicorn.Config(
        app,
        lifespan="off",
        # asyncio's loop, what `pip install rlcli` has: uvloop measured no faster here (32 clients:
        # 3,626 req/s on uvloop, 4,018 on asyncio, one run each, on the shared 2-core machine).
        loop="asyncio",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_S,
        server_header=False,
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:
            ready(url)
        await serving

    with _signals_kept():
        _run(main, config.get_loop_factory() or asyncio.new_event_loop)
    batcher.close()
    sock.close()


def _run(main: Callable[[], Awaitable[None]], loop_factory: Any) -> None:
    loop = loop_factory()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


@contextlib.contextmanager
def _signals_kept() -> Iterator[None]:
    """SIGINT and SIGTERM only recorded while uvicorn runs: it stops gracefully on them and then
    raises the signal again, which must not kill the process (or raise KeyboardInterrupt) before
    rlcli says it stopped."""
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
