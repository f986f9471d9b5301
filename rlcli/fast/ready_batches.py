"""The DQN family's training step with ready train batches (DQN, SAC, DDPG, TD3): RLlib's DQN
``training_step`` (new API stack, which SAC also runs) with its replay-and-learn part taking the
buffer's ``sample_columns`` to the Learner as a ``MultiAgentBatch``, which the Learner takes as
it is (no learner connector pass).

Why: in the TD3 Pendulum race's profile (``make profile ALGO=TD3``), building one-step episodes
out of the stored ones (RLlib's buffer ``sample``) and the learner connector pipeline that takes
them apart again were 45.6% and 16% of ``training_step``; DQN's and SAC's profiles show the same
pieces (``docs/speed.md``).

Everything around it is DQN's, in its order and with its metrics: sampling the env runners into
the buffer, the store/train ratio of ``training_intensity``, learning only after
``num_steps_sampled_before_learning_starts``, the TD errors taken out of the results to update
the priorities, and the weights synced to the env runners after the updates. It applies with one
of :mod:`rlcli.fast.replay`'s buffers (which the config names: :mod:`rlcli.core.rllib.fast_defaults`,
or SAC's class builds: :mod:`rlcli.fast.algorithms`), RLlib's default learner pipeline, one agent,
a feed-forward module and steps counted in env steps; anything else runs DQN's own step.
:class:`ReadyBatches` puts it into an Algorithm class.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from ray.rllib.core import COMPONENT_LEARNER, COMPONENT_RL_MODULE, DEFAULT_MODULE_ID
from ray.rllib.execution.rollout_ops import synchronous_parallel_sample
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch
from ray.rllib.utils.metrics import (
    ALL_MODULES,
    ENV_RUNNER_RESULTS,
    ENV_RUNNER_SAMPLING_TIMER,
    LEARNER_RESULTS,
    LEARNER_UPDATE_TIMER,
    NUM_AGENT_STEPS_SAMPLED_LIFETIME,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    REPLAY_BUFFER_ADD_DATA_TIMER,
    REPLAY_BUFFER_RESULTS,
    REPLAY_BUFFER_SAMPLE_TIMER,
    REPLAY_BUFFER_UPDATE_PRIOS_TIMER,
    SYNCH_WORKER_WEIGHTS_TIMER,
    TD_ERROR_KEY,
    TIMERS,
    WEIGHTS_SEQ_NO,
)
from ray.rllib.utils.numpy import convert_to_numpy
from ray.rllib.utils.replay_buffers.utils import update_priorities_in_episode_replay_buffer


class ReadyBatches:
    """Mixin for a DQN-family Algorithm class (before RLlib's class in the bases): its training
    step learns from ready batches where it can (see the module docstring)."""

    def _training_step_new_api_stack(self) -> None:
        if not learns_from_ready_batches(self):
            super()._training_step_new_api_stack()  # type: ignore[misc]
            return
        training_step(self)


def learns_from_ready_batches(algo: Any) -> bool:
    """Whether ``algo``'s updates can take ready batches (see the module docstring)."""
    config: Any = algo.config
    return (
        hasattr(algo.local_replay_buffer, "sample_columns")
        and not algo._module_is_stateful
        and not config.is_multi_agent
        and config._learner_connector is None
        and config.add_default_connectors_to_learner_pipeline
        and config.count_steps_by == "env_steps"
    )


def training_step(algo: Any) -> None:
    """One training step of ``algo`` on ready batches (DQN's, see the module docstring)."""
    from ray.rllib.algorithms.dqn.dqn import calculate_rr_weights

    config = algo.config
    store_weight, sample_and_train_weight = (int(weight) for weight in calculate_rr_weights(config))
    for _ in range(store_weight):
        with algo.metrics.log_time((TIMERS, ENV_RUNNER_SAMPLING_TIMER)):
            episodes, env_runner_results = synchronous_parallel_sample(  # type: ignore[misc]
                worker_set=algo.env_runner_group,
                concat=True,
                sample_timeout_s=config.sample_timeout_s,
                _uses_new_env_runners=True,
                _return_metrics=True,
            )
        algo.metrics.aggregate(env_runner_results, key=ENV_RUNNER_RESULTS)
        with algo.metrics.log_time((TIMERS, REPLAY_BUFFER_ADD_DATA_TIMER)):
            algo.local_replay_buffer.add(episodes)

    if algo.metrics.peek((ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME), default=0) < (
        config.num_steps_sampled_before_learning_starts
    ):
        return
    learner_results: list[dict[str, Any]] = []
    for _ in range(sample_and_train_weight):
        learner_results = _learn_on_one_batch(algo)
    if not learner_results:
        return
    modules = set(learner_results[0].keys()) - {ALL_MODULES}
    with algo.metrics.log_time((TIMERS, SYNCH_WORKER_WEIGHTS_TIMER)):
        if algo.env_runner_group.num_remote_workers() == 0 and algo.env_runner_group.local_env_runner is not None:
            _sync_local_env_runner(algo, modules)
        else:
            algo.env_runner_group.sync_weights(
                from_worker_or_learner_group=algo.learner_group,
                policies=modules,
                global_vars=None,
                inference_only=True,
            )


def _sync_local_env_runner(algo: Any, modules: set[str]) -> None:
    """What ``EnvRunnerGroup.sync_weights`` gives the local env runner when there are no remote
    ones (the learner's inference-only module state and its weights' sequence number), without
    its ``ray.put`` of that state for remote env runners that do not exist: with one update per
    env step, that put was 5.4% of TD3's training step (py-spy, ``make profile ALGO=TD3``)."""
    components = [f"{COMPONENT_LEARNER}/{COMPONENT_RL_MODULE}/{module}" for module in sorted(modules)]
    state = algo.learner_group.get_state(components=components, inference_only=True)[COMPONENT_LEARNER]
    algo.env_runner_group.local_env_runner.set_state(
        {key: value for key, value in state.items() if key in (COMPONENT_RL_MODULE, WEIGHTS_SEQ_NO)}
    )


def ready_batch(algo: Any) -> MultiAgentBatch:
    """The replayed transitions of one update, as the Learner's train batch."""
    config = algo.config
    columns = algo.local_replay_buffer.sample_columns(
        config.total_train_batch_size,
        n_step=config.n_step,
        beta=config.replay_buffer_config.get("beta") or 0.0,
        gamma=config.gamma,
    )
    steps = len(columns["n_step"])
    return MultiAgentBatch({DEFAULT_MODULE_ID: SampleBatch(columns)}, env_steps=steps)


def _learn_on_one_batch(algo: Any) -> list[dict[str, Any]]:
    with algo.metrics.log_time((TIMERS, REPLAY_BUFFER_SAMPLE_TIMER)):
        batch = ready_batch(algo)
        algo.metrics.aggregate([algo.local_replay_buffer.get_metrics()], key=REPLAY_BUFFER_RESULTS)
    with algo.metrics.log_time((TIMERS, LEARNER_UPDATE_TIMER)):
        learner_results = algo.learner_group.update(
            batch=batch,
            timesteps={
                NUM_ENV_STEPS_SAMPLED_LIFETIME: algo.metrics.peek((ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME)),
                NUM_AGENT_STEPS_SAMPLED_LIFETIME: algo.metrics.peek(
                    (ENV_RUNNER_RESULTS, NUM_AGENT_STEPS_SAMPLED_LIFETIME)
                ),
            },
        )
        # the TD errors go to the priorities, not to the results (as DQN's step does)
        td_errors: dict[str, list[Any]] = defaultdict(list)
        for result in learner_results:
            for module_id, module_results in result.items():
                if TD_ERROR_KEY in module_results:
                    td_errors[module_id].extend(convert_to_numpy(module_results.pop(TD_ERROR_KEY).peek()))
        algo.metrics.aggregate(learner_results, key=LEARNER_RESULTS)
    with algo.metrics.log_time((TIMERS, REPLAY_BUFFER_UPDATE_PRIOS_TIMER)):
        update_priorities_in_episode_replay_buffer(
            replay_buffer=algo.local_replay_buffer,
            td_errors={mid: {TD_ERROR_KEY: np.concatenate(e, axis=0)} for mid, e in td_errors.items()},
        )
    return learner_results
