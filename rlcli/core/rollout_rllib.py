"""The general rollout path: RLlib's own EnvRunner, restored from the checkpoint.

Slower than the RLModule fast path, but exact for everything RLlib supports (multi-agent,
recurrent modules, any connector), because it is what training's evaluation runs."""

from __future__ import annotations

import logging
import time
from typing import Any

from rlcli.core.errors import RlcliError
from rlcli.core.resolve import register_env, resolve_env
from rlcli.core.rollout import RolloutResult, RolloutSpec


def _episode_stats(episodes: list[Any]) -> tuple[list[float], list[int]]:
    returns = [float(e.get_return()) for e in episodes]
    lengths = [len(e) for e in episodes]
    return returns, lengths


def run_with_env_runner(
    spec: RolloutSpec, state: dict[str, Any], env_name: str, env_config: dict[str, Any], blockers: list[str]
) -> RolloutResult:
    import ray

    ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    try:
        register_env(resolve_env(env_name))
        config = state["class"].from_state(state)
        config = config.copy(copy_frozen=False)
        config.environment(env=env_name, env_config=env_config)
        config.env_runners(num_env_runners=0, num_envs_per_env_runner=spec.num_envs)
        config.evaluation(evaluation_num_env_runners=0, evaluation_interval=None)
        algo = config.build_algo()
        algo.restore_from_path(str(spec.checkpoint.path))
        result = RolloutResult(
            str(spec.checkpoint.path),
            env_name,
            spec.explore,
            spec.num_envs,
            "RLlib EnvRunner (" + "; ".join(blockers) + ")",
        )
        start = time.perf_counter()
        if spec.episodes:
            episodes = algo.env_runner.sample(num_episodes=spec.episodes, explore=spec.explore)
        else:
            episodes = algo.env_runner.sample(num_timesteps=spec.steps, explore=spec.explore)
        result.seconds = time.perf_counter() - start
        done = [e for e in episodes if e.is_done] if not spec.episodes else episodes
        result.returns, result.lengths = _episode_stats(done)
        result.env_steps = sum(len(e) for e in episodes)
        algo.stop()
        return result
    except RlcliError:
        raise
    except Exception as exc:
        raise RlcliError(f"Rollout through RLlib's EnvRunner failed: {type(exc).__name__}: {exc}") from exc
    finally:
        ray.shutdown()
