"""``rlcli rollout``: evaluate a trained policy from a checkpoint, trial or experiment dir."""

from __future__ import annotations

from typing import Any

import click

from rlcli.console import Console, stdout_to_stderr
from rlcli.core.config.overrides import load_mapping
from rlcli.options import checkpoint_selection


@click.command()
@click.argument("path", type=click.Path(), metavar="PATH")
@click.option(
    "--run", "--algo", "run", metavar="ALGO", help="Expected algorithm (read from the checkpoint by default)."
)
@click.option("--env", metavar="ENV", help="Env to roll out on (default: the one it was trained on).")
@click.option("--env-config", metavar="MAPPING", help="Env constructor arguments (default: the training env_config).")
@click.option("--episodes", type=click.IntRange(min=1), metavar="N", help="Episodes to run (default 10).")
@click.option("--steps", type=click.IntRange(min=1), metavar="N", help="Env steps to run instead of episodes.")
@click.option("--explore/--no-explore", default=False, help="Sample actions (--explore) or act greedily (default).")
@click.option(
    "--num-envs",
    "--num-envs-per-env-runner",
    "num_envs",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Vectorized envs stepped together (RLlib's num_envs_per_env_runner).",
)
@click.option(
    "--seed", type=int, metavar="S", help="Seed of the envs (env i gets S+i) and of sampled actions; same S, same run."
)
@checkpoint_selection
@click.option("--render", is_flag=True, help="Show episodes on screen (needs a display).")
@click.option("--video-dir", type=click.Path(file_okay=False), metavar="DIR", help="Write one MP4 per episode here.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write every step as Parquet for RLlib's offline API.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "fast", "rllib"]),
    default="auto",
    show_default=True,
    help="fast: RLModule + connectors; rllib: RLlib's own EnvRunner; auto: fast where exact.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No notices; only the summary.")
def rollout(path: str, **options: Any) -> int:
    """Evaluate a trained policy from a checkpoint, trial or experiment directory.

    \b
    Examples:
      rlcli rollout ~/ray_results/my-exp                      # best trial's best checkpoint
      rlcli rollout ~/ray_results/my-exp/PPO_.../checkpoint_000009 --episodes 20
      rlcli rollout TRIAL_DIR --which last --explore --json
      rlcli rollout CKPT --out episodes.parquet --video-dir videos/
    """
    from rlcli import api

    as_json, quiet = options.pop("as_json"), options.pop("quiet")
    selection = {key: options.pop(key) for key in ("which", "metric", "mode")}
    if options["env_config"]:
        options["env_config"] = load_mapping(options["env_config"], "--env-config")
    console = Console(quiet=quiet or as_json)
    with stdout_to_stderr():  # the env's and RLlib's prints must not mix with the data on stdout
        result = api.rollout(path, notice=console.notice, **selection, **options)
    if as_json:
        console.json(result.as_dict())
    else:
        console.rollout_summary(result)
    return 0
