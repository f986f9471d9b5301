"""`make profile ALGO=SAC`: where a trial's training time goes, from a sampling profiler.

Runs the race row's tuned example for ALGO (``benchmarks/race.py``'s ``ROWS``; or any ``-f
FILE``) with ``rlcli train --local-mode`` (the same training step as in a Tune trial actor, in
one process, so one profile holds all of it) under py-spy (a dev dependency) for SECONDS of
training, and prints the frames with the largest share of the samples spent inside the
algorithm's ``training_step``: inclusive (the frame and what it called) and self (the frame's
own code). Also prints the milliseconds per env step of the training.

    python benchmarks/profile_trial.py SAC [--seconds 40] [--top 40] [--raw OUT.txt] [-f FILE]

The raw py-spy stacks (``--raw``) are flamegraph input (``flamegraph.pl``, speedscope).
Heavy: take the shared lock (``flock /tmp/rlcli-heavy.lock``) on a shared machine.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from race import ROWS

RLCLI = Path(sys.executable).with_name("rlcli")
PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
ROOT_FRAME = "training_step"


def _frame_name(frame: str) -> str:
    """``Learner.update (ray/rllib/core/learner/learner.py:123)`` → without the line and the
    site-packages prefix."""
    frame = re.sub(r"\((?:/[^()]*?/site-packages/|/[^()]*?/rlcli/)", "(", frame)
    return re.sub(r":\d+\)$", ")", frame)


def summarize(raw: Path, top: int) -> tuple[int, list[tuple[float, str]], list[tuple[float, str]]]:
    """Samples inside ``training_step``, and the top inclusive and self shares (percent)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        root = next((i for i, f in enumerate(frames) if ROOT_FRAME in f.split(" ")[0]), None)
        if root is None:
            continue
        n = int(count)
        total += n
        names = [_frame_name(f) for f in frames[root:]]
        for name in set(names):
            inclusive[name] += n
        own[names[-1]] += n
    share = 100.0 / max(total, 1)
    return (
        total,
        [(n * share, f) for f, n in inclusive.most_common(top)],
        [(n * share, f) for f, n in own.most_common(top // 2)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("algo", help="a race row's algorithm (" + ", ".join(sorted({r.algorithm for r in ROWS})) + ")")
    parser.add_argument("-f", "--file", default=None, help="an experiment file instead of the row's tuned example")
    parser.add_argument("--seconds", type=float, default=40.0, help="seconds of training to record")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--rate", type=int, default=50, help="samples per second")
    parser.add_argument("--raw", type=Path, default=None, help="keep py-spy's raw stacks here")
    args = parser.parse_args()
    example = args.file or next((r.example for r in ROWS if r.algorithm == args.algo.upper()), None)
    if example is None:
        raise SystemExit(f"No race row for {args.algo}; pass -f FILE.")
    with tempfile.TemporaryDirectory(prefix="rlcli-profile-") as tmp:
        raw = args.raw or Path(tmp) / "stacks.txt"
        train = [str(RLCLI), "train", "-f", str(example), "--local-mode", "-q", "--storage-path", tmp]
        train += ["--name", "profile", f"stop.time_total_s={args.seconds:g}"]
        cmd = [PY_SPY, "record", "-r", str(args.rate), "--format", "raw", "-o", str(raw), "--", *train]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}")
        (trial,) = [p for p in (Path(tmp) / "profile").iterdir() if (p / "result.json").is_file()]
        rows = [json.loads(line) for line in (trial / "result.json").read_text().splitlines() if line.strip()]
        total, inclusive, own = summarize(raw, args.top)
    last = rows[-1]
    steps, seconds = last["num_env_steps_sampled_lifetime"], last["time_total_s"]
    print(f"== {args.algo.upper()} {example}: {len(rows)} iterations, {steps:,} env steps in {seconds:.1f} s ==")
    print(f"   {1000 * seconds / max(steps, 1):.1f} ms per env step; {total} py-spy samples inside {ROOT_FRAME}")
    print("-- inclusive (share of training_step's samples)")
    for pct, name in inclusive:
        print(f"  {pct:5.1f}%  {name}")
    print("-- self")
    for pct, name in own:
        print(f"  {pct:5.1f}%  {name}")


if __name__ == "__main__":
    main()
