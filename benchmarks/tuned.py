"""`make tuned`: run each project tuned example to its target and keep the measured table.

Every ``tuned_examples/<algo>/<name>.yaml`` states ``# Target: METRIC >= VALUE``. This runs it
with the real ``rlcli train -f`` (a subprocess, as a user would), then reads the trial's
result.json: the first result that met the target, the env steps and training time to it, and
the process wall time. Rows are merged into ``tuned_examples/results.json`` (so a subset can be
re-run) and rendered to ``tuned_examples/RESULTS.md``, which the README links.

    python benchmarks/tuned.py                  # all examples
    python benchmarks/tuned.py cartpole-ppo     # some
"""

from __future__ import annotations

import json
import operator
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlcli.core.config.examples import Example, all_examples  # noqa: E402
from rlcli.core.metrics import flatten, iter_result_rows, number  # noqa: E402

RESULTS_JSON = ROOT / "tuned_examples" / "results.json"
RESULTS_MD = ROOT / "tuned_examples" / "RESULTS.md"
_TARGET = re.compile(r"^\s*(\S+)\s*(>=|<=)\s*(-?[\d.eE+]+)")
_SAMPLED = ("num_env_steps_sampled_lifetime", "env_runners/num_env_steps_sampled_lifetime")
_TRAINED = "learners/__all_modules__/num_env_steps_trained_lifetime"


def parse_target(text: str) -> tuple[str, str, float]:
    match = _TARGET.match(text)
    if not match:
        raise SystemExit(f"Error: unreadable target '{text}' (write '# Target: METRIC >= VALUE').")
    return match.group(1), match.group(2), float(match.group(3))


def env_steps(row: dict, offline: bool) -> tuple[int, str]:
    """Env steps sampled (online) or transitions trained on from the data (offline)."""
    if offline:
        return int(number(row.get(_TRAINED)) or 0), "trained"
    for key in _SAMPLED:
        value = number(row.get(key))
        if value:
            return int(value), "sampled"
    return 0, "sampled"


def measure(example: Example, storage: Path) -> dict:
    metric, op, target = parse_target(example.target)
    better = operator.ge if op == ">=" else operator.le
    name = f"{example.name}-tuned"
    command = [sys.executable, "-m", "rlcli", "train", "-f", str(example.path)]
    command += ["--storage-path", str(storage), "--name", name, "--quiet"]
    print(f"== {example.name}: {' '.join(command[2:])}", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.perf_counter() - start
    row = {"example": example.name, "algorithm": example.algorithm, "env": example.env}
    row |= {"target": f"{metric} {op} {target:g}", "wall_s": round(wall, 1), "exit": proc.returncode}
    trials = sorted((storage / name).glob("*/result.json"))
    if not trials:
        row |= {"reached": False, "best": None, "env_steps": None, "note": proc.stderr.strip()[-300:]}
        return row
    best, hit, last = None, None, {}
    for result in iter_result_rows(trials[0].parent):
        flat = flatten(result)
        last = flat
        value = number(flat.get(metric))
        if value is None:
            continue
        if best is None or better(value, best):
            best = value
        if hit is None and better(value, target):
            hit = flat
    at = hit or last
    offline = at.get("config/input") not in (None, "sampler")
    steps, kind = env_steps(at, offline)
    row |= {
        "reached": hit is not None,
        "best": None if best is None else round(best, 2),
        "env_steps": steps,
        "steps_kind": kind,
        "iterations": int(at.get("training_iteration", 0)),
        "train_s": round(float(at.get("time_total_s", 0.0)), 1),
    }
    return row


def render(rows: dict[str, dict], examples: list[Example]) -> str:
    lines = [
        "# Tuned examples: measured",
        "",
        "Written by `make tuned` (`benchmarks/tuned.py`): each file in `tuned_examples/` run with",
        "`rlcli train -f FILE` in its own process. *env steps* and *train time* are at the first result",
        "that met the target (or at the end when none did); *wall* is the whole process (Python start,",
        "Ray start, trial start-up, shutdown). Offline examples count the transitions trained on from",
        "their dataset (with repeats), marked *(data)*.",
        "",
        "| example | algorithm | env | target | reached | best | env steps | train time | wall | measured on |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for example in sorted(examples, key=lambda e: e.name):
        if example.name not in rows:
            cells = [f"`{example.name}`", example.algorithm, example.env, f"`{example.target}`", "not run yet"]
            lines.append("| " + " | ".join(cells + ["-"] * 5) + " |")
            continue
        name, r = example.name, rows[example.name]
        steps = "-" if r.get("env_steps") is None else f"{r['env_steps']:,}"
        if r.get("steps_kind") == "trained":
            steps += " (data)"
        reached = "yes" if r.get("reached") else "**no**"
        cells = [
            f"`{name}`",
            r["algorithm"],
            r["env"],
            f"`{r['target']}`",
            reached,
            "-" if r.get("best") is None else f"{r['best']:g}",
            steps,
            "-" if r.get("train_s") is None else f"{r['train_s']:.0f} s",
            f"{r['wall_s']:.0f} s",
            r.get("machine", "-"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _load_rows() -> dict:
    return json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.is_file() else {}


def main(names: list[str]) -> int:
    examples = [e for e in all_examples() if not names or e.name in names]
    if names and len(examples) != len(set(names)):
        known = ", ".join(e.name for e in all_examples())
        raise SystemExit(f"Error: unknown example in {names}. Known: {known}.")
    machine = f"{os.cpu_count()} CPUs, {platform.machine()}, {time.strftime('%Y-%m-%d')}"
    failed = 0
    with tempfile.TemporaryDirectory(prefix="rlcli-tuned-") as storage:
        for example in examples:
            row = measure(example, Path(storage)) | {"machine": machine}
            # Read the table again now, not at start: another `make tuned` may have added rows
            # while this example ran (examples take minutes to hours).
            rows = _load_rows() | {example.name: row}
            failed += not row["reached"]
            print(json.dumps(row), flush=True)
            _write_atomically(RESULTS_JSON, json.dumps(rows, indent=1, sort_keys=True) + "\n")
            _write_atomically(RESULTS_MD, render(rows, all_examples()))
    print(f"\n{len(examples) - failed}/{len(examples)} reached their target; table: {RESULTS_MD.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
