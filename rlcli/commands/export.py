"""``rlcli export``: a checkpoint's greedy policy as one ONNX or TorchScript file."""

from __future__ import annotations

import click

from rlcli.console import Console, stdout_to_stderr
from rlcli.options import checkpoint_selection

#: The file name suffix each format is usually given.
SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt"}


@click.command()
@click.argument("path", type=click.Path(), metavar="PATH")
@click.option("--format", "fmt", type=click.Choice(sorted(SUFFIXES)), required=True, help="The file's format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, metavar="FILE", help="File to write.")
@click.option(
    "--samples",
    type=click.IntRange(min=1, max=1_000_000),
    default=500,
    show_default=True,
    metavar="N",
    help="Sampled observations on which the file's actions must equal the checkpoint's.",
)
@click.option("--seed", type=int, default=0, show_default=True, metavar="S", help="Seed of the sampled observations.")
@checkpoint_selection
@click.option("--json", "as_json", is_flag=True, help="Print what was written as one JSON object on stdout.")
def export(
    path: str, fmt: str, output: str, samples: int, seed: int, which: str, metric: str, mode: str, as_json: bool
) -> int:
    """Export the greedy policy of a checkpoint, trial or experiment dir (same lookup as rollout).

    The file maps a batch of observations (float32 [batch, *obs_shape], input 'obs') to greedy
    actions, with the training connectors' observation filter, argmax and action unsquashing
    inside. Before it is kept, it is run back (onnxruntime, torch.jit.load) on N sampled
    observations and must give rollout's actions; otherwise nothing is written.

    \b
    Examples:
      rlcli export ~/ray_results/my-exp --format onnx -o policy.onnx     # pip install 'rlcli[onnx]'
      rlcli export CKPT --format torchscript -o policy.pt
    """
    from rlcli import api

    console = Console(quiet=as_json)
    with stdout_to_stderr():
        result = api.export(
            path, fmt, output, samples=samples, seed=seed, which=which, metric=metric, mode=mode, notice=console.notice
        )
    if as_json:
        console.json(result.as_dict())
        return 0
    check = (
        f"all {result.samples} actions equal"
        if result.action.startswith("int")
        else f"{result.samples} actions within {result.max_abs_diff:.2g}"
    )
    console.data(
        f"wrote {result.path} ({result.format}): obs {result.observation} -> action {result.action}; "
        f"checked against the checkpoint on {result.samples} sampled observations: {check}"
    )
    return 0
