"""The faster RLlib pieces of :mod:`rlcli.fast` as the defaults of plain runs, where they are
verified equal to RLlib's (tests/integration/test_fast_pieces.py).

- SAC: ``rl_module_spec.catalog_class`` = :class:`rlcli.fast.sac.ConcatQSACCatalog` (Q-networks
  as one MLP over (obs, action), as in the SAC paper and SB3, instead of RLlib's multi-stream
  encoder with a fusion network: 10x fewer multiply-adds per update).
- DQN, DDPG and TD3 (and the old names that become them: APEX, SimpleQ, APEX_DDPG):
  ``replay_buffer_config.type`` = :class:`rlcli.fast.replay.FastPrioritizedEpisodeReplayBuffer`
  where the config asks for RLlib's ``PrioritizedEpisodeReplayBuffer``, and
  :class:`rlcli.fast.replay.FastEpisodeReplayBuffer` where it asks for the uniform
  ``EpisodeReplayBuffer`` (by that short name, or by leaving the algorithm's default): the same
  samples from the same draws, cheaper per sampled transition. (SAC's ``validate()`` in RLlib
  2.60 accepts only RLlib's four episode buffer names, so SAC keeps its own.)

- DQN and SAC: the Tune trainable is :mod:`rlcli.fast.algorithms`' ``DQN`` / ``SAC`` (RLlib's,
  named as RLlib's, with the training step of :mod:`rlcli.fast.ready_batches`: replayed
  transitions go to the Learner as a ready train batch; SAC's class builds its buffer as the
  fast one, after RLlib's validation). rlcli's DDPG and TD3 have that step themselves.

A config that sets its own ``rl_module_spec`` keeps it untouched, and so does a multi-agent one.
A ``--restore`` checkpoint whose weights fit only the stock pieces trains on with those
(:func:`rlcli.core.train.prepare.prepare`). RLlib's stock pieces, everywhere:
``RLCLI_STOCK_RLLIB=1`` in the environment; for SAC's network alone,
``rl_module_spec: {catalog_class: ray.rllib.algorithms.sac.sac_catalog:SACCatalog}``. (RLlib's
DQN buffer cannot be named by its dotted path in 2.60: see :mod:`rlcli.fast.replay`.)
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from rlcli.core.rllib.multiagent import names_policies
from rlcli.core.spec import ExperimentSpec

#: The environment variable that keeps every RLlib piece stock.
STOCK_ENV = "RLCLI_STOCK_RLLIB"

#: Algorithm registry name → the config keys rlcli sets when the user set none of them.
FAST_PIECES: dict[str, dict[str, object]] = {
    "SAC": {"rl_module_spec": {"catalog_class": "rlcli.fast.sac:ConcatQSACCatalog"}},
}

FAST_BUFFER = "rlcli.fast.replay.FastPrioritizedEpisodeReplayBuffer"
FAST_UNIFORM_BUFFER = "rlcli.fast.replay.FastEpisodeReplayBuffer"
#: RLlib's replay buffer type name → the fast buffer that samples the same.
FAST_BUFFERS: dict[str, str] = {
    "PrioritizedEpisodeReplayBuffer": FAST_BUFFER,
    "EpisodeReplayBuffer": FAST_UNIFORM_BUFFER,
}
#: The algorithms whose training step samples the buffer as the fast buffers are tested for
#: (DQN's ``training_step``: single-agent transitions; DDPG and TD3 inherit it).
FAST_BUFFER_ALGORITHMS = frozenset({"DQN", "DDPG", "TD3"})


def stock_requested() -> bool:
    return os.environ.get(STOCK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def apply(spec: ExperimentSpec, default_config: Any = None) -> ExperimentSpec:
    """``spec`` with the fast pieces of its algorithm added where its config leaves them open.

    ``default_config`` is the algorithm's default ``AlgorithmConfig``: a new buffer type makes
    RLlib replace the whole default ``replay_buffer_config`` (its ``deep_update`` overrides all
    keys when ``type`` changes), so the defaults it would have kept (capacity, alpha, beta) are
    written out here."""
    if names_policies(spec.config) or stock_requested():
        return spec
    pieces = FAST_PIECES.get(spec.algorithm, {})
    added = {key: value for key, value in pieces.items() if key not in spec.config}
    buffer = spec.config.get("replay_buffer_config", {})
    if spec.algorithm in FAST_BUFFER_ALGORITHMS and isinstance(buffer, dict):
        defaults = dict(getattr(default_config, "replay_buffer_config", None) or {})
        stock = buffer.get("type", defaults.get("type", "PrioritizedEpisodeReplayBuffer"))
        if isinstance(stock, str) and stock in FAST_BUFFERS:
            added["replay_buffer_config"] = {**defaults, **buffer, "type": FAST_BUFFERS[stock]}
    if not added:
        return spec
    return dataclasses.replace(spec, config={**spec.config, **added})


#: RLlib's Algorithm classes (by module path and name) → the rlcli.fast class trained in their place.
FAST_TRAINABLES = {
    ("ray.rllib.algorithms.dqn.dqn", "DQN"): "rlcli.fast.algorithms:DQN",
    ("ray.rllib.algorithms.sac.sac", "SAC"): "rlcli.fast.algorithms:SAC",
}


def trainable(spec: ExperimentSpec, algorithm_cls: Any) -> Any:
    """The class Tune trains for ``spec``: :data:`FAST_TRAINABLES`' for RLlib's DQN and SAC
    (single-agent, unless ``RLCLI_STOCK_RLLIB``), else ``algorithm_cls`` itself."""
    path = FAST_TRAINABLES.get((getattr(algorithm_cls, "__module__", ""), getattr(algorithm_cls, "__qualname__", "")))
    if path is None or names_policies(spec.config) or stock_requested():
        return algorithm_cls
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
