"""``rlcli serve``: a trained policy behind an HTTP JSON API, on Ray Serve."""

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
    help="Address to bind; anything but 127.0.0.1 exposes an API with no authentication.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--num-replicas", type=click.IntRange(min=1), default=1, show_default=True, help="Ray Serve replicas.")
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
    default=2.0,
    show_default=True,
    help="How long a batch waits for more requests.",
)
@checkpoint_selection
def serve(
    path: str,
    host: str,
    port: int,
    num_replicas: int,
    max_batch_size: int,
    batch_wait_ms: float,
    which: str,
    metric: str,
    mode: str,
) -> int:
    """Serve the policy of a checkpoint, trial or experiment dir (same lookup as rollout).

    \b
    POST /v1/actions  {"observations": OBS or [OBS, ...], "explore": false} -> {"actions": ...}
                      multi-agent: {"observations": {"AGENT": OBS, ...}} -> {"actions": {"AGENT": ...}}
    GET  /v1/policy   algorithm, env, spaces, checkpoint (multi-agent: modules, agents)
    GET  /healthz

    The actions are rollout's (the same RLModules and saved connector state; each agent acts
    with the module the checkpoint's policy mapping gives it). Ctrl-C stops it.

    \b
    Examples:
      rlcli serve ~/ray_results/my-exp                 # pip install 'rlcli[serve]'
      curl -s localhost:8000/v1/actions -d '{"observations": [0.0, 0.1, 0.0, -0.1]}'
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
        which=which,
        metric=metric,
        mode=mode,
    )
    console = Console()

    def ready(url: str) -> None:
        console.info(f"Serving at {url} (POST /v1/actions, GET /v1/policy, GET /healthz); Ctrl-C stops")

    with stdout_to_stderr():
        api.serve(request, notice=console.notice, ready=ready)
    console.info("Stopped.")
    return 0
