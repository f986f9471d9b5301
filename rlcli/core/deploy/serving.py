"""``rlcli serve``: a checkpoint's policy behind HTTP, on the backend the request resolves to:
the embedded one-process server (:mod:`rlcli.core.deploy.embedded`, the default) or Ray Serve
(:mod:`rlcli.core.deploy.ray_serve_app`: ``--num-replicas`` > 1, ``--ray-address``, or
``--backend ray``). What can be told before either starts is told first: the checkpoint, the
token, the port (embedded), the policy loading (it is loaded once here before Ray starts, so an
unservable checkpoint is refused without a cluster)."""

from __future__ import annotations

from collections.abc import Callable

from rlcli.core.deploy import http_api
from rlcli.core.deploy.serve_request import TOKEN_ENV, ServeRequest
from rlcli.core.store.checkpoints import locate


def serve_policy(
    request: ServeRequest,
    notice: Callable[[str], None] = lambda _: None,
    ready: Callable[[str], None] = lambda _: None,
    warn: Callable[[str], None] = lambda _: None,
    access: Callable[[str], None] | None = None,
) -> None:
    """Serve the policy of the checkpoint the request names until Ctrl-C (or SIGTERM); ``ready``
    gets the URL once it answers, ``warn`` what the user must know (an exposed address without a
    token), ``access`` a line per request when ``request.access_log``."""
    from rlcli.core.quiet import quiet_ray
    from rlcli.core.spec import RayOptions

    quiet_ray(RayOptions(address=request.ray_address))  # environment and loggers; starts nothing
    ref = locate(request.path, request.selection)
    notice(f"checkpoint {ref.path}: {ref.reason}")
    token = http_api.load_token(request)
    if token is None and not request.loopback:
        warn(
            f"--host {request.host}: anyone who can reach this address can query the policy (no token set); "
            f"set --token-file FILE or {TOKEN_ENV} to require 'Authorization: Bearer TOKEN'."
        )
    backend = request.resolved_backend
    notice(f"backend: {backend}" + (" (Ray Serve)" if backend == "ray" else " (one process, no Ray cluster)"))
    host = f"[{request.host}]" if ":" in request.host else request.host
    url = f"http://{host}:{request.port}"
    if backend == "ray":
        from rlcli.core.deploy.ray_serve_app import serve_on_ray
        from rlcli.core.deploy.served_policy import ServedPolicy

        ServedPolicy(ref.path)  # loads and checks the policy here, before Ray starts
        serve_on_ray(ref.path, request, token, url=url, ready=ready)
        return
    from rlcli.core.deploy.embedded import bind, serve_embedded

    sock = bind(request.host, request.port)
    try:
        serve_embedded(
            ref.path,
            sock,
            url=url,
            max_batch_size=request.max_batch_size,
            batch_wait_ms=request.batch_wait_ms,
            token=token,
            access=access if request.access_log else None,
            ready=ready,
        )
    finally:
        sock.close()
