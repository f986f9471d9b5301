"""`rlcli --help` must stay light: median wall time over 10 runs, beside `import ray.rllib`."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 10


def median_wall(cmd: list[str], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rlcli = str(Path(sys.executable).with_name("rlcli"))
    help_s = median_wall([rlcli, "--help"])
    train_help_s = median_wall([rlcli, "train", "--help"])
    rllib_s = median_wall([sys.executable, "-c", "import ray.rllib"], runs=5)
    print("== start-up: rlcli --help vs import ray.rllib (median wall time) ==")
    ratio = help_s / rllib_s
    print(f"rlcli --help            {help_s:6.3f} s   ({ratio:5.1%} of import ray.rllib; goal < 0.3 s and < 10%)")
    print(f"rlcli train --help      {train_help_s:6.3f} s   ({train_help_s / rllib_s:5.1%})")
    print(f"python -c 'import ray.rllib'  {rllib_s:6.3f} s   (reference, same run)")
    ok = help_s < 0.3 and help_s < 0.1 * rllib_s
    print("goal met" if ok else "GOAL MISSED")


if __name__ == "__main__":
    main()
