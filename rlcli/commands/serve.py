"""``rlcli serve``: a trained policy behind an HTTP JSON API: one process by default, Ray Serve
for replicas or a cluster."""

from __future__ import annotations

import click

from rlcli.console import Console, stdout_to_stderr
from rlcli.options import checkpoint_selection


@click.command()
@click.argument("path", type=click.Path(), metavar="PATH")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; anything but 127.0.0.1 warns unless a token is set.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--backend",
    type=click.Choice(["auto", "embedded", "ray"]),
    default="auto",
    show_default=True,
    help="embedded: one process, no Ray cluster; ray: Ray Serve. auto: ray with --num-replicas > 1 "
    "or --ray-address, else embedded.",
)
@click.option("--num-replicas", type=click.IntRange(min=1), default=1, show_default=True, help="Ray Serve replicas.")
@click.option("--ray-address", metavar="ADDR", default=None, help="Deploy on this running Ray cluster (Ray Serve).")
@click.option(
    "--max-batch-size",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Requests batched into one forward pass (1: no batching).",
)
@click.option(
    "--batch-wait-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="How long a batch that is not full waits for more requests (0: it goes when the forward "
    "pass is free, with all that arrived meanwhile).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Require 'Authorization: Bearer TOKEN' (the file's content; else $RLCLI_SERVE_TOKEN); /healthz stays open.",
)
@click.option("-v", "--verbose", is_flag=True, help="A log line per request (access log).")
@checkpoint_selection
def serve(
    path: str,
    host: str,
    port: int,
    backend: str,
    num_replicas: int,
    ray_address: str | None,
    max_batch_size: int,
    batch_wait_ms: float,
    token_file: str | None,
    verbose: bool,
    which: str,
    metric: str,
    mode: str,
) -> int:
    """Serve the policy of a checkpoint, trial or experiment dir (same lookup as rollout).

    \b
    POST /v1/actions  {"observations": OBS or [OBS, ...], "explore": false} -> {"actions": ...}
                      multi-agent: {"observations": {"AGENT": OBS, ...}} -> {"actions": {"AGENT": ...}}
    GET  /v1/policy   algorithm, env, spaces, checkpoint (multi-agent: modules, agents)
    GET  /healthz     {"status": "ok"} (no token needed)
    GET  /metrics     Prometheus text (embedded backend)

    The actions are rollout's (the same RLModules and saved connector state; each agent acts
    with the module the checkpoint's policy mapping gives it). By default one process serves,
    batching all clients' requests; --num-replicas N or --ray-address use Ray Serve
    (pip install 'rlcli[serve]'). Ctrl-C or SIGTERM answers the requests in flight, then stops.

    \b
    Examples:
      rlcli serve ~/ray_results/my-exp
      curl -s localhost:8000/v1/actions -d '{"observations": [0.0, 0.1, 0.0, -0.1]}'
      rlcli serve ~/ray_results/my-exp --host 0.0.0.0 --token-file ~/.rlcli-token
      rlcli serve ~/ray_results/my-exp --num-replicas 2            # Ray Serve
    """
    from rlcli import api
    from rlcli.core.deploy.serve_request import ServeRequest

    request = ServeRequest.build(
        path,
        host=host,
        port=port,
        num_replicas=num_replicas,
        max_batch_size=max_batch_size,
        batch_wait_ms=batch_wait_ms,
        backend=backend,
        ray_address=ray_address,
        token_file=token_file,
        access_log=verbose,
        which=which,
        metric=metric,
        mode=mode,
    )
    console = Console()

    def ready(url: str) -> None:
        console.info(f"Serving at {url} (POST /v1/actions, GET /v1/policy, GET /healthz); Ctrl-C stops")

    with stdout_to_stderr():
        api.serve(request, notice=console.notice, ready=ready, warn=console.warn, access=console.info)
    console.info("Stopped.")
    return 0
