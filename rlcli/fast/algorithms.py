"""RLlib's DQN and SAC with the training step of :mod:`rlcli.fast.ready_batches`: the classes a
plain ``rlcli train --run DQN/SAC`` (and the old names that become them) hands to Tune
(:func:`rlcli.core.rllib.fast_defaults.trainable`). Named as RLlib's, so that trials and their
directories are named as before; their configs are RLlib's own ``DQNConfig`` and ``SACConfig``."""

from __future__ import annotations

from ray.rllib.algorithms.dqn.dqn import DQN as RLlibDQN
from ray.rllib.algorithms.sac.sac import SAC as RLlibSAC

from rlcli.fast.ready_batches import ReadyBatches


class DQN(ReadyBatches, RLlibDQN):
    """RLlib's DQN, learning from ready batches where it can."""


class SAC(ReadyBatches, RLlibSAC):
    """RLlib's SAC, learning from ready batches where it can."""
