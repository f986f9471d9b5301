"""``rlcli train``'s options, as one table.

Each :class:`TrainOption` row is one option: its spellings, parameter name, type, metavar, help,
``--help`` section, and the request field it fills (a field of ``TrainInputs``, of ``RayOptions``,
of the old ``rllib train`` flags' ``OldTrainFlags``, or one the command reads itself). The Click
options and their ``--help`` sections are generated from it (:func:`train_options`,
:class:`SectionedCommand`), and the typed inputs are filled from it (:func:`train_inputs`,
:func:`ray_options`, :func:`old_train_flags`): a new option is one row here.

Read at ``rlcli train --help``: this module imports click and nothing of Ray, torch or the core's
heavier modules (those are imported by the fill functions, when a command runs).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rlcli.core.config.experiments import TrainInputs
    from rlcli.core.config.old_flags import OldTrainFlags
    from rlcli.core.spec import RayOptions

F = Callable[..., Any]


class Fills(enum.Enum):
    """Where an option's value goes."""

    INPUTS = "TrainInputs"  # rlcli.core.config.experiments
    RAY = "RayOptions"  # rlcli.core.spec
    OLD = "OldTrainFlags"  # rlcli.core.config.old_flags: what an old rllib train flag means now
    COMMAND = "the train command"  # read by commands/train.py itself (resume, --dry-run, verbosity)


class Section(enum.Enum):
    """The ``--help`` sections, in the order they are shown."""

    CURRENT = "Options"
    OLD = "Old rllib CLI options (accepted; each says what it does in Ray 2.60)"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: A row's ``default`` when it passes none to click (click's own default applies).
UNSET: Any = _Unset()


def _runtime_env(text: str | None) -> dict[str, Any] | None:
    from rlcli.core.config.runtime_env import runtime_env

    return runtime_env(text)


@dataclass(frozen=True)
class TrainOption:
    """One option of ``rlcli train``."""

    #: Click's declarations: every spelling (``--a/--no-a`` for an on/off switch).
    flags: tuple[str, ...]
    #: Click's parameter name (the key in the command's ``params``).
    dest: str
    help: str
    fills: Fills
    #: The field of ``fills`` it sets (default: ``dest``).
    field: str | None = None
    metavar: str | None = None
    type: click.ParamType | type | None = None
    is_flag: bool = False
    count: bool = False
    multiple: bool = False
    default: Any = UNSET
    #: :attr:`Section.OLD` for the old ``rllib train`` flags Ray 2.60 has no direct equivalent for.
    section: Section = Section.CURRENT
    #: Turns the parsed value into the field's (e.g. ``--ray-runtime-env``'s text → its mapping).
    convert: Callable[[Any], Any] | None = None

    @property
    def target(self) -> str:
        return self.field or self.dest

    def decorator(self) -> Callable[[F], F]:
        """The ``click.option`` this row declares."""
        kwargs: dict[str, Any] = {"help": self.help}
        for name in ("metavar", "type"):
            if getattr(self, name) is not None:
                kwargs[name] = getattr(self, name)
        for name in ("is_flag", "count", "multiple"):
            if getattr(self, name):
                kwargs[name] = True
        if self.default is not UNSET:
            kwargs["default"] = self.default
        return click.option(*self.flags, self.dest, **kwargs)

    def value(self, params: Mapping[str, Any]) -> Any:
        value = params[self.dest]
        return self.convert(value) if self.convert else value


_IN, _RAY, _OLD, _CMD = Fills.INPUTS, Fills.RAY, Fills.OLD, Fills.COMMAND
_N0, _N1 = click.IntRange(min=0), click.IntRange(min=1)

#: Every option of ``rlcli train``, in ``--help`` order.
TRAIN_OPTIONS: tuple[TrainOption, ...] = (
    TrainOption(
        ("-f", "--file", "--config-file"),
        "files",
        "Experiment file (repeatable): classic YAML/JSON (name: {run, env, stop, config, ...}) or a .py "
        "file defining config (an AlgorithmConfig) and optionally stop and name.",
        _IN,
        multiple=True,
        type=click.Path(dir_okay=False),
        metavar="FILE",
    ),
    TrainOption(
        ("--run", "--algo", "-r", "-a"),
        "run",
        "Algorithm: PPO, DQN, SAC, ... (any case) or module:Class.",
        _IN,
        metavar="ALGO",
    ),
    TrainOption(
        ("--env", "-e"),
        "env",
        "Gymnasium id (CartPole-v1) or module:Class / module:function.",
        _IN,
        metavar="ENV",
    ),
    TrainOption(
        ("--config", "-c"), "config", "Algorithm config: inline JSON/YAML or a file path.", _IN, metavar="MAPPING"
    ),
    TrainOption(
        ("--stop", "-s"),
        "stop",
        "Stop criteria, e.g. '{\"env_runners/episode_return_mean\": 450}'.",
        _IN,
        metavar="MAPPING",
    ),
    TrainOption(
        ("--env-config",), "env_config", "Env constructor arguments (gym.make kwargs for ids).", _IN, metavar="MAPPING"
    ),
    TrainOption(
        ("--checkpoint-freq",),
        "checkpoint_freq",
        "Checkpoint every N iterations (0: never).",
        _IN,
        type=_N0,
        metavar="N",
    ),
    TrainOption(
        ("--checkpoint-at-end/--no-checkpoint-at-end",),
        "checkpoint_at_end",
        "Checkpoint when a trial ends (default: on).",
        _IN,
        default=None,
    ),
    TrainOption(
        ("--keep-checkpoints-num",),
        "keep_checkpoints_num",
        "Keep only the K best checkpoints.",
        _IN,
        type=_N1,
        metavar="K",
    ),
    TrainOption(
        ("--checkpoint-score-attr",),
        "checkpoint_score_attr",
        "Metric ranking kept checkpoints; prefix 'min-' to minimize.",
        _IN,
        metavar="METRIC",
    ),
    TrainOption(
        ("--storage-path", "--local-dir"),
        "storage_path",
        "Where experiments go (default: $RLCLI_STORAGE_PATH or ~/ray_results).",
        _IN,
        metavar="DIR",
    ),
    TrainOption(
        ("--name", "-n", "--experiment-name"),
        "name",
        "Experiment name (default: ALGO_ENV_TIMESTAMP, or the file's key).",
        _IN,
        metavar="NAME",
    ),
    TrainOption(("--num-samples",), "num_samples", "Repeat the search space N times.", _IN, type=_N1, metavar="N"),
    TrainOption(("--seed",), "seed", "Random seed (config key 'seed').", _IN, type=int, metavar="S"),
    TrainOption(
        ("--max-failures",),
        "max_failures",
        "Restart an errored trial from its checkpoint up to N times (-1: always).",
        _IN,
        type=click.IntRange(min=-1),
        metavar="N",
    ),
    TrainOption(
        ("--restart-failed-env-runners/--no-restart-failed-env-runners",),
        "restart_failed_env_runners",
        "Recover from env crashes inside the trial: re-create and reset an env that raises "
        "(its episode is dropped) and restart a dead env-runner actor (RLlib's fault_tolerance). "
        "Without it an env error fails the trial, and --max-failures decides.",
        _IN,
        default=None,
    ),
    TrainOption(
        ("--restore",),
        "restore",
        "Start every trial from this checkpoint's RLModule weights (a checkpoint, trial or experiment dir).",
        _IN,
        metavar="CKPT",
    ),
    TrainOption(
        ("--scheduler",),
        "scheduler",
        "Tune trial scheduler: asha, hyperband, median_stopping_rule, pbt, pb2, ... (Tune's create_scheduler).",
        _IN,
        metavar="NAME",
    ),
    TrainOption(
        ("--scheduler-config",),
        "scheduler_config",
        'The scheduler\'s arguments, e.g. \'{"max_t": 50, "grace_period": 5}\' (metric defaults to the return).',
        _IN,
        metavar="MAPPING",
    ),
    TrainOption(
        ("--search-alg",),
        "search_alg",
        "Tune search algorithm: optuna, hyperopt, bayesopt, nevergrad, ax, random (extras: rlcli[optuna], ...).",
        _IN,
        metavar="NAME",
    ),
    TrainOption(
        ("--search-config",),
        "search_config",
        "The search algorithm's arguments (metric defaults to the return).",
        _IN,
        metavar="MAPPING",
    ),
    TrainOption(
        ("--max-concurrent-trials",),
        "max_concurrent_trials",
        "Run at most N trials at once.",
        _IN,
        type=_N1,
        metavar="N",
    ),
    TrainOption(
        ("--num-seeds",),
        "num_seeds",
        "Repeat each config over seeds S..S+K-1 (S: --seed, default 0); analyze compare --by config pools them.",
        _IN,
        type=_N1,
        metavar="K",
    ),
    TrainOption(
        ("--wandb-project",),
        "wandb_project",
        "Log every trial to this W&B project (WANDB_MODE=offline works).",
        _IN,
        metavar="P",
    ),
    TrainOption(
        ("--wandb-key",),
        "wandb_key",
        "W&B API key (default: WANDB_API_KEY / wandb login); never saved.",
        _IN,
        metavar="KEY",
    ),
    TrainOption(("--wandb-run-name",), "wandb_run_name", "W&B run name.", _IN, metavar="NAME"),
    TrainOption(("--wandb-group",), "wandb_group", "W&B group (default: the experiment name).", _IN, metavar="G"),
    TrainOption(
        ("--mlflow",),
        "mlflow",
        "Log every trial to MLflow (default store: EXP/mlflow.db).",
        _IN,
        is_flag=True,
        default=None,
    ),
    TrainOption(
        ("--mlflow-tracking-uri",),
        "mlflow_tracking_uri",
        "MLflow tracking URI (implies --mlflow).",
        _IN,
        metavar="URI",
    ),
    TrainOption(
        ("--external-env",),
        "external_env",
        "Episodes come from an external simulator: RLlib's RLlink server listens on HOST:PORT "
        "(default host 127.0.0.1; + the env runner index with remote runners); --env gives the spaces only.",
        _IN,
        metavar="[HOST:]PORT",
    ),
    TrainOption(
        ("--video-every",),
        "video_every",
        "Record an MP4 of one greedy episode at iteration 1 and every N iterations into the trial's "
        "videos/ (what monitor: true did; needs the video extra).",
        _IN,
        type=_N1,
        metavar="N",
    ),
    TrainOption(
        ("--import",),
        "imports",
        "Import this module first (repeatable), e.g. one that registers envs: --import mypkg --env NAME.",
        _IN,
        multiple=True,
        metavar="MODULE",
    ),
    # The scale flags of RLlib's own example scripts (add_rllib_example_script_args), with the
    # same names; each sets the config key of that name (SCALE_FLAGS in config.experiments).
    TrainOption(
        ("--num-env-runners",),
        "num_env_runners",
        "Remote env runners (0: sample in the trainer).",
        _IN,
        type=_N0,
        metavar="N",
    ),
    TrainOption(
        ("--num-envs-per-env-runner",),
        "num_envs_per_env_runner",
        "Vectorized envs per env runner.",
        _IN,
        type=_N1,
        metavar="N",
    ),
    TrainOption(
        ("--num-learners",), "num_learners", "Remote learners (0: one local learner).", _IN, type=_N0, metavar="N"
    ),
    TrainOption(
        ("--num-gpus-per-learner",),
        "num_gpus_per_learner",
        "GPUs per learner (e.g. 1).",
        _IN,
        type=click.FloatRange(min=0),
        metavar="G",
    ),
    TrainOption(
        ("--show-metric",),
        "show_metrics",
        "Also show this reported metric in the live progress (repeatable), e.g. env_runners/my_metric.",
        _CMD,
        multiple=True,
        metavar="METRIC",
    ),
    # Where to run: a fresh local Ray (default) or an existing cluster.
    TrainOption(
        ("--ray-address",),
        "ray_address",
        "Join an existing Ray cluster ('auto' or HOST:PORT) instead of starting a local one.",
        _RAY,
        field="address",
        metavar="ADDR",
    ),
    TrainOption(
        ("--ray-num-cpus",),
        "ray_num_cpus",
        "CPUs of the local Ray instance (default: all).",
        _RAY,
        field="num_cpus",
        type=_N1,
        metavar="N",
    ),
    TrainOption(
        ("--ray-num-gpus",),
        "ray_num_gpus",
        "GPUs of the local Ray instance (default: detected).",
        _RAY,
        field="num_gpus",
        type=_N0,
        metavar="N",
    ),
    TrainOption(
        ("--ray-num-nodes",),
        "ray_num_nodes",
        "Emulate a cluster of N nodes here (ray.cluster_utils.Cluster), each with --ray-num-cpus (default 1) CPUs.",
        _RAY,
        field="num_nodes",
        type=_N1,
        metavar="N",
    ),
    TrainOption(
        ("--ray-object-store-memory",),
        "ray_object_store_memory",
        "Object store size of the local Ray (per node with --ray-num-nodes).",
        _RAY,
        field="object_store_memory",
        type=_N1,
        metavar="BYTES",
    ),
    TrainOption(
        ("--ray-ui/--no-ray-ui",),
        "ray_ui",
        "Start Ray's dashboard (default: off).",
        _RAY,
        field="dashboard",
        default=False,
    ),
    TrainOption(
        ("--ray-runtime-env",),
        "ray_runtime_env",
        'Ray\'s runtime environment for every worker, e.g. \'{"working_dir": "."}\' or '
        '\'{"py_modules": ["./mypkg"]}\' to ship your code to a cluster\'s nodes.',
        _RAY,
        field="runtime_env",
        metavar="MAPPING",
        convert=_runtime_env,
    ),
    TrainOption(
        ("--local-mode", "--no-tune"),
        "local_mode",
        "Debug mode: run one trial inside this process (env runners and learner local, no Tune actor), "
        "so breakpoint()/pdb stops in your env, RLModule and callbacks. Writes the trial as Tune would.",
        _CMD,
        is_flag=True,
    ),
    TrainOption(
        ("--resume",),
        "resume",
        "Continue an interrupted experiment (same --name and --storage-path).",
        _CMD,
        is_flag=True,
    ),
    TrainOption(
        ("--dry-run",), "dry_run", "Print the resolved experiments as YAML and exit; starts no Ray.", _CMD, is_flag=True
    ),
    # -v brings back Ray's own logs; -q prints only the final data.
    TrainOption(
        ("-v", "--verbose"),
        "verbose",
        "Show Ray's and RLlib's own logs too (-vv: RLlib's log_level DEBUG).",
        _CMD,
        count=True,
    ),
    TrainOption(("-q", "--quiet"), "quiet", "Print only the summary (or the requested data).", _CMD, is_flag=True),
    # The flags of the RLlib 1.x/2.x rllib train that Ray 2.60 has no direct equivalent for:
    # each is translated by rlcli.core.config.old_flags.apply_old_flags.
    TrainOption(
        ("--upload-dir",),
        "upload_dir",
        "The storage path (Tune 2.60 writes there directly).",
        _OLD,
        metavar="URI",
        section=Section.OLD,
    ),
    TrainOption(
        ("--resources-per-trial",),
        "resources_per_trial",
        "{cpu, gpu} of the trial process → num_cpus_for_main_process, num_gpus_per_learner.",
        _OLD,
        metavar="MAPPING",
        section=Section.OLD,
    ),
    TrainOption(
        ("--framework",),
        "framework",
        "torch (RLlib 2.60's only framework; others say so).",
        _OLD,
        metavar="NAME",
        section=Section.OLD,
    ),
    TrainOption(("--torch",), "torch", "Same as --framework torch.", _OLD, is_flag=True, section=Section.OLD),
    TrainOption(
        ("--eager",),
        "eager",
        "TensorFlow eager mode: gone; says so, trains with torch.",
        _OLD,
        is_flag=True,
        section=Section.OLD,
    ),
    TrainOption(
        ("--trace",),
        "trace",
        "TensorFlow tracing: gone; says so, trains with torch.",
        _OLD,
        is_flag=True,
        section=Section.OLD,
    ),
    # --log-info and --log-debug are verbosity: the command turns them into -v/-vv and RLlib's
    # log_level (OldTrainFlags.log_level).
    TrainOption(
        ("--log-info",),
        "log_info",
        "Same as -v, plus RLlib's log_level INFO.",
        _CMD,
        is_flag=True,
        section=Section.OLD,
    ),
    TrainOption(
        ("--log-debug",),
        "log_debug",
        "Same as -vv: -v plus RLlib's log_level DEBUG.",
        _CMD,
        is_flag=True,
        section=Section.OLD,
    ),
    TrainOption(
        ("--queue-trials",),
        "queue_trials",
        "Tune 2.60 always queues trials; says so.",
        _OLD,
        is_flag=True,
        section=Section.OLD,
    ),
    TrainOption(
        ("--export-formats",),
        "export_formats",
        "Gone from Tune; says where the weights are.",
        _OLD,
        metavar="LIST",
        section=Section.OLD,
    ),
)

#: Parameter name → its row.
BY_DEST: dict[str, TrainOption] = {row.dest: row for row in TRAIN_OPTIONS}


def rows(fills: Fills) -> Iterator[TrainOption]:
    return (row for row in TRAIN_OPTIONS if row.fills is fills)


def values(params: Mapping[str, Any], fills: Fills) -> dict[str, Any]:
    """The fields of ``fills`` that the parsed ``params`` set, by field name."""
    return {row.target: row.value(params) for row in rows(fills)}


def train_options(fn: F) -> F:
    """Every :data:`TRAIN_OPTIONS` row as a click option, listed by ``--help`` in table order."""
    for row in reversed(TRAIN_OPTIONS):
        fn = row.decorator()(fn)
    return fn


def train_inputs(
    params: Mapping[str, Any], files: tuple[str, ...], overrides: tuple[str, ...], legacy_defaults: bool
) -> TrainInputs:
    """The ``TrainInputs`` the options give, with the files and ``KEY=VALUE`` overrides the command
    read out of its positional arguments and whether the old CLI's defaults hold."""
    from rlcli.core.config.experiments import TrainInputs

    given = {**values(params, Fills.INPUTS), "files": files, "overrides": overrides}
    return TrainInputs(**given, legacy_defaults=legacy_defaults)


def ray_options(params: Mapping[str, Any], verbose: bool) -> RayOptions:
    from rlcli.core.spec import RayOptions

    return RayOptions(**values(params, Fills.RAY), verbose=verbose)


def old_train_flags(params: Mapping[str, Any], log_level: str | None) -> OldTrainFlags:
    from rlcli.core.config.old_flags import OldTrainFlags

    return OldTrainFlags(**values(params, Fills.OLD), log_level=log_level)


class SectionedCommand(click.Command):
    """A command whose ``--help`` lists its options by their row's :class:`Section`: the old RLlib
    CLI's flags in a section of their own, so the flags a new user needs stay readable while every
    old command line still parses. Parameters without a row (arguments, ``--help``) are options."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[Section, list[tuple[str, str]]] = {section: [] for section in Section}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                row = BY_DEST.get(param.name or "")
                sections[row.section if row else Section.CURRENT].append(record)
        for section, records in sections.items():
            if records or section is Section.CURRENT:
                with formatter.section(section.value):
                    formatter.write_dl(records)
