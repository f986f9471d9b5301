"""``rlcli train``: flags and classic RLlib YAML files become Ray Tune experiments."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from rlcli import invocation
from rlcli.core.errors import Interrupted, TrainingFailed, UsageError
from rlcli.train_options import SectionedCommand, old_train_flags, ray_options, train_inputs, train_options

if TYPE_CHECKING:  # --help imports neither rich nor the experiment builder
    from rlcli.console import Console
    from rlcli.core.config.experiments import TrainInputs
    from rlcli.core.spec import ExperimentResult, TrainRequest


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
@train_options
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
    from rlcli.console import Console, TrainProgress

    console = Console(quiet=params["quiet"], verbose=bool(verbose))
    inputs, notices = _inputs(params, verbose)
    for message in notices:
        console.notice(message)
    request = api.train_request(
        inputs,
        ray=ray_options(params, verbose=bool(verbose)),
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
    """The typed inputs (:mod:`rlcli.train_options` says which option fills which field): ``train
    file FILE`` (the 2.x spelling of ``-f``) read out of the positional arguments, the old CLI's
    flags translated (:mod:`rlcli.core.config.old_flags`)."""
    from rlcli.core.config.old_flags import apply_old_flags

    files, overrides = tuple(params["files"]), tuple(params["overrides"])
    if overrides[:1] == ("file",):
        if len(overrides) < 2:
            raise UsageError("'train file' needs the file: train file FILE.", "E.g. rllib train file cartpole.yaml.")
        files, overrides = (*files, overrides[1]), overrides[2:]
    inputs = train_inputs(
        params, files=files, overrides=overrides, legacy_defaults=invocation.current().legacy_defaults
    )
    level = "DEBUG" if verbose >= 2 else "INFO" if params["log_info"] else None
    return apply_old_flags(old_train_flags(params, log_level=level), inputs)


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
