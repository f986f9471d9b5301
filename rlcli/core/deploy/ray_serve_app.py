"""``rlcli serve --backend ray`` (and ``--num-replicas N``, ``--ray-address``): the policy on Ray
Serve, for replicas spread over a cluster.

Each replica loads what rollout's fast path loads (the RLModules and the connectors' saved state,
:class:`rlcli.core.deploy.served_policy.ServedPolicy`), so the actions are rollout's and the
embedded backend's. Requests are checked by :mod:`rlcli.core.deploy.requests` and
:mod:`rlcli.core.deploy.http_api` (token, body limit) as the embedded backend checks them; those
that pass are batched across clients by ``serve.batch`` (up to ``max_batch_size`` requests,
waiting at most ``batch_wait_ms`` for more) and run as one forward pass per policy.

Routes: ``POST /v1/actions``, ``GET /v1/policy``, ``GET /healthz`` (no ``/metrics``: Ray Serve's
own metrics go through Ray's metrics agent).

(No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at
runtime, and ``Request`` is imported where the app is built, only when serving.)"""

import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rlcli.core.deploy.serve_request import ServeRequest
from rlcli.core.errors import UsageError


def serve_on_ray(
    checkpoint: Path, request: ServeRequest, token: str | None, url: str, ready: Callable[[str], None]
) -> None:
    """Deploy ``checkpoint``'s policy on Ray Serve (a fresh local Ray, or ``request.ray_address``)
    and serve until Ctrl-C (or SIGTERM); ``ready`` gets the URL once it answers."""
    import ray

    try:
        from ray import serve
    except ImportError:
        raise UsageError("rlcli serve --backend ray needs Ray Serve.", "pip install 'rlcli[serve]'") from None
    address = request.ray_address or "local"  # local: a fresh one
    ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    logging.getLogger("ray.serve").setLevel(logging.WARNING)
    try:
        # Serve writes an access-log line per request by default: work per request that serves no one here.
        quiet = {"log_level": "WARNING", "enable_access_log": request.access_log}
        serve.start(http_options={"host": request.host, "port": request.port}, logging_config=quiet)
        serve.run(_application(checkpoint, request, token), name="rlcli", route_prefix="/", blocking=False)
        ready(url)
        _wait_for_stop()
        if request.ray_address:
            serve.delete("rlcli")  # a cluster outlives us: take the app away, leave the cluster
    finally:
        ray.shutdown()  # a local Ray takes Serve's actors with it (serve.shutdown first only adds raylet noise)


def _wait_for_stop() -> None:
    stop: dict[str, int | None] = {"signal": None}

    def handler(signum: int, _frame: Any) -> None:
        stop["signal"] = signum

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while stop["signal"] is None:
            time.sleep(0.2)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _application(checkpoint: Path, request: ServeRequest, token: str | None) -> Any:
    """The Serve application: one FastAPI ingress deployment holding the policy."""
    from fastapi import FastAPI, Request
    from ray import serve

    from rlcli.core.deploy import http_api
    from rlcli.core.deploy.jsoncodec import dumps
    from rlcli.core.deploy.requests import RequestError, actions_payload, parse_action_request

    app = FastAPI(title="rlcli serve", docs_url=None, redoc_url=None, openapi_url=None)
    expected = http_api.expected_header(token)

    def refused(http: Request) -> Any:
        return _refused(http.headers.get("authorization"), expected)

    @serve.deployment(
        num_replicas=request.num_replicas,
        max_ongoing_requests=max(64, 2 * request.max_batch_size),
        logging_config={"log_level": "WARNING", "enable_access_log": request.access_log},
    )
    @serve.ingress(app)
    class PolicyServer:
        def __init__(self) -> None:
            from rlcli.core.deploy.embedded import torch_one_thread
            from rlcli.core.deploy.served_policy import ServedPolicy

            torch_one_thread()
            self.served = ServedPolicy(checkpoint)

        @serve.batch(max_batch_size=request.max_batch_size, batch_wait_timeout_s=request.batch_wait_ms / 1000.0)
        async def act(self, requests: list[Any]) -> list[list[np.ndarray]]:
            """Many clients' requests as one forward pass per policy (and mode)."""
            return self.served.act(requests)

        @app.post("/v1/actions")
        async def actions(self, http: Request) -> Any:
            denied = refused(http)
            if denied is not None:
                return denied
            try:
                if http_api.declared_too_large(http.headers.get("content-length")):
                    raise RequestError(413, http_api.TOO_LARGE)
                parsed = parse_action_request(await http.body(), self.served.shape_of, self.served.multi_agent)
            except RequestError as exc:
                return _answer(*http_api.request_error(exc))
            return _answer(200, dumps(actions_payload(parsed, await self.act(parsed))))

        @app.get("/v1/policy")
        async def policy(self, http: Request) -> Any:
            denied = refused(http)  # with the agents this replica has mapped so far
            return denied if denied is not None else _answer(200, http_api.policy_body(self.served.description))

        @app.get("/healthz")
        async def healthz(self) -> Any:
            return _answer(200, http_api.HEALTHY)

    return PolicyServer.bind()  # type: ignore[attr-defined]  # serve.deployment made it a Deployment


def _answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> Any:
    from fastapi.responses import Response

    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _refused(header: str | None, expected: bytes | None) -> Any:
    """The 401 answer for a request whose ``Authorization`` header is wrong (``None``: it passes)."""
    from rlcli.core.deploy import http_api

    if http_api.authorized(header.encode("latin-1") if header is not None else None, expected):
        return None
    return _answer(401, http_api.error_body(http_api.UNAUTHORIZED), {"WWW-Authenticate": "Bearer"})
