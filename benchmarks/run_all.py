"""`make bench`: every benchmark, each printing ratios against a reference measured in the same run."""

from __future__ import annotations

import runpy
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["startup.py", "race.py", "cartpole_race.py", "local_mode.py", "rollout.py", "analyze.py", "serve.py"]

if __name__ == "__main__":
    for name in BENCHMARKS:
        runpy.run_path(str(HERE / name), run_name="__main__")
        print()
