"""``rlcli train``: flags and classic RLlib YAML files become Ray Tune experiments."""

from __future__ import annotations

import sys
from dataclasses import fields
from typing import Any

import click

from rlcli import invocation
from rlcli.console import Console, TrainProgress
from rlcli.core.config.experiments import TrainInputs
from rlcli.core.config.runtime_env import runtime_env
from rlcli.core.errors import Interrupted, TrainingFailed, UsageError
from rlcli.core.spec import ExperimentResult, RayOptions, TrainRequest
from rlcli.options import (
    OLD_TRAIN_OPTIONS,
    SectionedCommand,
    old_train_options,
    ray_options,
    rllib_scale_options,
    verbosity,
)


def _report(results: list[ExperimentResult], request: TrainRequest) -> int:
    interrupted = [r for r in results if r.interrupted]
    if interrupted:
        spec = interrupted[0].spec
        local = " --local-mode" if request.local_mode else ""
        raise Interrupted(
            f"Training of {spec.name} stopped; {'its last checkpoint is saved' if local else 'Tune saved its state'}.",
            f"Resume with: rlcli train --resume{local} --name {spec.name} --storage-path {spec.storage_path}",
        )
    errored = [(r.spec, t) for r in results for t in r.errored]
    if errored:
        spec, trial = errored[0]
        raise TrainingFailed(
            f"{len(errored)} trial(s) errored; first: {trial.name}: {trial.error or 'unknown error'}.",
            f"Details: {trial.error_file or spec.location}",
        )
    return 0


@click.command(cls=SectionedCommand, context_settings={"ignore_unknown_options": False})
@click.option(
    "-f",
    "--file",
    "--config-file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Experiment file (repeatable): classic YAML/JSON (name: {run, env, stop, config, ...}) or a .py "
    "file defining config (an AlgorithmConfig) and optionally stop and name.",
)
@click.option(
    "--run",
    "--algo",
    "-r",
    "-a",
    "run",
    metavar="ALGO",
    help="Algorithm: PPO, DQN, SAC, ... (any case) or module:Class.",
)
@click.option("--env", "-e", metavar="ENV", help="Gymnasium id (CartPole-v1) or module:Class / module:function.")
@click.option("--config", "-c", metavar="MAPPING", help="Algorithm config: inline JSON/YAML or a file path.")
@click.option(
    "--stop", "-s", metavar="MAPPING", help="Stop criteria, e.g. '{\"env_runners/episode_return_mean\": 450}'."
)
@click.option("--env-config", metavar="MAPPING", help="Env constructor arguments (gym.make kwargs for ids).")
@click.option(
    "--checkpoint-freq", type=click.IntRange(min=0), metavar="N", help="Checkpoint every N iterations (0: never)."
)
@click.option(
    "--checkpoint-at-end/--no-checkpoint-at-end", default=None, help="Checkpoint when a trial ends (default: on)."
)
@click.option(
    "--keep-checkpoints-num", type=click.IntRange(min=1), metavar="K", help="Keep only the K best checkpoints."
)
@click.option(
    "--checkpoint-score-attr", metavar="METRIC", help="Metric ranking kept checkpoints; prefix 'min-' to minimize."
)
@click.option(
    "--storage-path",
    "--local-dir",
    metavar="DIR",
    help="Where experiments go (default: $RLCLI_STORAGE_PATH or ~/ray_results).",
)
@click.option(
    "--name",
    "-n",
    "--experiment-name",
    metavar="NAME",
    help="Experiment name (default: ALGO_ENV_TIMESTAMP, or the file's key).",
)
@click.option("--num-samples", type=click.IntRange(min=1), metavar="N", help="Repeat the search space N times.")
@click.option("--seed", type=int, metavar="S", help="Random seed (config key 'seed').")
@click.option(
    "--max-failures",
    type=click.IntRange(min=-1),
    metavar="N",
    help="Restart an errored trial from its checkpoint up to N times (-1: always).",
)
@click.option(
    "--restart-failed-env-runners/--no-restart-failed-env-runners",
    default=None,
    help="Recover from env crashes inside the trial: re-create and reset an env that raises "
    "(its episode is dropped) and restart a dead env-runner actor (RLlib's fault_tolerance). "
    "Without it an env error fails the trial, and --max-failures decides.",
)
@click.option(
    "--restore",
    metavar="CKPT",
    help="Start every trial from this checkpoint's RLModule weights (a checkpoint, trial or experiment dir).",
)
@click.option(
    "--scheduler",
    metavar="NAME",
    help="Tune trial scheduler: asha, hyperband, median_stopping_rule, pbt, pb2, ... (Tune's create_scheduler).",
)
@click.option(
    "--scheduler-config",
    metavar="MAPPING",
    help='The scheduler\'s arguments, e.g. \'{"max_t": 50, "grace_period": 5}\' (metric defaults to the return).',
)
@click.option(
    "--search-alg",
    metavar="NAME",
    help="Tune search algorithm: optuna, hyperopt, bayesopt, nevergrad, ax, random (extras: rlcli[optuna], ...).",
)
@click.option(
    "--search-config", metavar="MAPPING", help="The search algorithm's arguments (metric defaults to the return)."
)
@click.option("--max-concurrent-trials", type=click.IntRange(min=1), metavar="N", help="Run at most N trials at once.")
@click.option(
    "--num-seeds",
    type=click.IntRange(min=1),
    metavar="K",
    help="Repeat each config over seeds S..S+K-1 (S: --seed, default 0); analyze compare --by config pools them.",
)
@click.option("--wandb-project", metavar="P", help="Log every trial to this W&B project (WANDB_MODE=offline works).")
@click.option("--wandb-key", metavar="KEY", help="W&B API key (default: WANDB_API_KEY / wandb login); never saved.")
@click.option("--wandb-run-name", metavar="NAME", help="W&B run name.")
@click.option("--wandb-group", metavar="G", help="W&B group (default: the experiment name).")
@click.option("--mlflow", is_flag=True, default=None, help="Log every trial to MLflow (default store: EXP/mlflow.db).")
@click.option("--mlflow-tracking-uri", metavar="URI", help="MLflow tracking URI (implies --mlflow).")
@click.option(
    "--external-env",
    metavar="[HOST:]PORT",
    help="Episodes come from an external simulator: RLlib's RLlink server listens on HOST:PORT "
    "(default host 127.0.0.1; + the env runner index with remote runners); --env gives the spaces only.",
)
@click.option(
    "--video-every",
    type=click.IntRange(min=1),
    metavar="N",
    help="Record an MP4 of one greedy episode at iteration 1 and every N iterations into the trial's "
    "videos/ (what monitor: true did; needs the video extra).",
)
@click.option(
    "--import",
    "imports",
    multiple=True,
    metavar="MODULE",
    help="Import this module first (repeatable), e.g. one that registers envs: --import mypkg --env NAME.",
)
@rllib_scale_options
@click.option(
    "--show-metric",
    "show_metrics",
    multiple=True,
    metavar="METRIC",
    help="Also show this reported metric in the live progress (repeatable), e.g. env_runners/my_metric.",
)
@ray_options
@click.option(
    "--local-mode",
    "--no-tune",
    "local_mode",
    is_flag=True,
    help="Debug mode: run one trial inside this process (env runners and learner local, no Tune actor), "
    "so breakpoint()/pdb stops in your env, RLModule and callbacks. Writes the trial as Tune would.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted experiment (same --name and --storage-path).")
@click.option("--dry-run", is_flag=True, help="Print the resolved experiments as YAML and exit; starts no Ray.")
@verbosity
@old_train_options
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")
def train(**params: Any) -> int:
    """Train an RLlib algorithm as a Ray Tune experiment.

    \b
    Examples:
      rlcli train --run PPO --env CartPole-v1 --stop '{"training_iteration": 20}'
      rlcli train -f tuned_examples/ppo/cartpole-ppo.yaml
      rlcli train -f my_config.py --num-env-runners 0
      rlcli train --run PPO --env CartPole-v1 lr=0.001 model_config.fcnet_hiddens=[64,64] stop.training_iteration=5
      rlcli train -f sweep.yaml --num-samples 3 --dry-run
      rlcli train --resume --name PPO_CartPole-v1_2026-11-21_20-30-00

    KEY=VALUE overrides address the algorithm config by dotted path (values are YAML);
    stop.X= and env_config.X= reach those sections. Precedence: file < --config < flags < overrides.
    """
    verbose = max(params["verbose"], 2 if params["log_debug"] else 1 if params["log_info"] else 0)
    if verbose and params["quiet"]:
        raise UsageError("-v and -q contradict each other.", "Pass one of them.")
    from rlcli import api

    console = Console(quiet=params["quiet"], verbose=bool(verbose))
    inputs, notices = _inputs(params, verbose)
    for message in notices:
        console.notice(message)
    request = api.train_request(
        inputs,
        ray=_ray_options(params, verbose),
        resume=params["resume"],
        show_metrics=tuple(params["show_metrics"]),
        command_line=(invocation.current().program, *sys.argv[1:]),
        local_mode=params["local_mode"],
        notice=console.notice,
    )
    if params["dry_run"]:
        return _show_plan(api.plan(request), console)
    progress = TrainProgress(console, live=not params["local_mode"])  # a live table would overdraw pdb
    results = api.train(request, progress=progress, notice=console.notice)
    progress.overall(results)
    return _report(results, request)


def _inputs(params: dict[str, Any], verbose: int) -> tuple[TrainInputs, list[str]]:
    """The typed inputs: ``train file FILE`` (the 2.x spelling of ``-f``) read out of the
    positional arguments, the old CLI's flags translated (:mod:`rlcli.core.config.old_flags`)."""
    from rlcli.core.config.old_flags import OldTrainFlags, apply_old_flags

    values = {f.name: params[f.name] for f in fields(TrainInputs) if f.name in params}
    overrides = tuple(params["overrides"])
    if overrides[:1] == ("file",):
        if len(overrides) < 2:
            raise UsageError("'train file' needs the file: train file FILE.", "E.g. rllib train file cartpole.yaml.")
        values["files"], overrides = (*params["files"], overrides[1]), overrides[2:]
    inputs = TrainInputs(**{**values, "overrides": overrides}, legacy_defaults=invocation.current().legacy_defaults)
    level = "DEBUG" if verbose >= 2 else "INFO" if params["log_info"] else None
    old = OldTrainFlags(
        **{name: params[name] for name in OLD_TRAIN_OPTIONS if name not in ("log_info", "log_debug")},
        log_level=level,
    )
    return apply_old_flags(old, inputs)


def _ray_options(params: dict[str, Any], verbose: int) -> RayOptions:
    return RayOptions(
        address=params["ray_address"],
        num_cpus=params["ray_num_cpus"],
        num_gpus=params["ray_num_gpus"],
        verbose=bool(verbose),
        num_nodes=params["ray_num_nodes"],
        object_store_memory=params["ray_object_store_memory"],
        dashboard=params["ray_ui"],
        runtime_env=runtime_env(params["ray_runtime_env"]),
    )


def _show_plan(prepared: list[Any], console: Console) -> int:
    """``--dry-run``: each experiment as the YAML ``-f`` reads back, with its trial count and resources."""
    from rlcli.core.config.spec_file import dump_yaml, spec_to_dict

    documents = []
    for item in prepared:
        for notice in item.notices:
            console.notice(notice)
        resources = ", ".join(f"{k}: {v:g}" for k, v in sorted(item.request.items()))
        header = f"# {item.num_trials} trial(s), each asking for {{{resources}}}\n"
        documents.append(header + dump_yaml(spec_to_dict(item.spec)))
    console.data("".join(documents).rstrip())
    return 0
