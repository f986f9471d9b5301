"""The rollout loop: a gymnasium vector env stepped with batched actions, episodes counted
fairly across envs, optional recording of every step for ``--out`` and videos for ``--video-dir``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from rlcli.core import remote_storage
from rlcli.core.errors import RlcliError, UsageError
from rlcli.core.rllib.external_env import played_locally
from rlcli.core.rllib.resolve import env_creator, resolve_env
from rlcli.core.rollout.legacy_out import PICKLE_SUFFIXES, LegacySaver, LegacyStep, is_parquet, saver_for
from rlcli.core.rollout.policy import (
    Policy,
    check_algorithm,
    check_new_stack,
    env_context,
    episode_quotas,
    load_config_state,
    load_policy,
    raise_if_spaces_differ,
)
from rlcli.core.rollout.request import RolloutRequest, RolloutSpec
from rlcli.core.rollout.result import RolloutResult
from rlcli.core.store.checkpoints import CheckpointRef


def make_vector_env(env: str, env_config: dict[str, Any], num_envs: int, seeded: bool = False) -> Any:
    """The env's own batched implementation where gymnasium has one (CartPole, Pendulum, ...:
    same dynamics, many times faster), else a synchronous vector env of single envs.

    ``seeded``: the run was given a seed, so env i must start from seed S+i as in RLlib's
    EnvRunner (a synchronous vector env); a batched implementation draws every env's start from
    one generator seeded S, so it is used for more than one env only when no seed was given."""
    import gymnasium as gym

    creator = env_creator(resolve_env(env))  # an imported env, or one the user's module registered
    if creator is not None:
        same_step = gym.vector.AutoresetMode.SAME_STEP
        # Every sub-env gets the context RLlib's own EnvRunner gives its envs (vector_index 0 for all
        # in 2.60), so an env that reads it acts as it did in training.
        makers = [partial(_build, creator, env_context(env_config)) for _ in range(num_envs)]
        return gym.vector.SyncVectorEnv(makers, autoreset_mode=same_step)
    if gym.spec(env).vector_entry_point is not None and not (seeded and num_envs > 1):
        try:
            return gym.make_vec(env, num_envs=num_envs, vectorization_mode="vector_entry_point", **env_config)
        except TypeError:
            pass  # the batched version does not take these env_config keys: use single envs
    mode = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
    return gym.make_vec(env, num_envs=num_envs, vectorization_mode="sync", vector_kwargs=mode, **env_config)


def _build(creator: Any, context: Any) -> Any:
    """One sub-env, built from its own EnvContext (a picklable maker, unlike a lambda in a loop)."""
    return creator(context)


def _resets_next_step(env: Any) -> bool:
    """Vector envs in NEXT_STEP mode spend one step on resetting a finished sub-env."""
    import gymnasium as gym

    return env.metadata.get("autoreset_mode") == gym.vector.AutoresetMode.NEXT_STEP


@dataclass
class Recorder:
    """Every step of every counted episode: rows of RLlib's offline schema (``.parquet``), or
    the old tool's episodes (``saver``, any other ``--out``)."""

    saver: LegacySaver | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[int, list[LegacyStep]] = field(default_factory=dict)
    kept: int = 0

    def step(self, i: int, step: LegacyStep) -> None:
        self.pending.setdefault(i, []).append(step)

    def end_episode(self, i: int, keep: bool, env_steps: int) -> None:
        steps = self.pending.pop(i, [])
        if not keep:
            return
        if self.saver is not None:
            self.saver.add_episode(steps, env_steps)
        else:
            self.rows.extend(_offline_row(f"rlcli-{self.kept}", t, s) for t, s in enumerate(steps))
        self.kept += 1


def _offline_row(eps_id: str, t: int, step: LegacyStep) -> dict[str, Any]:
    return {
        "eps_id": eps_id,
        "agent_id": None,
        "module_id": None,
        "obs": np.asarray(step.obs).tolist(),
        "actions": np.asarray(step.action).tolist(),
        "rewards": float(step.reward),
        "new_obs": np.asarray(step.next_obs).tolist(),
        "terminateds": bool(step.terminated),
        "truncateds": bool(step.truncated),
        "t": t,
    }


def env_info(infos: dict[str, Any], i: int) -> dict[str, Any]:
    """Sub-env ``i``'s info dict from a gymnasium vector info (arrays with ``_key`` masks)."""
    out: dict[str, Any] = {}
    for key, value in infos.items():
        mask = infos.get("_" + key)
        if key.startswith("_") or key in ("final_obs", "final_info") or (mask is not None and not mask[i]):
            continue
        item = env_info(value, i) if isinstance(value, dict) else value[i]
        out[key] = item.item() if isinstance(item, np.generic) else item
    return out


def _step_info(infos: dict[str, Any], i: int, ended: bool) -> dict[str, Any]:
    """The info of sub-env ``i``'s step: its ``final_info`` where the vector env reset it already."""
    final = infos.get("final_info")
    mask = infos.get("_final_info")
    if ended and isinstance(final, dict) and (mask is None or mask[i]):
        return env_info(final, i)
    return env_info(infos, i)


@dataclass
class LoopState:
    returns: np.ndarray
    lengths: np.ndarray
    finished: np.ndarray
    quotas: np.ndarray | None
    result: RolloutResult


def _finish_episodes(state: LoopState, ended: np.ndarray, recorder: Recorder | None) -> None:
    for i in np.flatnonzero(ended):
        counted = state.quotas is None or state.finished[i] < state.quotas[i]
        if counted:
            state.result.returns.append(float(state.returns[i]))
            state.result.lengths.append(int(state.lengths[i]))
            state.finished[i] += 1
        if recorder is not None:
            recorder.end_episode(int(i), keep=counted, env_steps=state.result.env_steps)
        state.returns[i] = 0.0
        state.lengths[i] = 0


def _done(state: LoopState, spec: RolloutSpec) -> bool:
    """Every env met its episode quota, or ``--steps`` ran: whichever comes first (both may be
    given, as the old ``keep_going`` allowed)."""
    if spec.steps and state.result.env_steps >= spec.steps:
        return True
    return state.quotas is not None and bool(np.all(state.finished >= state.quotas))


def run_loop(env: Any, policy: Any, spec: RolloutSpec, result: RolloutResult, recorder: Recorder | None) -> None:
    """Step all envs together until every env met its episode quota (or ``--steps`` ran)."""
    n = env.num_envs
    quotas = episode_quotas(spec.episodes, n) if spec.episodes else None
    state = LoopState(np.zeros(n), np.zeros(n, dtype=int), np.zeros(n, dtype=int), quotas, result)
    next_step_reset = _resets_next_step(env)
    resetting = np.zeros(n, dtype=bool)
    obs, _ = env.reset(seed=spec.seed)
    start = time.perf_counter()
    while not _done(state, spec):
        actions = policy(obs)
        next_obs, rewards, terms, truncs, infos = env.step(actions)
        live = ~resetting
        state.returns[live] += rewards[live]
        state.lengths[live] += 1
        result.env_steps += int(live.sum())
        ended = np.logical_or(terms, truncs) & live
        if recorder is not None:
            _record(recorder, (obs, actions, next_obs, rewards, terms, truncs, infos), live, ended, next_step_reset)
        _finish_episodes(state, ended, recorder)
        resetting = ended if next_step_reset else resetting
        obs = next_obs
    result.seconds = time.perf_counter() - start
    if not (quotas is not None and bool(np.all(state.finished >= quotas))):  # the --steps limit ended it
        _keep_unfinished(state, recorder)


def _keep_unfinished(state: LoopState, recorder: Recorder | None) -> None:
    """At a ``--steps`` limit, the episodes still running (in envs still short of their quota):
    the old tool printed and saved the last one as it stood, so their returns are kept apart
    (never in the statistics) and the old pickle gets their steps (the last step says neither
    terminated nor truncated)."""
    wanted = np.ones_like(state.finished, dtype=bool) if state.quotas is None else state.finished < state.quotas
    for i in np.flatnonzero(wanted & (state.lengths > 0)):
        state.result.unfinished_returns.append(float(state.returns[i]))
        if recorder is not None:
            recorder.end_episode(int(i), keep=recorder.saver is not None, env_steps=state.result.env_steps)


def _record(recorder: Recorder, batch: tuple[Any, ...], live: np.ndarray, ended: np.ndarray, next_reset: bool) -> None:
    """One vector step into the recorder: each live env's step, with its real last observation
    (``final_obs``) where the vector env already reset it."""
    obs, actions, next_obs, rewards, terms, truncs, infos = batch
    final = infos.get("final_obs") if ended.any() and not next_reset else None
    with_info = recorder.saver is not None and recorder.saver.save_info
    for i in np.flatnonzero(live):
        last = final[i] if final is not None and ended[i] else next_obs[i]
        info = _step_info(infos, int(i), bool(ended[i])) if with_info else None
        action = actions[i].copy() if isinstance(actions[i], np.ndarray) else actions[i]
        step = LegacyStep(
            np.array(obs[i]), action, np.array(last), float(rewards[i]), bool(terms[i]), bool(truncs[i]), info
        )
        recorder.step(int(i), step)


def _choose_engine(spec: RolloutSpec, state: dict[str, Any], env_name: str) -> tuple[Any, list[str]]:
    """The fast-path policy, or None and why RLlib's own EnvRunner must run it."""
    policy, blockers = load_policy(spec.checkpoint.path, state, spec.explore)
    if policy is not None and resolve_env(env_name).atari:  # its frames go through RLlib's Atari wrapper
        policy, blockers = None, ["Atari env (frames preprocessed by RLlib's wrapper)"]
    if policy is None and spec.engine == "fast":
        raise UsageError(
            f"The fast path cannot reproduce this checkpoint: {'; '.join(blockers)}.", "Use --engine auto."
        )
    if spec.engine == "rllib":
        return None, ["--engine rllib"]
    return policy, blockers


def _run_fast(spec: RolloutSpec, policy: Policy, env_name: str, env_config: dict[str, Any]) -> RolloutResult:
    """The fast path: batched inference over a vector env, each env with its episode quota."""
    num_envs = min(spec.num_envs, spec.episodes) if spec.episodes else spec.num_envs
    result = RolloutResult(
        str(spec.checkpoint.path), env_name, spec.explore, num_envs, "RLModule fast path", seed=spec.seed
    )
    recorder = None
    if spec.out is not None:
        recorder = Recorder(saver=None if is_parquet(spec.out) else saver_for(spec))
    if spec.seed is not None:
        import torch

        torch.manual_seed(spec.seed)  # --explore samples its actions from torch's generator
    env = None
    try:
        if recorder is not None and recorder.saver is not None:
            recorder.saver.start()
        env = make_vector_env(env_name, env_config, num_envs, seeded=spec.seed is not None)
        raise_if_spaces_differ(policy.module, env, env_name)
        run_loop(env, policy, spec, result, recorder)
    except (UsageError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise RlcliError(f"Rollout failed in env '{env_name}': {type(exc).__name__}: {exc}") from exc
    finally:
        if env is not None:
            env.close()
        if recorder is not None and recorder.saver is not None:
            recorder.saver.close()
    if recorder is not None and spec.out is not None:
        result.out = str(_write_recorded(recorder, spec.out))
    return result


def _write_recorded(recorder: Recorder, out: Path) -> Path:
    if recorder.saver is not None:
        return recorder.saver.write()
    from rlcli.core.rollout.writers import write_offline_parquet

    return write_offline_parquet(recorder.rows, out)


def run_rollout(spec: RolloutSpec, state: dict[str, Any]) -> RolloutResult:
    """Roll out the checkpoint's policy (``state``: its config state); RLlib's EnvRunner handles
    what the fast path cannot reproduce."""
    ckpt = spec.checkpoint.path
    check_algorithm(spec.run, state)
    env_name = spec.env or state.get("env")
    if not isinstance(env_name, str):
        raise UsageError(f"Checkpoint '{ckpt}' does not name a gymnasium env id or import path.", "Pass --env ENV.")
    env_config = dict(spec.env_config if spec.env_config is not None else (state.get("env_config") or {}))
    policy, blockers = _choose_engine(spec, state, env_name)
    if policy is None:
        from rlcli.core.rollout.rllib_runner import run_with_env_runner

        return run_with_env_runner(spec, state, env_name, env_config, blockers)
    result = _run_fast(spec, policy, env_name, env_config)
    if spec.render:
        from rlcli.core.rollout.video import show_on_screen

        show_on_screen(policy, env_name, env_config, spec.episodes or 1, spec.seed)
    if spec.video_dir is not None:
        from rlcli.core.rollout.video import record_videos

        result.videos = record_videos(policy, env_name, env_config, spec.video_dir, spec.episodes or 1, spec.seed)
    return result


def rollout_checkpoint(request: RolloutRequest, notice: Callable[[str], None]) -> RolloutResult:
    """Find the checkpoint the request's path means (its selection), say which and why, and roll
    it out. Episodes default to 10 unless ``steps`` is given; with both, the rollout stops at
    whichever comes first."""
    from rlcli.core.quiet import quiet_ray
    from rlcli.core.spec import RayOptions
    from rlcli.core.store.checkpoints import locate

    path = request.path
    ref = locate(remote_storage.pull(str(path)) if remote_storage.is_remote(path) else path, request.selection)
    detail = f" (iteration {ref.iteration})" if ref.iteration is not None else ""
    if remote_storage.is_remote(path):  # the mirror holds checkpoint markers; fetch the chosen one whole
        uri = remote_storage.to_uri(ref.path, str(path))
        notice(f"checkpoint {uri}{detail}: {ref.reason}; downloading it to {ref.path}")
        remote_storage.pull(uri, with_checkpoints=True)
    else:
        notice(f"checkpoint {ref.path}{detail}: {ref.reason}")
    out = request.out
    if out and not is_parquet(out) and out.suffix.lower() not in PICKLE_SUFFIXES:
        notice(f"--out '{out}': written as the old rllib rollout pickle (name it *.parquet for RLlib's offline format)")
    quiet_ray(RayOptions())
    check_new_stack(ref.path)
    state, external = played_locally(load_config_state(ref.path))
    if external:
        notice(external)
    spec, state = rollout_spec(request, ref, state, notice)
    return run_rollout(spec, state)


def rollout_spec(
    request: RolloutRequest, ref: CheckpointRef, state: dict[str, Any], notice: Callable[[str], None]
) -> tuple[RolloutSpec, dict[str, Any]]:
    """What the rollout of checkpoint ``ref`` (config ``state``) runs: the request's settings,
    then ``--config``'s (:mod:`rlcli.core.rollout.rollout_config`), then the defaults; and the
    checkpoint's config state with ``--config``'s overrides of it."""
    from rlcli.core.rllib.config_keys import keys_for
    from rlcli.core.rollout.rollout_config import inert_notice, merge_env_config, read_rollout_config

    accepted = keys_for(state["class"]).accepted if request.config else frozenset()
    settings = read_rollout_config(request.config or {}, lambda key: key in accepted)
    message = inert_notice(settings)
    if message:
        notice(message)
    given = settings.options  # env, env_config, explore, seed, num_envs, render: what --config sets
    env_config = request.env_config
    if given.get("env_config") is not None:
        env_config = merge_env_config(state.get("env_config"), given["env_config"], request.env_config)

    def chosen(value: Any, key: str, default: Any) -> Any:
        """The flag's value; else ``--config``'s; else the default."""
        if value is not None:
            return value
        return given[key] if given.get(key) is not None else default

    spec = RolloutSpec(
        checkpoint=ref,
        env=chosen(request.env, "env", None),
        env_config=env_config,
        episodes=request.episodes or (None if request.steps else 10),
        steps=request.steps,
        explore=chosen(request.explore, "explore", False),
        num_envs=chosen(request.num_envs, "num_envs", 8),
        seed=chosen(request.seed, "seed", None),
        out=request.out,
        video_dir=request.video_dir,
        render=chosen(request.render, "render", False),
        engine=request.engine,
        run=request.run,
        save_info=request.save_info,
        use_shelve=request.use_shelve,
        track_progress=request.track_progress,
    )
    return spec, {**state, **settings.state}
