"""Every ``rlcli train`` option, parsed: the command line → the ``TrainInputs``, ``RayOptions`` and
request arguments the command hands to ``rlcli.api.train_request``.

The expected values are written out by hand (not derived from the option table), so a change to
how options are declared or filled that changes what a command line means fails here. The API
calls are replaced by recorders: nothing is resolved, Ray is not touched."""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest
from click.testing import CliRunner

from rlcli import api
from rlcli.cli import cli, main
from rlcli.core.config.experiments import TrainInputs
from rlcli.core.spec import RayOptions


@dataclass
class Parsed:
    inputs: TrainInputs
    ray: RayOptions
    resume: bool
    show_metrics: tuple[str, ...]
    local_mode: bool
    command_line: tuple[str, ...]
    then: str  # "plan" (--dry-run) or "train"
    stderr: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class _Stop(Exception):
    pass


def _parse(monkeypatch: pytest.MonkeyPatch, *args: str, program: str = "rlcli") -> Parsed:
    """What ``PROGRAM train ARGS`` asks of the API."""
    seen: dict[str, Any] = {}

    def train_request(inputs: TrainInputs, **kwargs: Any) -> str:
        seen.update(kwargs, inputs=inputs)
        return "request"

    def plan(request: str) -> list[Any]:
        seen["then"] = "plan"
        return []

    def train(request: str, **kwargs: Any) -> list[Any]:
        seen["then"] = "train"
        raise _Stop

    monkeypatch.setattr(api, "train_request", train_request)
    monkeypatch.setattr(api, "plan", plan)
    monkeypatch.setattr(api, "train", train)
    monkeypatch.setattr(sys, "argv", [program, "train", *args])
    result = CliRunner().invoke(cli, ["train", *args], prog_name=program)
    if "then" not in seen:
        raise AssertionError(f"exit {result.exit_code}: {result.output}\n{result.exception!r}")
    notice = seen.pop("notice")
    assert callable(notice)
    return Parsed(
        inputs=seen.pop("inputs"),
        ray=seen.pop("ray"),
        resume=seen.pop("resume"),
        show_metrics=seen.pop("show_metrics"),
        local_mode=seen.pop("local_mode"),
        command_line=seen.pop("command_line"),
        then=seen.pop("then"),
        stderr=result.stderr,
        extra=seen,
    )


def _fails(*args: str) -> tuple[int, str]:
    """Exit code and output of ``rlcli train ARGS`` through the real entry point (errors → exit codes)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exc:
        main(["train", *args])
    return int(exc.value.code or 0), out.getvalue() + err.getvalue()


#: One command line with every current option (primary spellings) and the values it must give.
EVERY_OPTION = (
    *("-f", "a.yaml", "-f", "b.py"),
    *("--run", "PPO", "--env", "CartPole-v1", "--config", '{"lr": 0.1}', "--stop", '{"training_iteration": 3}'),
    *("--env-config", '{"size": 4}', "--checkpoint-freq", "2", "--checkpoint-at-end"),
    *("--keep-checkpoints-num", "3", "--checkpoint-score-attr", "min-loss", "--storage-path", "/tmp/st"),
    *("--name", "exp", "--num-samples", "4", "--seed", "7", "--max-failures", "-1"),
    *("--restart-failed-env-runners", "--restore", "/ckpt", "--scheduler", "asha"),
    *("--scheduler-config", '{"max_t": 5}', "--search-alg", "random", "--search-config", "{}"),
    *("--max-concurrent-trials", "2", "--num-seeds", "3"),
    *("--wandb-project", "P", "--wandb-key", "K", "--wandb-run-name", "R", "--wandb-group", "G"),
    *("--mlflow", "--mlflow-tracking-uri", "file:/tmp/ml", "--external-env", "9000", "--video-every", "5"),
    *("--import", "m1", "--import", "m2"),
    *("--num-env-runners", "0", "--num-envs-per-env-runner", "2", "--num-learners", "1"),
    *("--num-gpus-per-learner", "0.5", "--show-metric", "a/b", "--show-metric", "c"),
    *("--ray-address", "auto", "--ray-num-cpus", "4", "--ray-num-gpus", "0", "--ray-num-nodes", "2"),
    *("--ray-object-store-memory", "1000000", "--ray-ui", "--ray-runtime-env", '{"env_vars": {"A": "1"}}'),
    *("--local-mode", "--resume", "--dry-run", "--verbose"),
    *("lr=0.01", "model_config.fcnet_hiddens=[8]"),
)

EVERY_OPTION_INPUTS = TrainInputs(
    files=("a.yaml", "b.py"),
    run="PPO",
    env="CartPole-v1",
    config='{"lr": 0.1}',
    stop='{"training_iteration": 3}',
    env_config='{"size": 4}',
    checkpoint_freq=2,
    checkpoint_at_end=True,
    keep_checkpoints_num=3,
    checkpoint_score_attr="min-loss",
    storage_path="/tmp/st",
    name="exp",
    num_samples=4,
    seed=7,
    max_failures=-1,
    restart_failed_env_runners=True,
    num_env_runners=0,
    num_envs_per_env_runner=2,
    num_learners=1,
    num_gpus_per_learner=0.5,
    imports=("m1", "m2"),
    overrides=("lr=0.01", "model_config.fcnet_hiddens=[8]"),
    restore="/ckpt",
    scheduler="asha",
    scheduler_config='{"max_t": 5}',
    video_every=5,
    external_env="9000",
    search_alg="random",
    search_config="{}",
    max_concurrent_trials=2,
    num_seeds=3,
    wandb_project="P",
    wandb_key="K",
    wandb_run_name="R",
    wandb_group="G",
    mlflow=True,
    mlflow_tracking_uri="file:/tmp/ml",
    legacy_defaults=False,
)

EVERY_OPTION_RAY = RayOptions(
    address="auto",
    num_cpus=4,
    num_gpus=0,
    verbose=True,
    num_nodes=2,
    object_store_memory=1_000_000,
    dashboard=True,
    runtime_env={"env_vars": {"A": "1"}},
)


def test_every_option_fills_its_field(monkeypatch):
    parsed = _parse(monkeypatch, *EVERY_OPTION)
    assert parsed.inputs == EVERY_OPTION_INPUTS
    assert parsed.ray == EVERY_OPTION_RAY
    assert (parsed.resume, parsed.show_metrics, parsed.local_mode, parsed.then) == (True, ("a/b", "c"), True, "plan")
    assert parsed.command_line == ("rlcli", "train", *EVERY_OPTION)
    assert parsed.extra == {}
    assert type(parsed.inputs.num_gpus_per_learner) is float and type(parsed.ray.num_cpus) is int


def test_nothing_given_is_every_default(monkeypatch):
    parsed = _parse(monkeypatch)
    assert parsed.inputs == TrainInputs()
    assert parsed.ray == RayOptions()
    assert (parsed.resume, parsed.show_metrics, parsed.local_mode, parsed.then) == (False, (), False, "train")
    assert parsed.stderr == ""


def test_rllib_keeps_the_old_defaults(monkeypatch):
    parsed = _parse(monkeypatch, "--run", "PPO", program="rllib")
    assert parsed.inputs == TrainInputs(run="PPO", legacy_defaults=True)
    assert parsed.command_line == ("rllib", "train", "--run", "PPO")


#: Other spellings of the options → (TrainInputs or RayOptions or request field, value).
ALIASES = [
    (("--file", "x.yaml"), "files", ("x.yaml",)),
    (("--config-file", "x.yaml"), "files", ("x.yaml",)),
    (("--algo", "DQN"), "run", "DQN"),
    (("-r", "DQN"), "run", "DQN"),
    (("-a", "DQN"), "run", "DQN"),
    (("-e", "Pendulum-v1"), "env", "Pendulum-v1"),
    (("-c", "{}"), "config", "{}"),
    (("-s", "{}"), "stop", "{}"),
    (("--local-dir", "/tmp/ld"), "storage_path", "/tmp/ld"),
    (("-n", "x"), "name", "x"),
    (("--experiment-name", "x"), "name", "x"),
    (("--no-checkpoint-at-end",), "checkpoint_at_end", False),
    (("--no-restart-failed-env-runners",), "restart_failed_env_runners", False),
    (("--no-ray-ui",), "ray.dashboard", False),
    (("--no-tune",), "local_mode", True),
    (("-v",), "ray.verbose", True),
    (("-vv",), "overrides", ("log_level=DEBUG",)),
    (("--verbose", "--verbose"), "ray.verbose", True),
    (("-q",), "ray.verbose", False),
    (("--quiet",), "ray.verbose", False),
    (("-f", "a.yaml", "file", "b.yaml", "lr=1"), "files", ("a.yaml", "b.yaml")),
    (("file", "b.yaml", "lr=1"), "overrides", ("lr=1",)),
]


def _field(parsed: Parsed, name: str) -> Any:
    if name.startswith("ray."):
        return getattr(parsed.ray, name[4:])
    if name == "local_mode":
        return parsed.local_mode
    return getattr(parsed.inputs, name)


@pytest.mark.parametrize("args, name, value", ALIASES, ids=[" ".join(a) for a, _, _ in ALIASES])
def test_other_spellings(monkeypatch, args, name, value):
    assert _field(_parse(monkeypatch, *args), name) == value


#: The old ``rllib train`` flags → (TrainInputs/RayOptions field or "stderr", value or text in it).
OLD_FLAGS = [
    (("--upload-dir", "s3://b/x"), "storage_path", "s3://b/x"),
    (("--upload-dir", "s3://b/x"), "stderr", "--upload-dir s3://b/x: Tune 2.60 writes the experiment there directly"),
    (("--local-dir", "/tmp/l", "--upload-dir", "s3://b/x"), "storage_path", "s3://b/x"),
    (("--local-dir", "/tmp/l", "--upload-dir", "s3://b/x"), "stderr", "; --local-dir /tmp/l left out"),
    (
        ("--resources-per-trial", '{"cpu": 2, "gpu": 1}', "lr=1"),
        "overrides",
        ("num_cpus_for_main_process=2", "num_gpus_per_learner=1", "lr=1"),
    ),
    (("--resources-per-trial", '{"extra_cpu": 2}'), "stderr", "RLlib 2.60 sizes each trial itself"),
    (("--framework", "tf2"), "stderr", "--framework tf2: RLlib 2.60's new API stack trains with torch only"),
    (("--framework", "torch"), "stderr", ""),
    (("--torch",), "stderr", ""),
    (("--torch",), "overrides", ()),
    (("--eager",), "stderr", "--eager: TensorFlow's eager mode and tracing left RLlib"),
    (("--trace",), "stderr", "--trace: TensorFlow's eager mode and tracing left RLlib"),
    (("--queue-trials",), "stderr", "--queue-trials: Tune 2.60 always queues trials"),
    (("--queue-trials", "-q"), "stderr", ""),
    (("--export-formats", "h5"), "stderr", "--export-formats h5: Tune 2.60 exports nothing itself"),
    (("--log-info", "lr=1"), "overrides", ("log_level=INFO", "lr=1")),
    (("--log-info",), "ray.verbose", True),
    (("--log-info", "-v"), "overrides", ("log_level=INFO",)),
    (("--log-debug",), "overrides", ("log_level=DEBUG",)),
    (("--log-debug",), "ray.verbose", True),
    (("-v",), "overrides", ()),
    (("--log-info", "-vv"), "overrides", ("log_level=DEBUG",)),
]


@pytest.mark.parametrize("args, name, value", OLD_FLAGS, ids=[" ".join(a) + f" {n}" for a, n, _ in OLD_FLAGS])
def test_old_rllib_flags(monkeypatch, args, name, value):
    parsed = _parse(monkeypatch, "--run", "PPO", *args)
    if name == "stderr":
        assert value in parsed.stderr if value else parsed.stderr == ""
    else:
        assert _field(parsed, name) == value


#: Ranged options: (flag, the lowest value accepted, its parsed type).
RANGES = [
    ("--checkpoint-freq", 0, int),
    ("--keep-checkpoints-num", 1, int),
    ("--num-samples", 1, int),
    ("--max-failures", -1, int),
    ("--max-concurrent-trials", 1, int),
    ("--num-seeds", 1, int),
    ("--video-every", 1, int),
    ("--num-env-runners", 0, int),
    ("--num-envs-per-env-runner", 1, int),
    ("--num-learners", 0, int),
    ("--num-gpus-per-learner", 0, float),
    ("--ray-num-cpus", 1, int),
    ("--ray-num-gpus", 0, int),
    ("--ray-num-nodes", 1, int),
    ("--ray-object-store-memory", 1, int),
]


@pytest.mark.parametrize("flag, lowest, kind", RANGES, ids=[r[0] for r in RANGES])
def test_ranged_options_take_their_lowest_value_and_refuse_below(monkeypatch, flag, lowest, kind):
    parsed = _parse(monkeypatch, flag, str(lowest))
    name = flag[2:].replace("-", "_")
    value = getattr(parsed.ray, name[4:]) if name.startswith("ray_") else getattr(parsed.inputs, name)
    assert value == lowest and type(value) is kind
    code, output = _fails(flag, str(lowest - 1))
    assert code == 2 and f"Invalid value for '{flag}'" in output


@pytest.mark.parametrize("flag", ["--seed", "--checkpoint-freq", "--ray-num-cpus", "--num-gpus-per-learner"])
def test_numbers_refuse_words(flag):
    code, output = _fails(flag, "many")
    assert code == 2 and f"Invalid value for '{flag}'" in output


@pytest.mark.parametrize(
    "args, message",
    [
        (("--log-debug", "-q"), "-v and -q contradict each other."),
        (("-v", "--quiet"), "-v and -q contradict each other."),
        (("file",), "'train file' needs the file"),
        (("--no-such-flag",), "No such option '--no-such-flag'"),
        (("--run",), "Option '--run' requires an argument."),
    ],
)
def test_command_lines_that_do_not_parse(args, message):
    code, output = _fails(*args)
    assert code == 2 and message in output, output


def test_every_spelling_of_every_option_is_exercised_here():
    """The lists above name each flag ``rlcli train`` takes, in each of its spellings."""
    from rlcli.commands.train import train

    declared = {opt for param in train.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("-")}
    used = set(EVERY_OPTION) | {a for args, _, _ in ALIASES + OLD_FLAGS for a in args} | {r[0] for r in RANGES}
    assert declared - used == set(), "give each new spelling a case above"
