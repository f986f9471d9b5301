"""rlcli vs Stable-Baselines3 on CartPole-v1, side by side, and rlcli vs a plain tune.Tuner script.

1. Race: process start to a 100-episode rolling mean return >= 450, median of 3 runs each,
   alternating: ``rlcli train -f tuned_examples/ppo/cartpole-ppo.yaml`` against SB3's PPO with
   RL-Zoo3's tuned hyperparameters (``benchmarks/sb3_cartpole.py`` in the bench environment
   ``.venv-bench``, which ``make bench`` creates: SB3 is never an rlcli dependency). Goals: rlcli
   wall <= 1.5x SB3's, env steps <= SB3's.
2. Where rlcli's fixed seconds go (``RLCLI_TIMINGS`` marks of the race runs): start-up, Ray,
   trial start, shutdown, and what of it is Ray/Tune's.
3. Overhead: the same config and a fixed number of iterations through rlcli and through
   ``benchmarks/direct_tune.py`` (imports, ray.init, Tuner.fit, shutdown); goal < 5%.

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
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
RLCLI = Path(sys.executable).with_name("rlcli")
RUNS = int(os.environ.get("RLCLI_BENCH_RUNS", "3"))
TARGET = 450.0
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


def run_sb3() -> dict:
    wall, out = timed([str(BENCH_PYTHON), str(ROOT / "benchmarks" / "sb3_cartpole.py"), str(TARGET)])
    return {"wall": wall, **last_json_line(out)}


def check_reached(who: str, run: dict) -> None:
    """A run that stopped on its step cap instead of the target is not a finished race."""
    if run["rolling_mean"] is None or run["rolling_mean"] < TARGET:
        raise SystemExit(f"{who} stopped before reaching {TARGET:g} (rolling mean {run['rolling_mean']}); no race.")


def run_direct(storage: Path, name: str, *stop: str) -> dict:
    wall, out = timed(
        [sys.executable, str(ROOT / "benchmarks" / "direct_tune.py"), str(EXAMPLE), str(storage), name, *stop]
    )
    return {"wall": wall, **last_json_line(out)}


#: (label, from mark, to mark, whose cost)
PHASES = [
    ("python + rlcli + click start", None, "train_started", "rlcli"),
    ("import RLlib/torch + check configs | ray.init", "train_started", "ray_started", "overlapped"),
    ("  of which import + checks", "train_started", "configs_prepared", "rlcli/RLlib"),
    ("  of which ray.init (alone: ~4 s)", "ray_init_called", "ray_started", "Ray"),
    ("Tune start + trial actor boot + algo build", "fit_called", "first_iteration_started", "Tune/RLlib"),
    ("training (first to last result)", "first_iteration_started", "last_result", "training"),
    ("stop trial, final checkpoint, Tune state", "last_result", "fit_returned", "Tune"),
    ("ray.shutdown", "shutdown_called", "ray_stopped", "Ray"),
]


def phase_seconds(marks: dict, start: str | None, end: str) -> float | None:
    if end not in marks or (start is not None and start not in marks):
        return None
    return marks[end] - (marks[start] if start else 0.0)


def print_breakdown(runs: list[dict]) -> None:
    print(f"\n== where rlcli's seconds go (median of {len(runs)} race runs; RLCLI_TIMINGS marks) ==")
    fixed = []
    for run in runs:
        marks = run["marks"]
        training = phase_seconds(marks, "first_iteration_started", "last_result") or 0.0
        fixed.append(marks["exit"] - training)
    for label, start, end, owner in PHASES:
        values = [v for v in (phase_seconds(r["marks"], start, end) for r in runs) if v is not None]
        if values:
            print(f"  {label:46s} {statistics.median(values):6.2f} s   [{owner}]")
    print(f"  {'fixed overhead (wall minus training)':46s} {statistics.median(fixed):6.2f} s")


def race(storage: Path) -> None:
    print(f"== CartPole-v1 to a 100-episode rolling mean >= {TARGET:g}: rlcli vs Stable-Baselines3 ==")
    print(f"   rlcli: rlcli train -f {EXAMPLE.relative_to(ROOT)}   SB3: PPO + RL-Zoo3 hyperparameters, 1 torch thread")
    rl_runs, sb3_runs = [], []
    for i in range(RUNS):
        sb3_runs.append(run_sb3())
        rl_runs.append(run_rlcli(storage, f"race-{i}"))
        rl, sb = rl_runs[-1], sb3_runs[-1]
        check_reached("rlcli", rl)
        check_reached("SB3", sb)
        print(
            f"  run {i + 1}: rlcli {rl['wall']:6.1f} s {rl['env_steps']:>7,} steps (rolling {rl['rolling_mean']:.0f})"
            f"   SB3 {sb['wall']:6.1f} s {sb['env_steps']:>7,} steps (rolling {sb['rolling_mean']:.0f})",
            flush=True,
        )
    rl_wall = statistics.median(r["wall"] for r in rl_runs)
    sb_wall = statistics.median(r["wall"] for r in sb3_runs)
    rl_steps = statistics.median(r["env_steps"] for r in rl_runs)
    sb_steps = statistics.median(r["env_steps"] for r in sb3_runs)
    print(f"  median: rlcli {rl_wall:.1f} s, {rl_steps:,.0f} steps | SB3 {sb_wall:.1f} s, {sb_steps:,.0f} steps")
    wall_ok, steps_ok = rl_wall <= 1.5 * sb_wall, rl_steps <= sb_steps
    print(f"  wall ratio rlcli/SB3: {rl_wall / sb_wall:.2f}  (goal <= 1.5: {'met' if wall_ok else 'MISSED'})")
    print(f"  env-step ratio rlcli/SB3: {rl_steps / sb_steps:.2f}  (goal <= 1.0: {'met' if steps_ok else 'MISSED'})")
    print_breakdown(rl_runs)


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
    if not BENCH_PYTHON.exists():
        raise SystemExit("No .venv-bench: run `make bench` (it installs SB3 and rl-zoo3 there).")
    with tempfile.TemporaryDirectory(prefix="rlcli-race-") as tmp:
        race(Path(tmp))
        overhead(Path(tmp))


if __name__ == "__main__":
    main()
