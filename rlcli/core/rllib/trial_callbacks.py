"""Callbacks rlcli adds to a trial's config: ``--restore CKPT``, ``--video-every N`` and the
recorder of ``output: DIR``.

``--restore`` (the old ``rllib train --restore``): every trial starts from a checkpoint's RLModule
weights. Tune 2.60's ``Tuner`` has no ``restore=`` for fresh trials, so the weights are loaded by
RLlib's own ``on_algorithm_init`` callback with ``restore_from_path(component=...)``, which also
syncs them to the env runners; optimizer state and counters start fresh, as a fine-tuning run
wants. ``--video-every`` adds an ``on_train_result`` function (see
:mod:`rlcli.core.rollout.training_videos`, loaded by import path like a user's callback, so the
training package does not depend on the rollout one).

Both are ``functools.partial`` objects of module functions, so they pickle into remote trial
actors, and both go in front of the user's own functions of the same event (RLlib calls them in
list order: the user's ``on_algorithm_init`` sees the restored weights)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from rlcli.core.rllib.episode_recorder import record_finished_episodes
from rlcli.core.rllib.module_weights import MODULE_COMPONENT, check_checkpoint_modules, load_rl_module
from rlcli.core.rllib.resolve import import_object

__all__ = ["MODULE_COMPONENT", "add_callback", "load_module_weights", "restore_mismatch", "with_trial_callbacks"]
#: The function that records the videos of ``--video-every``.
TRAINING_VIDEO = "rlcli.core.rollout.training_videos:record_training_video"


def load_module_weights(checkpoint: str, algorithm: Any, **kwargs: Any) -> None:
    """``on_algorithm_init``: the RLModule weights of ``checkpoint`` into the new algorithm
    (checked first: RLlib loads them with ``strict=False``, see :mod:`.module_weights`)."""
    check_checkpoint_modules(checkpoint)
    algorithm.restore_from_path(Path(checkpoint) / MODULE_COMPONENT, component=MODULE_COMPONENT)


def add_callback(config: dict[str, Any], event: str, function: Any) -> dict[str, Any]:
    """The RLlib config mapping with ``function`` first among the ``event`` functions
    (``event`` is the attribute ``callbacks(on_...=)`` sets, e.g. ``callbacks_on_train_result``)."""
    previous = config.get(event)
    user = list(previous) if isinstance(previous, (list, tuple)) else [previous] if previous else []
    return {**config, event: [function, *user]}


def with_trial_callbacks(config: dict[str, Any], restore: str | None, video_every: int | None) -> dict[str, Any]:
    """``config`` plus the callbacks ``--restore``, ``--video-every`` and ``output: DIR`` need
    (a local ``output`` is recorded by rlcli, not by RLlib: see
    :mod:`rlcli.core.rllib.episode_recorder`)."""
    output = config.get("output")
    if isinstance(output, str) and "://" not in output:
        config = {key: value for key, value in config.items() if key != "output"}
        config = add_callback(config, "callbacks_on_sample_end", functools.partial(record_finished_episodes, output))
    if restore:
        config = add_callback(config, "callbacks_on_algorithm_init", functools.partial(load_module_weights, restore))
    if video_every:
        record = import_object(TRAINING_VIDEO, "rlcli's training-video callback")
        config = add_callback(config, "callbacks_on_train_result", functools.partial(record, video_every))
    return config


def restore_mismatch(algo_config: Any, checkpoint: str) -> str | None:
    """Why the checkpoint's RLModule weights cannot load into the module ``algo_config`` builds
    (None: they can): a different network (``fcnet_hiddens``), module ids or module class would
    otherwise fail inside the trial with torch's ``Error(s) in loading state_dict``. Both modules
    are built here, on the saved module's own spaces, and their weight shapes compared."""
    saved: Any = load_rl_module(Path(checkpoint) / MODULE_COMPONENT)  # a MultiRLModule
    spaces = {mid: (module.observation_space, module.action_space) for mid, module in saved.items()}
    try:
        new = algo_config.get_multi_rl_module_spec(spaces=spaces).build()
    except Exception as exc:  # e.g. a policy mapping that names other module ids
        return f"the configured RLModule cannot be built on the checkpoint's spaces ({type(exc).__name__}: {exc})"
    if set(new.keys()) != set(saved.keys()):
        return f"the checkpoint holds modules {sorted(saved.keys())}, the config builds {sorted(new.keys())}"
    for mid in saved.keys():  # noqa: SIM118 (a MultiRLModule, not a dict: it does not iterate)
        old_shapes = _shapes(saved[mid])
        for name, shape in _shapes(new[mid]).items():
            if old_shapes.get(name) != shape:
                return f"module '{mid}': {name} is {old_shapes.get(name)} in the checkpoint but {shape} in this config"
    return None


def _shapes(module: Any) -> dict[str, tuple[int, ...]]:
    return {name: tuple(value.shape) for name, value in module.state_dict().items()}
