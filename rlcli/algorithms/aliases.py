"""Old algorithm names that run as another algorithm with some settings: config, not code.

Each entry of :data:`TRANSLATIONS` says which registry algorithm runs (``runs``), the settings
that make it the old algorithm (``config``: defaults under the user's own config, so a file's
keys win), and the one-line notice that says what runs and what differs. The experiment builder
(``rlcli.core.config.experiments``) applies them where it reads ``run:`` / ``--run``, before the
config's legacy keys are translated; ``rollout --run OLD`` accepts the checkpoint of ``runs``.

Keys are the old names in upper case (names are matched case-insensitively). Pure data: no Ray.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Translation:
    """An old algorithm as ``runs`` with ``config`` underneath the user's settings."""

    runs: str
    notice: str
    config: Mapping[str, Any] = field(default_factory=dict)


#: Env runners APEX runs with (old APEX sampled with 32 workers; rlcli fits them to the machine).
APEX_ENV_RUNNERS = 32
#: Learners DD-PPO runs with when the file does not say (old DDPPO's default of 2 workers, each learning).
DDPPO_LEARNERS = 2

TRANSLATIONS: dict[str, Translation] = {
    "APEX": Translation(
        "DQN",
        "APEX runs as DQN with prioritized replay, 3-step returns and many env runners (RLlib's own mapping): "
        "the new stack has no distributed replay shards or per-runner epsilons; one learner samples the buffer.",
        {
            "replay_buffer_config": {"type": "PrioritizedEpisodeReplayBuffer"},
            "n_step": 3,
            "num_env_runners": APEX_ENV_RUNNERS,
        },
    ),
    "APEX_DQN": Translation(
        "DQN",
        "APEX_DQN runs as DQN with prioritized replay, 3-step returns and many env runners (RLlib's own mapping): "
        "the new stack has no distributed replay shards or per-runner epsilons; one learner samples the buffer.",
        {
            "replay_buffer_config": {"type": "PrioritizedEpisodeReplayBuffer"},
            "n_step": 3,
            "num_env_runners": APEX_ENV_RUNNERS,
        },
    ),
    # The old ApexDDPGConfig's defaults that mean something on the new stack: prioritized replay,
    # 3-step returns, 32 env runners (fitted to the machine), its batch, fragment and target settings.
    "APEX_DDPG": Translation(
        "DDPG",
        "APEX_DDPG runs as DDPG with prioritized replay, 3-step returns and many env runners (the Ape-X "
        "settings); its distributed replay shards and asynchronous learner do not exist on the new stack.",
        {
            "replay_buffer_config": {
                "type": "PrioritizedEpisodeReplayBuffer",
                "capacity": 2_000_000,
                "alpha": 0.6,
                "beta": 0.4,
            },
            "n_step": 3,
            "num_env_runners": APEX_ENV_RUNNERS,
            "train_batch_size": 512,
            "rollout_fragment_length": 50,
            "target_network_update_freq": 500_000,
            "training_intensity": 1,
            "num_steps_sampled_before_learning_starts": 50_000,
            "min_sample_timesteps_per_iteration": 25_000,
            "min_time_s_per_iteration": 30,
        },
    ),
    "SIMPLEQ": Translation(
        "DQN",
        "SimpleQ runs as DQN without double-Q, dueling heads, noisy nets or prioritized replay (what SimpleQ was).",
        {
            "double_q": False,
            "dueling": False,
            "noisy": False,
            "n_step": 1,
            "replay_buffer_config": {"type": "EpisodeReplayBuffer"},
        },
    ),
    "DDPPO": Translation(
        "PPO",
        f"DDPPO runs as PPO with num_learners (default {DDPPO_LEARNERS}): the new stack's distributed "
        "data-parallel learners (torch DDP) replace DD-PPO's learning rollout workers; env runners only sample.",
        {"num_learners": DDPPO_LEARNERS},
    ),
    "DD_PPO": Translation(
        "PPO",
        f"DD_PPO runs as PPO with num_learners (default {DDPPO_LEARNERS}): the new stack's distributed "
        "data-parallel learners (torch DDP) replace DD-PPO's learning rollout workers; env runners only sample.",
        {"num_learners": DDPPO_LEARNERS},
    ),
    "A3C": Translation(
        "A3C",
        "A3C runs as A2C fed by asynchronous env runners: the new stack has no asynchronous gradient workers, so "
        "each runner's fragment, sampled with the weights it had, gets one gradient step on the learner.",
    ),
}


def translation(name: str) -> Translation | None:
    """The translation of an old algorithm name (any case), or None."""
    return TRANSLATIONS.get(name.strip().upper())
