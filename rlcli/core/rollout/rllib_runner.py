"""The general rollout path: RLlib's own EnvRunner, restored from the checkpoint.

Slower than the RLModule fast path, but exact for everything RLlib supports (multi-agent,
recurrent modules, any connector), because it is what training's evaluation runs.

Two things are done on rlcli's side rather than left to ``env_runner.sample(num_episodes=N)``:
- Fair episode counts. ``sample(num_episodes=N)`` over K envs keeps the first N episodes to
  finish, which favours short episodes. Here the runner samples in chunks of steps and a callback
  records every finished episode with the index of the env it ran in; each env's first quota
  episodes count, in start order, whatever their length.
- Seeds. The EnvRunner seeds its envs only from ``config.seed``; with none, RLlib's multi-agent env
  check has already reset every sub-env with seed 42, so all of them replay the same episodes.
  rlcli always sets a seed (``--seed``, else a fresh random one, reported in the result).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rlcli.core.errors import RlcliError, UsageError
from rlcli.core.rllib.module_weights import check_checkpoint_modules
from rlcli.core.rllib.resolve import register_env, resolve_env
from rlcli.core.rollout.legacy_out import LegacySaver, LegacyStep, is_parquet, saver_for
from rlcli.core.rollout.policy import episode_quotas
from rlcli.core.rollout.recording_env import recorder_of, register_recording_env
from rlcli.core.rollout.request import RolloutSpec
from rlcli.core.rollout.result import RolloutResult

#: Vector steps per ``sample()`` call: small enough not to overshoot the quotas by much, large
#: enough that the per-call overhead (metrics, episode chunking) stays negligible.
STEPS_PER_CALL = 64


@dataclass
class EpisodeRecord:
    """One finished episode, stitched from the chunks ``sample()`` returned it in."""

    env_return: float
    length: int
    agent_returns: dict[str, float] = field(default_factory=dict)
    agent_modules: dict[str, str] = field(default_factory=dict)
    #: The env's own steps (``--out`` in the old format only), from its :class:`RecordingEnv`.
    steps: list[LegacyStep] = field(default_factory=list)


def episode_record(chunks: list[Any]) -> EpisodeRecord:
    """Whole-episode return, length and (multi-agent) per-agent returns and policies."""
    record = EpisodeRecord(sum(float(c.get_return()) for c in chunks), sum(len(c) for c in chunks))
    for chunk in chunks:
        for agent, agent_episode in getattr(chunk, "agent_episodes", {}).items():
            key = str(agent)
            record.agent_returns[key] = record.agent_returns.get(key, 0.0) + float(agent_episode.get_return())
            record.agent_modules[key] = str(chunk.module_for(agent))
    return record


class EpisodeCollector:
    """An ``on_episode_end`` callback: each finished episode by the env index it ran in.

    RLlib deep-copies the config into the EnvRunner; the collector copies as itself, so the driver
    reads what the (local) EnvRunner recorded."""

    def __init__(self, num_envs: int, saver: LegacySaver | None = None) -> None:
        self.by_env: list[list[EpisodeRecord]] = [[] for _ in range(num_envs)]
        self.saver = saver

    def __deepcopy__(self, memo: dict[int, Any]) -> EpisodeCollector:
        return self

    def __call__(
        self, *, episode: Any, env_index: int, prev_episode_chunks: Any = (), env: Any = None, **_: Any
    ) -> None:
        record = episode_record([*prev_episode_chunks, episode])
        if self.saver is not None:
            recorder = recorder_of(env, env_index)
            if recorder is None:
                raise RlcliError(f"--out: the steps of env {env_index} were not recorded (no RecordingEnv in it).")
            record.steps = recorder.finished
            finished = [r for done in self.by_env for r in done]
            self.saver.progress(len(finished) + 1, sum(r.length for r in finished) + record.length)
        self.by_env[env_index].append(record)

    def met(self, quotas: np.ndarray) -> bool:
        return all(len(done) >= quota for done, quota in zip(self.by_env, quotas, strict=True))

    def counted(self, quotas: np.ndarray | None) -> list[EpisodeRecord]:
        """Each env's first ``quota`` episodes (all finished ones for ``--steps``)."""
        limits = quotas if quotas is not None else [None] * len(self.by_env)
        return [r for done, quota in zip(self.by_env, limits, strict=True) for r in done[:quota]]


def _more(spec: RolloutSpec, collector: EpisodeCollector, quotas: np.ndarray | None, steps: int) -> bool:
    """Sample on: the step budget is not spent and some env has not met its quota."""
    if spec.steps and steps >= spec.steps:
        return False
    return quotas is not None and not collector.met(quotas)


def _sample(
    runner: Any, spec: RolloutSpec, collector: EpisodeCollector, num_envs: int
) -> tuple[int, np.ndarray | None]:
    """Sample until every env met its quota or ``--steps`` ran, whichever comes first (both may
    be given): the env steps taken, the quotas."""
    quotas = episode_quotas(spec.episodes, num_envs) if spec.episodes else None
    steps, first = 0, True
    while first or _more(spec, collector, quotas, steps):
        chunk = STEPS_PER_CALL * num_envs if quotas is not None else (spec.steps or 0) - steps
        if spec.steps:
            chunk = min(chunk, spec.steps - steps)
        episodes = runner.sample(num_timesteps=chunk, explore=spec.explore, force_reset=first)
        steps += sum(len(e) for e in episodes)
        runner.get_metrics()  # drops the finished episodes RLlib keeps for its metrics
        first = False
    return steps, quotas


def _fill(result: RolloutResult, records: list[EpisodeRecord], saver: LegacySaver | None) -> None:
    result.returns = [r.env_return for r in records]
    if saver is not None:
        saver.add_all([r.steps for r in records])
    result.lengths = [r.length for r in records]
    if any(r.agent_returns for r in records):
        result.agent_returns = [r.agent_returns for r in records]
        for r in records:
            result.agent_modules.update(r.agent_modules)


def _build_env_runner(
    spec: RolloutSpec,
    state: dict[str, Any],
    env_name: str,
    env_config: dict[str, Any],
    num_envs: int,
    saver: LegacySaver | None,
) -> tuple[Any, EpisodeCollector]:
    """The checkpoint's EnvRunner (the one a trial samples with) with ``num_envs`` envs, its
    connectors' and RLModules' states restored, and the collector.

    Built in this process, as an Algorithm builds its local EnvRunner, without the Algorithm (its
    Learner, and the local Ray instance it needs: 5-6 s of a 7 s multi-agent rollout). The states
    are the ones ``Algorithm.restore_from_path`` gives it: the connectors' from the checkpoint's
    ``env_runner/``, the modules' weights from the Learner's (RLlib syncs them the same way; an
    inference-only module ignores the training-only weights)."""
    from ray.rllib.core import COMPONENT_LEARNER, COMPONENT_LEARNER_GROUP, COMPONENT_RL_MODULE, DEFAULT_MODULE_ID
    from ray.rllib.env.multi_agent_env_runner import MultiAgentEnvRunner
    from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner
    from ray.rllib.utils import force_list

    resolved = resolve_env(env_name)
    register_env(resolved)
    config = state["class"].from_state(state).copy(copy_frozen=False)
    config.environment(env=register_recording_env(resolved) if saver is not None else env_name, env_config=env_config)
    config.env_runners(num_env_runners=0, num_envs_per_env_runner=num_envs)
    config.evaluation(evaluation_num_env_runners=0, evaluation_interval=None)
    config.debugging(seed=spec.seed)
    collector = EpisodeCollector(num_envs, saver)
    config.callbacks(on_episode_end=[*force_list(config.callbacks_on_episode_end), collector])
    check_checkpoint_modules(spec.checkpoint.path)  # RLlib would fail in torch, or load strict=False
    runner_class = config.env_runner_cls or (MultiAgentEnvRunner if config.is_multi_agent else SingleAgentEnvRunner)
    runner = runner_class(config=config, worker_index=0, num_workers=0)  # as the Algorithm's local one
    checkpoint = spec.checkpoint.path
    if (checkpoint / "env_runner").is_dir():
        runner.restore_from_path(str(checkpoint / "env_runner"))
    modules = checkpoint / COMPONENT_LEARNER_GROUP / COMPONENT_LEARNER / COMPONENT_RL_MODULE
    module: Any = runner.module  # built by the constructor above
    module.restore_from_path(str(modules if config.is_multi_agent else modules / DEFAULT_MODULE_ID))
    return runner, collector


def _refuse_recording(spec: RolloutSpec, blockers: list[str]) -> None:
    """Parquet steps, videos and rendering need the fast path; old-format ``--out`` works here."""
    parquet = spec.out is not None and is_parquet(spec.out)
    flags = (("--out", parquet), ("--video-dir", spec.video_dir), ("--render", spec.render))
    unsupported = [flag for flag, on in flags if on]
    if unsupported:
        raise UsageError(
            f"{', '.join(unsupported)}: only the fast path records Parquet steps, videos and frames, and this "
            f"rollout runs on RLlib's EnvRunner ({'; '.join(blockers)}).",
            "Drop the flag (--out FILE.pkl, the old rllib rollout format, works here), or roll out a checkpoint "
            "the fast path can run (--engine auto).",
        )


def run_with_env_runner(
    spec: RolloutSpec, state: dict[str, Any], env_name: str, env_config: dict[str, Any], blockers: list[str]
) -> RolloutResult:
    _refuse_recording(spec, blockers)
    seed = spec.seed if spec.seed is not None else secrets.randbelow(2**31)
    spec = replace(spec, seed=seed)
    num_envs = min(spec.num_envs, spec.episodes) if spec.episodes else spec.num_envs
    saver = saver_for(spec) if spec.out is not None else None
    runner = None
    try:
        if saver is not None:
            saver.start()
        runner, collector = _build_env_runner(spec, state, env_name, env_config, num_envs, saver)
        path = "RLlib EnvRunner (" + "; ".join(blockers) + ")"
        result = RolloutResult(str(spec.checkpoint.path), env_name, spec.explore, num_envs, path, seed=seed)
        start = time.perf_counter()
        result.env_steps, quotas = _sample(runner, spec, collector, num_envs)
        result.seconds = time.perf_counter() - start
        _fill(result, collector.counted(quotas), saver)
    except RlcliError:
        raise
    except Exception as exc:
        raise RlcliError(f"Rollout through RLlib's EnvRunner failed: {type(exc).__name__}: {exc}") from exc
    finally:
        if runner is not None:
            runner.stop()
        if saver is not None:
            saver.close()
    if saver is not None:
        result.out = str(saver.write())
    return result
