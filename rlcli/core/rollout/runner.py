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

from rlcli.core.errors import RlcliError, UsageError
from rlcli.core.rllib.resolve import env_creator, resolve_env
from rlcli.core.rollout.policy import (
    Policy,
    RolloutResult,
    RolloutSpec,
    check_algorithm,
    check_new_stack,
    env_context,
    episode_quotas,
    load_config_state,
    load_policy,
    raise_if_spaces_differ,
)
from rlcli.core.store.checkpoints import Selection


def make_vector_env(env: str, env_config: dict[str, Any], num_envs: int) -> Any:
    """The env's own batched implementation where gymnasium has one (CartPole, Pendulum, ...:
    same dynamics, many times faster), else a synchronous vector env of single envs."""
    import gymnasium as gym

    creator = env_creator(resolve_env(env))  # an imported env, or one the user's module registered
    if creator is not None:
        same_step = gym.vector.AutoresetMode.SAME_STEP
        # Every sub-env gets the context RLlib's own EnvRunner gives its envs (vector_index 0 for all
        # in 2.60), so an env that reads it acts as it did in training.
        makers = [partial(_build, creator, env_context(env_config)) for _ in range(num_envs)]
        return gym.vector.SyncVectorEnv(makers, autoreset_mode=same_step)
    if gym.spec(env).vector_entry_point is not None:
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
    """Every step of every counted episode, as rows of RLlib's offline schema."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    episode_ids: dict[int, str] = field(default_factory=dict)
    counter: int = 0

    def step(self, i: int, obs: Any, action: Any, reward: float, next_obs: Any, term: bool, trunc: bool) -> None:
        if i not in self.episode_ids:
            self.episode_ids[i] = f"rlcli-{self.counter}"
            self.counter += 1
        steps = self.pending.setdefault(i, [])
        steps.append(
            {
                "eps_id": self.episode_ids[i],
                "agent_id": None,
                "module_id": None,
                "obs": np.asarray(obs).tolist(),
                "actions": np.asarray(action).tolist(),
                "rewards": float(reward),
                "new_obs": np.asarray(next_obs).tolist(),
                "terminateds": bool(term),
                "truncateds": bool(trunc),
                "t": len(steps),
            }
        )

    def end_episode(self, i: int, keep: bool) -> None:
        steps = self.pending.pop(i, [])
        self.episode_ids.pop(i, None)
        if keep:
            self.rows.extend(steps)


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
            recorder.end_episode(int(i), keep=counted)
        state.returns[i] = 0.0
        state.lengths[i] = 0


def _done(state: LoopState, spec: RolloutSpec) -> bool:
    if state.quotas is not None:
        return bool(np.all(state.finished >= state.quotas))
    return state.result.env_steps >= (spec.steps or 0)


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
            final = infos.get("final_obs") if ended.any() and not next_step_reset else None
            for i in np.flatnonzero(live):
                last = final[i] if final is not None and ended[i] else next_obs[i]
                recorder.step(int(i), obs[i], actions[i], rewards[i], last, terms[i], truncs[i])
        _finish_episodes(state, ended, recorder)
        resetting = ended if next_step_reset else resetting
        obs = next_obs
    result.seconds = time.perf_counter() - start


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
    recorder = Recorder() if spec.out else None
    if spec.seed is not None:
        import torch

        torch.manual_seed(spec.seed)  # --explore samples its actions from torch's generator
    env = None
    try:
        env = make_vector_env(env_name, env_config, num_envs)
        raise_if_spaces_differ(policy.module, env, env_name)
        run_loop(env, policy, spec, result, recorder)
    except (UsageError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise RlcliError(f"Rollout failed in env '{env_name}': {type(exc).__name__}: {exc}") from exc
    finally:
        if env is not None:
            env.close()
    if recorder is not None and spec.out is not None:
        from rlcli.core.rollout.writers import write_offline_parquet

        result.out = str(write_offline_parquet(recorder.rows, spec.out))
    return result


def run_rollout(spec: RolloutSpec) -> RolloutResult:
    """Load the checkpoint's policy and roll it out; RLlib's EnvRunner handles what the fast
    path cannot reproduce."""
    ckpt = spec.checkpoint.path
    check_new_stack(ckpt)
    state = load_config_state(ckpt)
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


def rollout_checkpoint(
    path: str | Path, selection: Selection, notice: Callable[[str], None], **options: Any
) -> RolloutResult:
    """Find the checkpoint ``path`` means (``selection``), say which and why, and roll it out with
    ``options`` (:class:`RolloutSpec` fields; episodes default to 10 unless ``steps`` is given)."""
    from rlcli.core.quiet import quiet_ray
    from rlcli.core.spec import RayOptions
    from rlcli.core.store.checkpoints import locate

    if options.get("episodes") and options.get("steps"):
        raise UsageError("--episodes and --steps exclude each other.", "Pass one of them.")
    out = options.get("out")
    if out and Path(out).suffix.lower() != ".parquet":
        raise UsageError(f"--out '{out}': rollouts are written as Parquet.", "Name the file *.parquet.")
    ref = locate(path, selection)
    detail = f" (iteration {ref.iteration})" if ref.iteration is not None else ""
    notice(f"checkpoint {ref.path}{detail}: {ref.reason}")
    quiet_ray(RayOptions())
    for key in ("out", "video_dir"):
        if options.get(key):
            options[key] = Path(options[key])
    options["episodes"] = None if options.get("steps") else (options.get("episodes") or 10)
    return run_rollout(RolloutSpec(checkpoint=ref, **options))
