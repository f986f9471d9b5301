"""``rlcli serve``: a checkpoint's policy behind HTTP, on Ray Serve (replicas, request batching).

Each replica loads what rollout's fast path loads (the RLModules and the connectors' saved
state, :class:`rlcli.core.deploy.served_policy.ServedPolicy`), so the actions are rollout's;
multi-agent checkpoints map each agent through their own policy mapping. Requests are checked
by :mod:`rlcli.core.deploy.requests` first; those that pass are batched across clients by
``serve.batch`` (up to ``max_batch_size`` requests, waiting at most ``batch_wait_ms`` for more)
and run as one forward pass per policy.

Routes: ``POST /v1/actions``, ``GET /v1/policy``, ``GET /healthz``. No authentication: it binds
127.0.0.1 unless told otherwise.

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
from rlcli.core.deploy.served_policy import ServedPolicy
from rlcli.core.errors import UsageError
from rlcli.core.store.checkpoints import locate


def serve_policy(
    request: ServeRequest,
    notice: Callable[[str], None] = lambda _: None,
    ready: Callable[[str], None] = lambda _: None,
) -> None:
    """Serve the policy of the checkpoint the request names until Ctrl-C (or SIGTERM); ``ready``
    gets the URL once it answers."""
    import ray

    from rlcli.core.quiet import quiet_ray
    from rlcli.core.spec import RayOptions

    ref = locate(request.path, request.selection)
    notice(f"checkpoint {ref.path}: {ref.reason}")
    quiet_ray(RayOptions())
    ServedPolicy(ref.path)  # loads and checks the policy here, before Ray starts
    try:
        from ray import serve
    except ImportError:
        raise UsageError("rlcli serve needs Ray Serve.", "pip install 'rlcli[serve]'") from None
    ray.init(address="local", include_dashboard=False, log_to_driver=False, configure_logging=False)  # a fresh one
    logging.getLogger("ray.serve").setLevel(logging.WARNING)
    try:
        # Serve writes an access-log line per request by default: work per request that serves no one here.
        quiet = {"log_level": "WARNING", "enable_access_log": False}
        serve.start(http_options={"host": request.host, "port": request.port}, logging_config=quiet)
        serve.run(_application(ref.path, request), name="rlcli", route_prefix="/", blocking=False)
        ready(f"http://{request.host}:{request.port}")
        _wait_for_stop()
    finally:
        ray.shutdown()  # takes Serve's actors with it (serve.shutdown first only adds raylet noise)


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


def _application(checkpoint: Path, request: ServeRequest) -> Any:
    """The Serve application: one FastAPI ingress deployment holding the policy."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from ray import serve

    from rlcli.core.deploy.requests import RequestError, actions_payload, parse_action_request

    app = FastAPI(title="rlcli serve", docs_url=None, redoc_url=None, openapi_url=None)

    @serve.deployment(
        num_replicas=request.num_replicas,
        max_ongoing_requests=max(64, 2 * request.max_batch_size),
        logging_config={"log_level": "WARNING", "enable_access_log": False},
    )
    @serve.ingress(app)
    class PolicyServer:
        def __init__(self) -> None:
            import torch

            torch.set_num_threads(1)
            self.served = ServedPolicy(checkpoint)

        @serve.batch(max_batch_size=request.max_batch_size, batch_wait_timeout_s=request.batch_wait_ms / 1000.0)
        async def act(self, requests: list[Any]) -> list[list[np.ndarray]]:
            """Many clients' requests as one forward pass per policy (and mode)."""
            return self.served.act(requests)

        @app.post("/v1/actions")
        async def actions(self, request: Request) -> Any:
            try:
                parsed = parse_action_request(await request.body(), self.served.shape_of, self.served.multi_agent)
            except RequestError as exc:
                return JSONResponse({"error": exc.message}, status_code=exc.status)
            return actions_payload(parsed, await self.act(parsed))

        @app.get("/v1/policy")
        async def policy(self) -> Any:
            return self.served.description  # with the agents this replica has mapped so far

        @app.get("/healthz")
        async def healthz(self) -> Any:
            return {"status": "ok"}

    return PolicyServer.bind()  # type: ignore[attr-defined]  # serve.deployment made it a Deployment
