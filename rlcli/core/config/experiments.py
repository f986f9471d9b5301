"""Raw inputs (``-f`` files, ``--config``, flags, ``key=value``) → :class:`ExperimentSpec` list.

Each source is translated from legacy terms on its own, then all are merged in the one fixed
order (:func:`rlcli.core.overrides.merge_sources`): file < ``--config`` < flags < overrides.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlcli.algorithms.aliases import translation
from rlcli.core import old_env, remote_storage, searchspace
from rlcli.core.config.loading import load_experiment_file
from rlcli.core.config.offline_data import anchor_inputs
from rlcli.core.config.overrides import load_mapping, merge_sources, parse_override, route_overrides
from rlcli.core.config.pyconfig import is_python_file, load_python_experiment
from rlcli.core.config.stopping import normalize_stop
from rlcli.core.errors import ConfigError, UsageError
from rlcli.core.legacy.translate import (
    VIDEO_EVERY_KEY,
    legacy_env_config,
    migrate_config,
    migrate_env_config,
    migrate_env_id,
    migrate_metric,
)
from rlcli.core.rllib.config_keys import acceptor
from rlcli.core.rllib.external_env import SERVER as EXTERNAL_SERVER
from rlcli.core.rllib.external_env import parse_address
from rlcli.core.rllib.resolve import canonical_name, check_not_removed
from rlcli.core.rllib.user_code import import_modules
from rlcli.core.spec import CheckpointSpec, ExperimentSpec, Tracking, default_storage_path


@dataclass(frozen=True)
class TrainInputs:
    """What the user typed; ``None`` means "not given" so lower layers keep their value."""

    files: tuple[str, ...] = ()
    run: str | None = None
    env: str | None = None
    config: str | None = None
    stop: str | None = None
    env_config: str | None = None
    checkpoint_freq: int | None = None
    checkpoint_at_end: bool | None = None
    keep_checkpoints_num: int | None = None
    checkpoint_score_attr: str | None = None
    storage_path: str | None = None
    name: str | None = None
    num_samples: int | None = None
    seed: int | None = None
    max_failures: int | None = None
    restart_failed_env_runners: bool | None = None
    num_env_runners: int | None = None
    num_envs_per_env_runner: int | None = None
    num_learners: int | None = None
    num_gpus_per_learner: float | None = None
    imports: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    restore: str | None = None
    scheduler: str | None = None
    scheduler_config: str | None = None
    video_every: int | None = None
    external_env: str | None = None
    search_alg: str | None = None
    search_config: str | None = None
    max_concurrent_trials: int | None = None
    num_seeds: int | None = None
    wandb_project: str | None = None
    wandb_key: str | None = None
    wandb_run_name: str | None = None
    wandb_group: str | None = None
    mlflow: bool | None = None
    mlflow_tracking_uri: str | None = None
    #: Under the name ``rllib``: an experiment nobody named is called ``default``, as it was.
    legacy_defaults: bool = False


@dataclass(frozen=True)
class BuiltSpecs:
    specs: tuple[ExperimentSpec, ...]
    notices: tuple[str, ...]


#: Flags named as in RLlib's example scripts that set the config key of the same name.
SCALE_FLAGS = ("num_env_runners", "num_envs_per_env_runner", "num_learners", "num_gpus_per_learner")


def build_specs(inputs: TrainInputs) -> BuiltSpecs:
    """Every experiment the invocation asks for, with the notices translation produced."""
    import_modules(inputs.imports)  # first, on the main thread: they may register envs
    raws: list[tuple[str | None, dict[str, Any], str, Path | None]] = []
    notices: list[str] = []
    for path in inputs.files:
        base = Path(path).resolve().parent
        if is_python_file(path):
            loaded, file_notices = load_python_experiment(path)
            notices += file_notices
        else:
            loaded = load_experiment_file(path)
        raws += [(name, body, f"{path}:{name}", base) for name, body in loaded]
    if not raws:
        raws = [(None, {}, "command line", None)]
    if inputs.name and len(raws) > 1:
        raise UsageError("--name works with one experiment, but the files hold several.", "Drop --name.")
    specs = []
    for name, body, source, anchor in raws:
        spec, spec_notices = _build_one(inputs, name, body, source, anchor)
        specs.append(spec)
        notices += [n for n in spec_notices if n not in notices]
    notices += _old_env_notices(specs)
    return BuiltSpecs(tuple(specs), tuple(notices))


def _old_env_notices(specs: list[ExperimentSpec]) -> list[str]:
    """What rlcli does with the old TUNE_*/RLLIB_* variables set (:mod:`rlcli.core.old_env`)."""
    lines = [old_env.storage_notice(path) for path in dict.fromkeys(s.storage_path for s in specs)]
    return [line for line in lines if line] + old_env.ignored_notices()


def _flag_layers(inputs: TrainInputs) -> tuple[dict[str, Any], dict[str, Any]]:
    """The experiment-level and config-level values given as dedicated flags."""
    exp: dict[str, Any] = {
        "run": inputs.run,
        "env": inputs.env,
        "checkpoint_freq": inputs.checkpoint_freq,
        "checkpoint_at_end": inputs.checkpoint_at_end,
        "keep_checkpoints_num": inputs.keep_checkpoints_num,
        "checkpoint_score_attr": inputs.checkpoint_score_attr,
        "storage_path": inputs.storage_path,
        "num_samples": inputs.num_samples,
        "max_failures": inputs.max_failures,
        "restore": inputs.restore,
        "scheduler": inputs.scheduler,
        "video_every": inputs.video_every,
        "search_alg": inputs.search_alg,
        "max_concurrent_trials": inputs.max_concurrent_trials,
    }
    if inputs.search_config is not None:
        exp["search_config"] = load_mapping(inputs.search_config, "--search-config")
    if inputs.scheduler_config is not None:
        exp["scheduler_config"] = load_mapping(inputs.scheduler_config, "--scheduler-config")
    config: dict[str, Any] = {}
    if inputs.env_config is not None:
        config["env_config"] = load_mapping(inputs.env_config, "--env-config")
    if inputs.external_env is not None:  # RLlib's own server for external simulators
        config["env_runner_cls"] = EXTERNAL_SERVER
        host, port = parse_address(inputs.external_env)
        config["env_config"] = {**config.get("env_config", {}), "host": host, "port": port}
    if inputs.num_seeds is not None:  # each config repeated over seeds S..S+K-1 (S: --seed, else 0)
        first = inputs.seed or 0
        config["seed"] = {"grid_search": list(range(first, first + inputs.num_seeds))}
    elif inputs.seed is not None:
        config["seed"] = inputs.seed
    if inputs.restart_failed_env_runners is not None:
        config.update(fault_tolerance_config(inputs.restart_failed_env_runners))
    for key in SCALE_FLAGS:
        if getattr(inputs, key) is not None:
            config[key] = getattr(inputs, key)
    return {k: v for k, v in exp.items() if v is not None}, config


#: Seconds before RLlib restarts a dead env-runner actor when asked to (its default is 60 s).
RESTART_DELAY_S = 5.0


def fault_tolerance_config(restart: bool) -> dict[str, Any]:
    """RLlib's fault-tolerance keys behind ``--[no-]restart-failed-env-runners``."""
    if not restart:
        return {"restart_failed_env_runners": False, "restart_failed_sub_environments": False}
    return {
        "restart_failed_env_runners": True,
        "restart_failed_sub_environments": True,
        "delay_between_env_runner_restarts_s": RESTART_DELAY_S,
    }


def _translated(mapping: Any, where: str, notices: list[str], accepts: Callable[[str], bool]) -> dict[str, Any]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise ConfigError(f"{where} must be a mapping of config keys, got {mapping!r}.")
    migrated = migrate_config(mapping, where, accepts)
    notices += migrated.notices
    return migrated.config


def _build_one(
    inputs: TrainInputs, name: str | None, body: dict[str, Any], source: str, base: Path | None
) -> tuple[ExperimentSpec, list[str]]:
    """One experiment: its four layers (file < --config < flags < KEY=VALUE) merged per section."""
    notices: list[str] = []
    routed = route_overrides([parse_override(o) for o in inputs.overrides])
    flag_exp, flag_config = _flag_layers(inputs)
    exp = merge_sources(_file_experiment(body, source, notices), flag_exp, routed.experiment)
    algorithm = _require_algorithm(exp)  # a removed algorithm is reported before its config is read
    translated = translation(algorithm)  # an old name that runs as another algorithm with settings
    if translated is not None:
        algorithm = translated.runs
        notices.append(f"{source}: {translated.notice}")
    if "pass_criteria" in exp:
        exp.pop("pass_criteria")
        notices.append(f"{source}: 'pass_criteria' (Ray's release-test harness) left out; use stop criteria")
    accepts = acceptor(algorithm)
    file_config = _translated(body.get("config"), source, notices, accepts)
    config = merge_sources(
        dict(translated.config) if translated is not None else None,  # under everything the user wrote
        anchor_inputs(file_config, base) if base else file_config,
        _translated(load_mapping(inputs.config, "--config") if inputs.config else None, "--config", notices, accepts),
        flag_config,
        _translated(routed.config, "override", notices, accepts),
    )
    monitored = config.pop(VIDEO_EVERY_KEY, None)
    stop_raw = merge_sources(
        _mapping(body.get("stop"), f"{source}: stop"),
        load_mapping(inputs.stop, "--stop") if inputs.stop else None,
        routed.stop,
    )
    stop = normalize_stop(stop_raw)
    notices += stop.notices
    env, env_notice = _pick_env(exp, config, explicit=inputs.env is not None or "env" in routed.experiment)
    notices += [env_notice] if env_notice else []
    searchspace.find(config)  # malformed markers fail here, before anything starts
    env_config, env_config_notices = migrate_env_config(_mapping(config.pop("env_config", None), "env_config"), source)
    notices += env_config_notices
    spec = ExperimentSpec(
        name=inputs.name or name or ("default" if inputs.legacy_defaults else _default_name(algorithm, env)),
        algorithm=algorithm,
        env=env,
        env_config=env_config,
        config=config,
        stop=stop.criteria,
        checkpoint=_checkpoint_spec(exp, notices),
        storage_path=_storage_path(exp.get("storage_path")),
        num_samples=_int(exp.get("num_samples", 1), "num_samples", minimum=1),
        max_failures=_int(exp.get("max_failures", 0), "max_failures", minimum=-1),
        source=source,
        auto_named=not (inputs.name or name),
        restore=_restore_path(exp.get("restore"), base),
        **_scheduler(exp),
        search_alg=_optional_str(exp.get("search_alg"), "search_alg"),
        search_config=_mapping(exp.get("search_config"), "search_config"),
        max_concurrent_trials=_max_concurrent(exp.get("max_concurrent_trials")),
        tracking=tracking_from(exp, inputs),
        video_every=_video_every(exp.get("video_every", monitored)),
    )
    return spec, notices


def _file_experiment(body: dict[str, Any], source: str, notices: list[str]) -> dict[str, Any]:
    """A file's experiment-level keys, the old spellings (``local_dir``, ``algo``) renamed."""
    file_exp = {k: v for k, v in body.items() if k not in ("config", "stop")}
    if "local_dir" in file_exp:
        file_exp.setdefault("storage_path", file_exp.pop("local_dir"))
        notices.append(f"{source}: legacy key 'local_dir' → 'storage_path'")
    if "algo" in file_exp:
        file_exp.setdefault("run", file_exp.pop("algo"))
    return file_exp


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping, got {value!r}.")
    return value


def _pick_env(exp: dict[str, Any], config: dict[str, Any], explicit: bool) -> tuple[Any, str | None]:
    """``--env`` and ``env=`` win; then ``config.env``; then the file's top-level ``env``."""
    config_env = config.pop("env", None)
    env = config_env if config_env is not None and not explicit else exp.get("env")
    if env is None:
        return None, None
    if isinstance(env, dict) and set(env) == {"grid_search"} and isinstance(env["grid_search"], list):
        moved = [_env_id(e) for e in env["grid_search"]]
        notes = "; ".join(n for _, n in moved if n)
        return {"grid_search": [e for e, _ in moved]}, notes or None
    implied = legacy_env_config(env.strip()) if isinstance(env, str) else {}
    if implied:  # what an old id implied; the file's own env_config wins
        config["env_config"] = {**implied, **(config.get("env_config") or {})}
    return _env_id(env)


def _env_id(env: Any) -> tuple[str, str | None]:
    if not isinstance(env, str) or not env.strip():
        raise ConfigError(f"env must be a gymnasium id or 'module:Class' (or a grid_search of them), got {env!r}.")
    return migrate_env_id(env.strip())


def _require_algorithm(exp: dict[str, Any]) -> str:
    run = exp.get("run")
    if run is None:
        raise UsageError("No algorithm given.", "Pass --run ALGO (e.g. --run PPO) or -f FILE.yaml.")
    if not isinstance(run, str) or not run.strip():
        raise ConfigError(f"run must be an algorithm name such as PPO, got {run!r}.")
    check_not_removed(run.strip())
    return canonical_name(run.strip())


def _checkpoint_spec(exp: dict[str, Any], notices: list[str]) -> CheckpointSpec:
    score_attr = exp.get("checkpoint_score_attr")
    order = "max"
    if score_attr is not None:
        if not isinstance(score_attr, str) or not score_attr.strip():
            raise ConfigError(f"checkpoint_score_attr must be a metric name, got {score_attr!r}.")
        if score_attr.startswith("min-"):
            score_attr, order = score_attr[4:], "min"
        score_attr, notice = migrate_metric(score_attr)
        if notice:
            notices.append(f"checkpoint_score_attr: {notice}")
    keep = exp.get("keep_checkpoints_num")
    return CheckpointSpec(
        frequency=_int(exp.get("checkpoint_freq", 0), "checkpoint_freq", minimum=0),
        at_end=_bool(exp.get("checkpoint_at_end", True), "checkpoint_at_end"),
        keep=None if keep is None else _int(keep, "keep_checkpoints_num", minimum=1),
        score_attr=score_attr,
        score_order=order,
    )


def _int(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what} must be an integer, got {value!r}.")
    if value < minimum:
        raise ConfigError(f"{what} must be >= {minimum}, got {value}.")
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what} must be true or false, got {value!r}.")
    return value


def _scheduler(exp: dict[str, Any]) -> dict[str, Any]:
    """``scheduler: NAME`` with ``scheduler_config: {...}``, or in a file ``scheduler: {type: NAME,
    ...arguments}``; ``--scheduler-config`` arguments win over the file's."""
    value, config = exp.get("scheduler"), _mapping(exp.get("scheduler_config"), "scheduler_config")
    if isinstance(value, dict):
        arguments = dict(value)
        value = arguments.pop("type", None)
        if value is None:
            raise ConfigError("scheduler: {...} needs a 'type' (e.g. type: asha).", "See rlcli train --help.")
        config = {**arguments, **config}
    return {"scheduler": _optional_str(value, "scheduler"), "scheduler_config": config}


def tracking_from(exp: dict[str, Any], inputs: TrainInputs) -> Tracking:
    """A file's ``wandb: {project, group, run_name}`` / ``mlflow: true | {tracking_uri}``, the
    ``--wandb-*`` / ``--mlflow*`` flags winning."""
    wandb = _mapping(exp.get("wandb"), "wandb")
    mlflow = exp.get("mlflow")
    if not isinstance(mlflow, (bool, dict, type(None))):
        raise ConfigError(f"mlflow must be true or {{tracking_uri: URI}}, got {mlflow!r}.")
    unknown = set(wandb) - {"project", "group", "run_name", "key"}
    if unknown:
        raise ConfigError(f"wandb: unknown key '{sorted(unknown)[0]}'.", "Valid keys: project, group, run_name, key.")
    uri = inputs.mlflow_tracking_uri or (mlflow.get("tracking_uri") if isinstance(mlflow, dict) else None)
    return Tracking(
        wandb_project=inputs.wandb_project or wandb.get("project"),
        wandb_key=inputs.wandb_key or wandb.get("key"),
        wandb_run_name=inputs.wandb_run_name or wandb.get("run_name"),
        wandb_group=inputs.wandb_group or wandb.get("group"),
        mlflow=bool(inputs.mlflow or uri or mlflow),
        mlflow_tracking_uri=uri,
    )


def _max_concurrent(value: Any) -> int | None:
    return None if value is None else _int(value, "max_concurrent_trials", minimum=1)


def _video_every(value: Any) -> int | None:
    return None if value is None else _int(value, "video_every", minimum=1)


def _optional_str(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a name, got {value!r}.")
    return value.strip()


def _restore_path(value: Any, base: Path | None) -> str | None:
    """``restore`` as an absolute path (a file's relative path is read from the file's folder)."""
    path = _optional_str(value, "restore")
    if path is None:
        return None
    return str(((base or Path.cwd()) / Path(path).expanduser()).resolve())


def _storage_path(value: Any) -> str:
    if value is None:
        return default_storage_path()
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"storage_path must be a directory path, got {value!r}.")
    value = value.strip()
    if value.startswith("file://"):
        value = value[len("file://") :]
    elif "://" in value:
        remote_storage.check_uri(value)
        return value.rstrip("/")
    return os.path.abspath(os.path.expanduser(value))


def _default_name(algorithm: str, env: str | dict[str, Any] | None) -> str:
    stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    return f"{name_prefix(algorithm, env)}{stamp}"


def name_prefix(algorithm: str, env: str | dict[str, Any] | None) -> str:
    """``PPO_CartPole-v1_``: the start of default experiment names (used to find the latest)."""
    label = "envs" if isinstance(env, dict) else env or "offline"
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{algorithm.split(':')[-1]}_{label}")
    return clean + "_"


def resume_inputs(inputs: TrainInputs) -> TrainInputs:
    """``--resume --name N`` alone: read the algorithm, env and config from N's saved spec."""
    from rlcli.core.config.spec_file import SPEC_FILE

    if inputs.files or inputs.run or not inputs.name:
        return inputs
    root = inputs.storage_path or default_storage_path()
    if remote_storage.is_remote(root):  # the saved spec, through the experiment's local mirror
        location = remote_storage.join(root.rstrip("/"), inputs.name)
        remote_storage.pull(location)
        storage, spec_file = root, remote_storage.mirror_dir(location) / SPEC_FILE
    else:
        storage = str(Path(root).expanduser())
        spec_file = Path(storage) / inputs.name / SPEC_FILE
    if not spec_file.is_file():
        raise UsageError(
            f"No rlcli experiment '{inputs.name}' to resume under {storage} (no {SPEC_FILE}).",
            "Pass the original --run/--env/-f options with --resume, or the right --storage-path.",
        )
    return dataclasses.replace(inputs, files=(str(spec_file),))
