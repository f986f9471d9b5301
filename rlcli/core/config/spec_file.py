"""The resolved experiment as YAML: what ``--dry-run`` prints and what ``rlcli train`` saves as
``rlcli-spec.yaml`` beside Tune's files (``rlcli train -f`` reads both back)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from rlcli.core.files import atomic_write
from rlcli.core.spec import ExperimentSpec, Tracking

SPEC_FILE = "rlcli-spec.yaml"


def spec_to_dict(spec: ExperimentSpec) -> dict[str, Any]:
    """The resolved experiment in classic ``-f`` shape (``rlcli train -f`` reads it back)."""
    ck = spec.checkpoint
    body: dict[str, Any] = {"run": spec.algorithm, "env": spec.env}
    config = dict(spec.config)
    if spec.env_config:
        config["env_config"] = dict(spec.env_config)
    body["config"] = config
    body["stop"] = dict(spec.stop)
    body["checkpoint_freq"] = ck.frequency
    body["checkpoint_at_end"] = ck.at_end
    if ck.keep is not None:
        body["keep_checkpoints_num"] = ck.keep
    if ck.score_attr:
        body["checkpoint_score_attr"] = ("min-" if ck.score_order == "min" else "") + ck.score_attr
    body["num_samples"] = spec.num_samples
    if spec.max_failures:
        body["max_failures"] = spec.max_failures
    body["storage_path"] = spec.storage_path
    if spec.restore:
        body["restore"] = spec.restore
    if spec.video_every:
        body["video_every"] = spec.video_every
    if spec.scheduler:
        body["scheduler"] = spec.scheduler
        body["scheduler_config"] = dict(spec.scheduler_config)
    if spec.search_alg:
        body["search_alg"] = spec.search_alg
        body["search_config"] = dict(spec.search_config)
    if spec.max_concurrent_trials:
        body["max_concurrent_trials"] = spec.max_concurrent_trials
    body.update(tracking_keys(spec.tracking))
    return {spec.name: body}


def tracking_keys(tracking: Tracking) -> dict[str, Any]:
    """The file keys of ``tracking``; never the W&B API key (spec files are shared and kept:
    give it again, or set WANDB_API_KEY)."""
    keys: dict[str, Any] = {}
    if tracking.wandb_project:
        wandb = {"project": tracking.wandb_project, "group": tracking.wandb_group, "run_name": tracking.wandb_run_name}
        keys["wandb"] = {k: v for k, v in wandb.items() if v}
    if tracking.mlflow:
        keys["mlflow"] = {"tracking_uri": tracking.mlflow_tracking_uri} if tracking.mlflow_tracking_uri else True
    return keys


class _Dumper(yaml.SafeDumper):
    """Safe YAML, plus a readable stand-in for a value only Python can hold (a lambda from a
    ``.py`` config file): the experiment still runs from the file, and its YAML says what was there."""


def _python_only(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    return dumper.represent_str(
        f"<python object {getattr(value, '__qualname__', type(value).__name__)}; set in Python>"
    )


_Dumper.add_multi_representer(object, _python_only)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100)


def write_spec_file(spec: ExperimentSpec, command_line: tuple[str, ...]) -> Path:
    """Save the resolved spec and the exact command beside Tune's files (reproducibility)."""
    header = "# Written by rlcli. Re-run with: rlcli train -f " + SPEC_FILE + "\n"
    if command_line:
        header += "# Command: " + shlex.join(command_line) + "\n"
    path = spec.path / SPEC_FILE
    atomic_write(path, header + dump_yaml(spec_to_dict(spec)))
    return path


def read_spec_file(exp_dir: Path) -> dict[str, Any] | None:
    """The saved spec of an experiment rlcli made, or None."""
    from rlcli.core.config.loading import parse_yaml

    path = Path(exp_dir) / SPEC_FILE
    if not path.is_file():
        return None
    data = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return data if isinstance(data, dict) else None
