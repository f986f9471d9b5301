"""`make bench`'s race: process start to the same criterion, rlcli's tuned example against
Stable-Baselines3 with RL-Zoo3's tuned hyperparameters, one row per (algorithm, env).

Each row of ``ROWS`` is all a race needs: the algorithm and env, the criterion (judged the same
way on both sides), the Zoo's hyperparameter entry (SB3's side, ``benchmarks/sb3_race.py`` in
``.venv-bench``) and rlcli's tuned example (``rlcli train -f``, the Tune path, a real experiment
directory). A row whose tuned example does not exist yet is listed as skipped, so the rows of
algorithms still being written (A2C, TD3) are one entry each.

For every seed the two sides run one after the other (SB3 first), and the row prints each run's
wall time (the whole process, start to exit), env steps and steps/s, then the medians and the
ratio of medians (rlcli / SB3; goal <= 1.0). Both sides use 1 torch thread (a Tune trial actor
gets OMP_NUM_THREADS=1 from Ray) and the seed of the run (rlcli: ``seed=N``).

    python benchmarks/race.py [--rows sac-pendulum,dqn-cartpole] [--seeds 0,1,2] [--json FILE]

``RLCLI_BENCH_SEEDS`` (e.g. ``0`` while developing) and ``RLCLI_BENCH_ROWS`` do the same as the
flags; ``RLCLI_BENCH_MAX_SECONDS`` stops any one run after that many seconds (counted as not
reached). With ``--json`` the figures are written to FILE as well (for docs/speed.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from rlcli.core.metrics import flatten, iter_result_rows

ROOT = Path(__file__).resolve().parent.parent
#: SB3's interpreter: ``make bench``'s .venv-bench, or RLCLI_BENCH_PYTHON (a checkout without its own).
BENCH_PYTHON = Path(os.environ.get("RLCLI_BENCH_PYTHON", ROOT / ".venv-bench" / "bin" / "python"))
RLCLI = Path(sys.executable).with_name("rlcli")
ROLLING = "rlcli/episode_return_rolling_mean"
GREEDY = "evaluation/env_runners/episode_return_mean"


@dataclasses.dataclass(frozen=True)
class Criterion:
    """``rolling``: mean return of the last ``window`` training episodes >= ``target``;
    ``greedy``: ``episodes`` episodes without exploration every ``every`` env steps, mean >= target."""

    kind: str
    target: float
    window: int = 0
    episodes: int = 0
    every: int = 0

    def describe(self) -> str:
        if self.kind == "rolling":
            return f"last-{self.window} training mean >= {self.target:g}"
        return f"{self.episodes} greedy episodes >= {self.target:g}, checked every {self.every} steps"

    def rlcli_metric(self) -> str:
        return ROLLING if self.kind == "rolling" else GREEDY


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    algorithm: str
    env: str
    criterion: Criterion
    zoo: str  #: RL-Zoo3's hyperparams file (``ppo`` → hyperparams/ppo.yml), entry ``env``
    example: str  #: rlcli's tuned example, relative to the repository root

    def example_path(self) -> Path:
        return ROOT / self.example


ROWS = [
    Row(
        "ppo-cartpole",
        "PPO",
        "CartPole-v1",
        Criterion("rolling", 450, window=100),
        "ppo",
        "tuned_examples/ppo/cartpole-ppo.yaml",
    ),
    Row(
        "sac-pendulum",
        "SAC",
        "Pendulum-v1",
        Criterion("rolling", -250, window=10),
        "sac",
        "tuned_examples/sac/pendulum-sac.yaml",
    ),
    Row(
        "dqn-cartpole",
        "DQN",
        "CartPole-v1",
        Criterion("greedy", 450, episodes=5, every=512),
        "dqn",
        "tuned_examples/dqn/cartpole-dqn.yaml",
    ),
    # Rows of algorithms other sessions are adding; each runs once its tuned example exists.
    Row(
        "a2c-cartpole",
        "A2C",
        "CartPole-v1",
        Criterion("rolling", 450, window=100),
        "a2c",
        "tuned_examples/a2c/cartpole-a2c.yaml",
    ),
    Row(
        "td3-pendulum",
        "TD3",
        "Pendulum-v1",
        Criterion("rolling", -250, window=10),
        "td3",
        "tuned_examples/td3/pendulum-td3.yaml",
    ),
]


def read_example(row: Row) -> dict[str, Any]:
    """The example's one experiment; checked to stop on the row's criterion, so both sides race
    to the same thing."""
    (experiment,) = yaml.safe_load(row.example_path().read_text()).values()
    stop, config = experiment.get("stop", {}), experiment.get("config", {})
    metric = row.criterion.rlcli_metric()
    if stop.get(metric) != row.criterion.target:
        raise SystemExit(f"{row.example} stops on {stop}, not on {metric} >= {row.criterion.target:g}")
    if (
        row.criterion.kind == "rolling"
        and config.get("metrics_num_episodes_for_smoothing", 100) != row.criterion.window
    ):
        raise SystemExit(f"{row.example}: metrics_num_episodes_for_smoothing is not {row.criterion.window}")
    if row.criterion.kind == "greedy":
        every = config.get("evaluation_interval", 0) * config.get("rollout_fragment_length", 0)
        if (config.get("evaluation_duration"), every) != (row.criterion.episodes, row.criterion.every):
            raise SystemExit(f"{row.example} evaluates other than {row.criterion.describe()}")
    return experiment


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str, bool]:
    """Wall seconds, stdout, and whether it finished before RLCLI_BENCH_MAX_SECONDS."""
    limit = float(os.environ.get("RLCLI_BENCH_MAX_SECONDS", "0")) or None
    start = time.time()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=limit)
    except subprocess.TimeoutExpired:
        return time.time() - start, "", False
    wall = time.time() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return wall, proc.stdout, True


def run_sb3(row: Row, seed: int, max_env_steps: int) -> dict[str, Any]:
    criterion = json.dumps(dataclasses.asdict(row.criterion))
    cmd = [str(BENCH_PYTHON), str(ROOT / "benchmarks" / "sb3_race.py"), row.zoo, row.env, criterion]
    wall, out, finished = _run([*cmd, "--seed", str(seed), "--max-env-steps", str(max_env_steps)])
    if not finished:
        return {"wall": wall, "env_steps": None, "value": None, "reached": False}
    result = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    return {"wall": wall, **result}


def run_rlcli(row: Row, seed: int, storage: Path) -> dict[str, Any]:
    name = f"{row.key}-{seed}"
    marks = storage / f"{name}.timings.json"
    cmd = [str(RLCLI), "train", "-f", str(row.example_path()), "--storage-path", str(storage), "--name", name, "-q"]
    wall, _, finished = _run([*cmd, f"seed={seed}"], env={"RLCLI_TIMINGS": str(marks)})
    if not finished:
        return {"wall": wall, "env_steps": None, "value": None, "reached": False}
    (trial,) = [p for p in (storage / name).iterdir() if p.is_dir() and (p / "result.json").exists()]
    rows = [flatten(r) for r in iter_result_rows(trial)]
    if not list(trial.glob("checkpoint_*")):
        raise SystemExit(f"rlcli wrote no checkpoint in {trial}")
    value = rows[-1].get(row.criterion.rlcli_metric())
    return {
        "wall": wall,
        "env_steps": int(rows[-1]["num_env_steps_sampled_lifetime"]),
        "value": value,
        "reached": value is not None and value >= row.criterion.target,
        "marks": json.loads(marks.read_text()) if marks.exists() else {},
    }


def _fmt(run: dict[str, Any]) -> str:
    if run["env_steps"] is None:
        return f"{run['wall']:6.1f} s  (stopped: RLCLI_BENCH_MAX_SECONDS)"
    rate = run["env_steps"] / run["wall"]
    value = "-" if run["value"] is None else f"{run['value']:.0f}"
    flag = "" if run["reached"] else "  NOT REACHED"
    return f"{run['wall']:6.1f} s {run['env_steps']:>7,} steps {rate:6.0f} steps/s (criterion {value}){flag}"


def _training_seconds(run: dict[str, Any]) -> float | None:
    marks = run.get("marks") or {}
    if "first_iteration_started" in marks and "last_result" in marks:
        return float(marks["last_result"] - marks["first_iteration_started"])
    return None


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


def race_row(row: Row, seeds: list[int], storage: Path) -> dict[str, Any]:
    experiment = read_example(row)
    max_env_steps = int(experiment["stop"].get("num_env_steps_sampled_lifetime", 10**6))
    print(f"== {row.algorithm} {row.env}, {row.criterion.describe()}: rlcli vs SB3 + RL-Zoo3 ({row.zoo}.yml) ==")
    print(f"   rlcli: rlcli train -f {row.example}   SB3: benchmarks/sb3_race.py, 1 torch thread", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {"rlcli": [], "sb3": []}
    for seed in seeds:
        runs["sb3"].append(run_sb3(row, seed, max_env_steps))
        runs["rlcli"].append(run_rlcli(row, seed, storage))
        training = _training_seconds(runs["rlcli"][-1])
        trained = f" ({training:.0f} s training)" if training is not None else ""
        print(f"  seed {seed}: rlcli {_fmt(runs['rlcli'][-1])}{trained}")
        print(f"          SB3   {_fmt(runs['sb3'][-1])}", flush=True)
    summary: dict[str, Any] = {"row": row.key, "criterion": row.criterion.describe(), "seeds": seeds}
    for side, side_runs in runs.items():
        walls = [r["wall"] for r in side_runs]
        steps = [r["env_steps"] for r in side_runs if r["env_steps"] is not None]
        summary[side] = {
            "wall_median": statistics.median(walls),
            "walls": walls,
            "env_steps_median": statistics.median(steps) if steps else None,
            "steps_per_s": statistics.median(r["env_steps"] / r["wall"] for r in side_runs if r["env_steps"])
            if steps
            else None,
            "reached": sum(bool(r["reached"]) for r in side_runs),
        }
    rl, sb = summary["rlcli"], summary["sb3"]
    summary["ratio"] = rl["wall_median"] / sb["wall_median"]
    for side, label in (("rlcli", "rlcli"), ("sb3", "SB3  ")):
        s = summary[side]
        steps = "-" if s["env_steps_median"] is None else f"{s['env_steps_median']:,.0f}"
        rate = "-" if s["steps_per_s"] is None else f"{s['steps_per_s']:.0f}"
        print(
            f"  median {label} {s['wall_median']:6.1f} s  {steps:>7} steps  {rate:>5} steps/s"
            f"  (reached {s['reached']}/{len(seeds)})"
        )
    print(f"  ratio of medians rlcli/SB3: {summary['ratio']:.2f}x  (goal <= 1.0)", flush=True)
    if all(r.get("marks") for r in runs["rlcli"]):
        print_breakdown(runs["rlcli"])
    return summary


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=os.environ.get("RLCLI_BENCH_ROWS", ""), help="comma-separated row keys")
    parser.add_argument("--seeds", default=os.environ.get("RLCLI_BENCH_SEEDS", "0,1,2"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if not BENCH_PYTHON.exists():
        raise SystemExit("No .venv-bench: run `make bench` (it installs SB3 and rl-zoo3 there).")
    wanted = [k for k in args.rows.split(",") if k]
    unknown = set(wanted) - {r.key for r in ROWS}
    if unknown:
        raise SystemExit(f"Unknown race rows {sorted(unknown)}; rows: {', '.join(r.key for r in ROWS)}")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    summaries = []
    with tempfile.TemporaryDirectory(prefix="rlcli-race-") as tmp:
        for row in ROWS:
            if wanted and row.key not in wanted:
                continue
            if not row.example_path().exists():
                print(f"== {row.key}: skipped, no tuned example {row.example} yet ==\n")
                continue
            summaries.append(race_row(row, seeds, Path(tmp)))
            print()
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2) + "\n")
    return summaries


if __name__ == "__main__":
    main()
