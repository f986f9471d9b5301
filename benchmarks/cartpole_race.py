"""rlcli vs a plain tune.Tuner script: the same config (the CartPole PPO tuned example) and a
fixed number of iterations through rlcli and through ``benchmarks/direct_tune.py`` (imports,
ray.init, Tuner.fit, shutdown); goal < 5%. (The race against Stable-Baselines3, and where
rlcli's fixed seconds go, are ``benchmarks/race.py``.)

A run of rlcli also checks it wrote a normal experiment: a checkpoint and a result row per
iteration.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rlcli.core.metrics import iter_result_rows
from rlcli.core.rllib.rolling_return import ROLLING_RETURN

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tuned_examples" / "ppo" / "cartpole-ppo.yaml"
RLCLI = Path(sys.executable).with_name("rlcli")
RUNS = int(os.environ.get("RLCLI_BENCH_RUNS", "3"))
OVERHEAD_ITERATIONS = 30


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    wall = time.time() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return wall, proc.stdout


def last_json_line(text: str) -> dict:
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


def experiment_outcome(experiment: Path) -> dict:
    """Env steps and rolling mean from the trial's result.json; checks the run left a checkpoint
    and a result row per iteration behind."""
    (trial,) = [p for p in experiment.iterdir() if p.is_dir() and (p / "result.json").exists()]
    rows = list(iter_result_rows(trial))
    if not list(trial.glob("checkpoint_*")):
        raise SystemExit(f"rlcli wrote no checkpoint in {trial}")
    if [r["training_iteration"] for r in rows] != list(range(1, len(rows) + 1)):
        raise SystemExit(f"rlcli's result rows in {trial} are not one per iteration")
    return {"env_steps": int(rows[-1]["num_env_steps_sampled_lifetime"]), "rolling_mean": rows[-1].get(ROLLING_RETURN)}


def run_rlcli(storage: Path, name: str, *extra: str) -> dict:
    marks = storage / f"{name}.timings.json"
    wall, _ = timed(
        [str(RLCLI), "train", "-f", str(EXAMPLE), "--storage-path", str(storage), "--name", name, "-q", *extra],
        env={"RLCLI_TIMINGS": str(marks)},
    )
    return {"wall": wall, **experiment_outcome(storage / name), "marks": json.loads(marks.read_text())}


def run_direct(storage: Path, name: str, *stop: str) -> dict:
    wall, out = timed(
        [sys.executable, str(ROOT / "benchmarks" / "direct_tune.py"), str(EXAMPLE), str(storage), name, *stop]
    )
    return {"wall": wall, **last_json_line(out)}


def overhead(storage: Path) -> None:
    stop = f"training_iteration={OVERHEAD_ITERATIONS}"
    print(
        f"\n== rlcli vs a plain tune.Tuner script: same config, {OVERHEAD_ITERATIONS} iterations, median of {RUNS} =="
    )
    rl_walls, direct_walls, direct_phases = [], [], []
    for i in range(RUNS):
        direct = run_direct(storage, f"direct-{i}", stop)
        direct_walls.append(direct["wall"])
        direct_phases.append(direct["phases"])
        rl_walls.append(
            run_rlcli(storage, f"same-{i}", "--stop", json.dumps({"training_iteration": OVERHEAD_ITERATIONS}))["wall"]
        )
    rl, direct = statistics.median(rl_walls), statistics.median(direct_walls)
    change = rl / direct - 1
    print(f"  rlcli {rl:.1f} s   plain Tuner {direct:.1f} s   rlcli's own overhead {change:+.1%}  (goal < +5%)")
    print("  " + ("goal met" if change < 0.05 else "GOAL MISSED"))
    phases = ", ".join(f"{k} {statistics.median(p[k] for p in direct_phases):.1f} s" for k in direct_phases[0])
    print(f"  plain Tuner script, one after the other: {phases}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rlcli-race-") as tmp:
        overhead(Path(tmp))


if __name__ == "__main__":
    main()
