"""``rlcli rollout``: evaluate a trained policy from a checkpoint, trial or experiment dir.

Also the drop-in successor of the old ``rllib rollout`` (1.x) and ``rllib evaluate`` (2.x): their
command lines (``CHECKPOINT --run ALGO --env ENV --steps N --out rollouts.pkl --config JSON ...``)
run unchanged, and under the name ``rllib`` the old default of 10,000 steps holds.
"""

from __future__ import annotations

from typing import Any

import click

from rlcli.console import Console, stdout_to_stderr
from rlcli.invocation import current
from rlcli.options import _stack, checkpoint_selection


def legacy_options(fn: Any) -> Any:
    """The old CLI's ``--config`` and the flags that shape its ``--out`` pickle."""
    return _stack(
        fn,
        click.option(
            "--config",
            metavar="MAPPING",
            help="The old CLI's config (JSON/YAML or a file): env, env_config, explore, seed, "
            "num_envs_per_env_runner, render_env, also inside evaluation_config.",
        ),
        click.option("--save-info", is_flag=True, help="With --out FILE.pkl: append each step's info dict."),
        click.option("--use-shelve", is_flag=True, help="With --out FILE.pkl: a shelve file (key str(i) per episode)."),
        click.option("--track-progress", is_flag=True, help="With --out FILE.pkl: keep __progress_FILE while running."),
        click.option(
            "--local-mode",
            is_flag=True,
            help="The old CLI's Ray local mode: what rollouts always do (they run in this process).",
        ),
    )


@click.command()
@click.argument("path", type=click.Path(), metavar="PATH")
@click.option(
    "--run", "--algo", "run", metavar="ALGO", help="Expected algorithm (read from the checkpoint by default)."
)
@click.option("--env", metavar="ENV", help="Env to roll out on (default: the one it was trained on).")
@click.option("--env-config", metavar="MAPPING", help="Env constructor arguments (default: the training env_config).")
@click.option(
    "--episodes", type=click.IntRange(min=1), metavar="N", help="Episodes to run (default 10; as 'rllib': 10000 steps)."
)
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    metavar="N",
    help="Env steps to run (as 'rllib': 10000 by default); with --episodes, whichever ends first.",
)
@click.option("--explore/--no-explore", default=None, help="Sample actions (--explore) or act greedily (default).")
@click.option(
    "--num-envs",
    "--num-envs-per-env-runner",
    "num_envs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Vectorized envs stepped together (RLlib's num_envs_per_env_runner; default 8).",
)
@click.option(
    "--seed", type=int, metavar="S", help="Seed of the envs (env i gets S+i) and of sampled actions; same S, same run."
)
@checkpoint_selection
@click.option("--render/--no-render", default=None, help="Show episodes on screen (needs a display); default: no.")
@click.option("--video-dir", type=click.Path(file_okay=False), metavar="DIR", help="Write one MP4 per episode here.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write every step: *.parquet for RLlib's offline API, any other name in the old rllib rollout pickle format.",
)
@legacy_options
@click.option(
    "--engine",
    type=click.Choice(["auto", "fast", "rllib"]),
    default="auto",
    show_default=True,
    help="fast: RLModule + connectors; rllib: RLlib's own EnvRunner; auto: fast where exact.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No notices and no 'Episode #N' lines; only the summary.")
def rollout(
    path: str,
    run: str | None,
    env: str | None,
    env_config: str | None,
    episodes: int | None,
    steps: int | None,
    explore: bool | None,
    num_envs: int | None,
    seed: int | None,
    which: str,
    metric: str,
    mode: str,
    render: bool | None,
    video_dir: str | None,
    out: str | None,
    config: str | None,
    save_info: bool,
    use_shelve: bool,
    track_progress: bool,
    local_mode: bool,
    engine: str,
    as_json: bool,
    quiet: bool,
) -> int:
    """Evaluate a trained policy from a checkpoint, trial or experiment directory.

    Prints 'Episode #N: reward: R' per episode (as the old rllib rollout did), then a summary.

    \b
    Examples:
      rlcli rollout ~/ray_results/my-exp                      # best trial's best checkpoint
      rlcli rollout ~/ray_results/my-exp/PPO_.../checkpoint_000009 --episodes 20
      rlcli rollout TRIAL_DIR --which last --explore --json
      rlcli rollout CKPT --out episodes.parquet --video-dir videos/
      rllib evaluate CKPT/algorithm_state.pkl --run PPO --steps 2000 --out rollouts.pkl
    """
    from rlcli import api
    from rlcli.core.rollout.request import RolloutRequest

    # --local-mode is satisfied as it is: the fast path and RLlib's EnvRunner both run in this process.
    # Under the name rllib, the old tool's defaults: one env, 10,000 steps unless told otherwise.
    request = RolloutRequest.build(
        path,
        which=which,
        metric=metric,
        mode=mode,
        env=env,
        env_config=env_config,
        episodes=episodes,
        steps=steps,
        explore=explore,
        num_envs=num_envs,
        seed=seed,
        engine=engine,
        out=out,
        video_dir=video_dir,
        render=render,
        run=run,
        config=config,
        save_info=save_info,
        use_shelve=use_shelve,
        track_progress=track_progress,
        legacy_defaults=current().legacy_defaults,
    )
    console = Console(quiet=quiet or as_json)
    with stdout_to_stderr():  # the env's and RLlib's prints must not mix with the data on stdout
        result = api.rollout(request, notice=console.notice)
    if as_json:
        console.json(result.as_dict())
    else:
        console.rollout_episodes(result)
        console.rollout_summary(result)
    return 0
