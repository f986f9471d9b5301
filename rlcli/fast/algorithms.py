"""RLlib's DQN and SAC with the training step of :mod:`rlcli.fast.ready_batches`: the classes a
plain ``rlcli train --run DQN/SAC`` (and the old names that become them) hands to Tune
(:func:`rlcli.core.rllib.fast_defaults.trainable`; ``RLCLI_STOCK_RLLIB=1`` trains RLlib's own).
Named as RLlib's, so that trials and their directories are named as before; their configs are
RLlib's own ``DQNConfig`` and ``SACConfig``."""

from __future__ import annotations

from typing import Any

from ray.rllib.algorithms.dqn.dqn import DQN as RLlibDQN
from ray.rllib.algorithms.sac.sac import SAC as RLlibSAC

from rlcli.fast.ready_batches import ReadyBatches
from rlcli.fast.replay import FAST_BUFFERS


class DQN(ReadyBatches, RLlibDQN):
    """RLlib's DQN, learning from ready batches where it can (its fast buffer comes from the
    config: :mod:`rlcli.core.rllib.fast_defaults`)."""


class SAC(ReadyBatches, RLlibSAC):
    """RLlib's SAC, learning from ready batches where it can.

    Its buffer is built as :data:`rlcli.fast.replay.FAST_BUFFERS` says for RLlib's buffer name:
    the config cannot name the fast buffer, as RLlib 2.60's ``SACConfig.validate()`` accepts
    only RLlib's own buffer names."""

    def _create_local_replay_buffer_if_necessary(self, config: Any) -> Any:
        buffer_config = config.get("replay_buffer_config") or {}
        kind = buffer_config.get("type")
        fast = FAST_BUFFERS.get(kind) if isinstance(kind, str) else None
        if fast is not None:
            config = {"replay_buffer_config": {**buffer_config, "type": fast}}
        return super()._create_local_replay_buffer_if_necessary(config)
