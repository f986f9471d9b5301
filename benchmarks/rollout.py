"""`rlcli rollout` throughput on CartPole-v1 with a trained PPO checkpoint, against two references
measured in the same run: (a) a raw gymnasium random-action loop over the same number of vector
envs (the limit) and (b) RLlib's own way, Algorithm.from_checkpoint + evaluate() with exploration off.
Goal with 64 envs: >= 40% of (a) and >= 5x (b), returns equal to (b)'s within noise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
NUM_ENVS = int(os.environ.get("RLCLI_BENCH_ENVS", "64"))
STEPS = 64_000


def train_checkpoint(storage: Path) -> Path:
    rlcli = str(Path(sys.executable).with_name("rlcli"))
    cmd = [rlcli, "train", "-f", str(REPO / "tuned_examples/ppo/cartpole-ppo.yaml"), "--name", "bench", "-q"]
    subprocess.run(cmd, check=True, env=dict(os.environ, RLCLI_STORAGE_PATH=str(storage)), stdout=subprocess.DEVNULL)
    out = subprocess.run(
        [rlcli, "rollout", str(storage / "bench"), "--episodes", "1", "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(json.loads(out.stdout)["checkpoint"])


def raw_random_loop(mode: str) -> float:
    """Random actions in a vector env: ``sync`` (single envs) or ``vector_entry_point`` (batched)."""
    import gymnasium as gym

    kwargs = {"vector_kwargs": {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}} if mode == "sync" else {}
    env = gym.make_vec("CartPole-v1", num_envs=NUM_ENVS, vectorization_mode=mode, **kwargs)
    env.reset(seed=0)
    steps, start = 0, time.perf_counter()
    while steps < STEPS:
        env.step(env.action_space.sample())
        steps += NUM_ENVS
    return steps / (time.perf_counter() - start)


def rllib_evaluate(ckpt: Path) -> tuple[float, float]:
    import ray

    from rlcli.core.rollout.policy import load_config_state

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        state = load_config_state(ckpt)
        config = state["class"].from_state(state).copy(copy_frozen=False)
        config.env_runners(num_env_runners=0, num_envs_per_env_runner=NUM_ENVS)
        config.evaluation(
            evaluation_interval=1,
            evaluation_num_env_runners=0,
            evaluation_duration=STEPS,
            evaluation_duration_unit="timesteps",
            evaluation_config={"explore": False, "num_envs_per_env_runner": NUM_ENVS},
        )
        algo = config.build_algo()
        algo.restore_from_path(str(ckpt))
        start = time.perf_counter()
        result = algo.evaluate()
        seconds = time.perf_counter() - start
        runners = result["env_runners"]
        algo.stop()
        return runners["num_env_steps_sampled"] / seconds, runners.get("episode_return_mean", float("nan"))
    finally:
        ray.shutdown()


def rlcli_rollout(ckpt: Path) -> tuple[float, float, float]:
    rlcli = str(Path(sys.executable).with_name("rlcli"))
    start = time.perf_counter()
    out = subprocess.run(
        [rlcli, "rollout", str(ckpt), "--steps", str(STEPS), "--num-envs", str(NUM_ENVS), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    summary = json.loads(out.stdout)
    return summary["env_steps_per_s"], summary["return_mean"] or float("nan"), wall


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = train_checkpoint(Path(tmp))
        raw = raw_random_loop("sync")
        native = raw_random_loop("vector_entry_point")
        ours, our_return, wall = rlcli_rollout(ckpt)
        rllib, rllib_return = rllib_evaluate(ckpt)
    print(f"== rollout throughput, CartPole-v1, {NUM_ENVS} vector envs, {STEPS:,} steps each (env steps/s) ==")
    print(f"(a) raw gymnasium random actions   {raw:10,.0f}   (SyncVectorEnv of single envs)")
    print(f"(a') same, CartPole's batched env  {native:10,.0f}   (gymnasium's vector_entry_point, which rlcli uses)")
    print(f"(b) RLlib from_checkpoint+evaluate {rllib:10,.0f}   greedy return {rllib_return:7.1f}")
    print(
        f"rlcli rollout (greedy)             {ours:10,.0f}   greedy return {our_return:7.1f}   "
        f"(process wall incl. start-up {wall:.1f} s)"
    )
    print(
        f"rlcli / (a) = {ours / raw:5.1%}  (goal >= 40%)    rlcli / (a') = {ours / native:5.1%}    "
        f"rlcli / (b) = {ours / rllib:4.1f}x  (goal >= 5x)"
    )


if __name__ == "__main__":
    main()
