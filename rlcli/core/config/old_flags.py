"""The old ``rllib train`` flags whose capability moved or is gone in Ray 2.60, turned into what
they mean now. Each is honored where Ray 2.60 can (``--upload-dir`` is the storage path,
``--resources-per-trial`` the trainer's own resources, ``-vv`` RLlib's DEBUG log level) and
otherwise answered with one notice of what happens instead; none is silently ignored."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from rlcli.core.config.experiments import TrainInputs
from rlcli.core.config.overrides import load_mapping
from rlcli.core.errors import ConfigError

#: ``--resources-per-trial`` keys → the AlgorithmConfig key that requests them in Ray 2.60 (the
#: trial's own process hosts the local learner when ``num_learners`` is 0).
_TRIAL_RESOURCES = {"cpu": "num_cpus_for_main_process", "gpu": "num_gpus_per_learner"}
_SIZED_BY_RLLIB = ("extra_cpu", "extra_gpu")


@dataclass(frozen=True)
class OldTrainFlags:
    """What the old CLIs took and Ray 2.60 has no direct equivalent for."""

    upload_dir: str | None = None
    resources_per_trial: str | None = None
    framework: str | None = None
    torch: bool = False
    eager: bool = False
    trace: bool = False
    log_level: str | None = None
    queue_trials: bool = False
    export_formats: str | None = None


def apply_old_flags(flags: OldTrainFlags, inputs: TrainInputs) -> tuple[TrainInputs, list[str]]:
    """``inputs`` with the old flags' meaning in it, and the notices saying what changed."""
    notices: list[str] = []
    overrides: list[str] = []
    storage = inputs.storage_path
    if flags.upload_dir:
        dropped = f"; --local-dir {storage} left out" if storage else ""
        notices.append(f"--upload-dir {flags.upload_dir}: Tune 2.60 writes the experiment there directly{dropped}")
        storage = flags.upload_dir
    if flags.resources_per_trial:
        overrides += _trial_resources(load_mapping(flags.resources_per_trial, "--resources-per-trial"), notices)
    notices += _framework_notices(flags)
    if flags.log_level:
        overrides.append(f"log_level={flags.log_level}")
    if flags.queue_trials:
        notices.append("--queue-trials: Tune 2.60 always queues trials until resources free up")
    if flags.export_formats:
        notices.append(
            f"--export-formats {flags.export_formats}: Tune 2.60 exports nothing itself; every checkpoint "
            "holds the torch RLModule under learner_group/learner/rl_module/"
        )
    return dataclasses.replace(inputs, storage_path=storage, overrides=(*overrides, *inputs.overrides)), notices


def _trial_resources(resources: dict[str, Any], notices: list[str]) -> list[str]:
    overrides = []
    for key, value in resources.items():
        if key in _TRIAL_RESOURCES:
            overrides.append(f"{_TRIAL_RESOURCES[key]}={value}")
        elif key in _SIZED_BY_RLLIB:
            notices.append(
                f"--resources-per-trial {key}: RLlib 2.60 sizes each trial itself from num_env_runners, "
                "num_cpus_per_env_runner, num_learners and num_gpus_per_learner; set those instead"
            )
        else:
            raise ConfigError(
                f"--resources-per-trial: unknown resource '{key}'.",
                'Use cpu and gpu (the trial\'s own process), e.g. \'{"cpu": 1, "gpu": 0}\'.',
            )
    mapped = ", ".join(f"{k} → {_TRIAL_RESOURCES[k]}" for k in resources if k in _TRIAL_RESOURCES)
    if mapped:
        notices.append(f"--resources-per-trial: {mapped} (what Ray 2.60's RLlib requests for the trial process)")
    return overrides


def _framework_notices(flags: OldTrainFlags) -> list[str]:
    notices = []
    framework = (flags.framework or "").lower()
    if framework and framework != "torch":
        notices.append(f"--framework {flags.framework}: RLlib 2.60's new API stack trains with torch only; using torch")
    for flag, used in (("--eager", flags.eager), ("--trace", flags.trace)):
        if used:
            notices.append(f"{flag}: TensorFlow's eager mode and tracing left RLlib with TensorFlow; using torch")
    return notices
