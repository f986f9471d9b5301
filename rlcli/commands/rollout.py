"""``rlcli rollout``: evaluate a trained policy from a checkpoint, trial or experiment dir."""

from __future__ import annotations

from pathlib import Path

import click

from rlcli.console import Console, stdout_to_stderr
from rlcli.core.config.overrides import load_mapping
from rlcli.core.errors import UsageError
from rlcli.options import checkpoint_selection


def _check_algorithm(run: str | None, state: dict) -> None:
    from rlcli.core.rllib.resolve import canonical_name

    trained = getattr(state.get("class"), "__name__", "").replace("Config", "")
    if run and trained and canonical_name(run).upper() != trained.upper():
        raise UsageError(
            f"The checkpoint was trained with {trained}, not {run}.", f"Drop --run or pass --run {trained}."
        )


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
def rollout(
    path: str,
    run: str | None,
    env: str | None,
    env_config: str | None,
    episodes: int | None,
    steps: int | None,
    explore: bool,
    num_envs: int,
    seed: int | None,
    which: str,
    metric: str,
    mode: str,
    render: bool,
    video_dir: str | None,
    out: str | None,
    engine: str,
    as_json: bool,
    quiet: bool,
) -> int:
    """Evaluate a trained policy from a checkpoint, trial or experiment directory.

    \b
    Examples:
      rlcli rollout ~/ray_results/my-exp                      # best trial's best checkpoint
      rlcli rollout ~/ray_results/my-exp/PPO_.../checkpoint_000009 --episodes 20
      rlcli rollout TRIAL_DIR --which last --explore --json
      rlcli rollout CKPT --out episodes.parquet --video-dir videos/
    """
    from rlcli.core.quiet import quiet_ray
    from rlcli.core.rollout.policy import RolloutSpec, load_config_state
    from rlcli.core.rollout.runner import run_rollout
    from rlcli.core.spec import RayOptions
    from rlcli.core.store.checkpoints import Selection, locate

    if episodes and steps:
        raise UsageError("--episodes and --steps exclude each other.", "Pass one of them.")
    if out and Path(out).suffix.lower() != ".parquet":
        raise UsageError(f"--out '{out}': rollouts are written as Parquet.", "Name the file *.parquet.")
    console = Console(quiet=quiet or as_json)
    with stdout_to_stderr():  # the env's and RLlib's prints must not mix with the data on stdout
        ref = locate(path, Selection(which=which, metric=metric, mode=mode))
        detail = f" (iteration {ref.iteration})" if ref.iteration is not None else ""
        console.notice(f"checkpoint {ref.path}{detail}: {ref.reason}")
        quiet_ray(RayOptions())
        spec = RolloutSpec(
            checkpoint=ref,
            env=env,
            env_config=load_mapping(env_config, "--env-config") if env_config else None,
            episodes=None if steps else (episodes or 10),
            steps=steps,
            explore=explore,
            num_envs=num_envs,
            seed=seed,
            out=Path(out) if out else None,
            video_dir=Path(video_dir) if video_dir else None,
            render=render,
            engine=engine,
        )
        if run:
            _check_algorithm(run, load_config_state(ref.path))
        summary = run_rollout(spec).as_dict()
    if as_json:
        console.json(summary)
    else:
        console.rollout_summary(summary)
    return 0
