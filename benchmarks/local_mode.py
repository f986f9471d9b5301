"""`rlcli train --local-mode` beside the Tune path: the CartPole tuned example for a fixed number of
iterations, wall time of the whole command, median of RUNS runs each, alternating, in the same run.

--local-mode trains in the rlcli process instead of a Tune trial actor; the example already
samples in the trainer (num_env_runners: 0), so both run the same config and the difference is
what the trial actor costs (its start, Tune's loop and result shipping) against in-process
training. Also from the RLCLI_TIMINGS marks: seconds from the first iteration's start to the
last result (the training itself). Each run is checked to have written one result row per
iteration and a checkpoint.
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

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tuned_examples" / "ppo" / "cartpole-ppo.yaml"
RLCLI = Path(sys.executable).with_name("rlcli")
RUNS = int(os.environ.get("RLCLI_BENCH_RUNS", "3"))
ITERATIONS = 5


def run(storage: Path, name: str, *extra: str) -> dict[str, float]:
    """One ``rlcli train`` of the example: its wall time and training seconds; checks its files."""
    marks_file = storage / f"{name}.timings.json"
    cmd = [str(RLCLI), "train", "-f", str(EXAMPLE), "--name", name, f"stop.training_iteration={ITERATIONS}", "-q"]
    env = {**os.environ, "RLCLI_STORAGE_PATH": str(storage), "RLCLI_TIMINGS": str(marks_file)}
    start = time.time()
    proc = subprocess.run([*cmd, *extra], capture_output=True, text=True, env=env)
    wall = time.time() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd + list(extra))} failed ({proc.returncode}):\n{proc.stderr}")
    (trial,) = [p for p in (storage / name).iterdir() if (p / "result.json").is_file()]
    rows = [json.loads(line) for line in (trial / "result.json").read_text().splitlines() if line.strip()]
    if [r["training_iteration"] for r in rows] != list(range(1, ITERATIONS + 1)) or not any(trial.glob("checkpoint_*")):
        raise SystemExit(f"{name}: expected {ITERATIONS} result rows and a checkpoint in {trial}")
    marks = json.loads(marks_file.read_text())
    return {"wall": wall, "training": marks["last_result"] - marks["first_iteration_started"]}


def main() -> None:
    tune_runs, local_runs = [], []
    with tempfile.TemporaryDirectory(prefix="rlcli-bench-local-") as tmp:
        storage = Path(tmp)
        for i in range(RUNS):
            tune_runs.append(run(storage, f"tune-{i}"))
            local_runs.append(run(storage, f"local-{i}", "--local-mode"))
    print(f"== train --local-mode vs the Tune path: {EXAMPLE.name}, {ITERATIONS} iterations, median of {RUNS} ==")
    tune_wall = statistics.median(r["wall"] for r in tune_runs)
    local_wall = statistics.median(r["wall"] for r in local_runs)
    rows = (("Tune path (trial actor)", tune_runs, tune_wall), ("--local-mode", local_runs, local_wall))
    for label, runs, wall in rows:
        training = statistics.median(r["training"] for r in runs)
        print(f"{label:<24} {wall:6.1f} s wall   ({training:5.1f} s of it training)")
    print(f"--local-mode / Tune path: {local_wall / tune_wall:.2f}x wall time (same run)")


if __name__ == "__main__":
    main()
