"""`rlcli analyze best-checkpoint` vs Tune's ExperimentAnalysis on big synthetic experiments.

Builds experiments of realistic RLlib 2.60 result rows (~17 KB each) from a real template
experiment (gen_experiment.py), 50 trials x 200 rows and 200 x 1000, then times, in the same run,
each tool as its own process: wall time and peak memory of the whole process tree, and whether
they give the same answer.

Same answer: with ``--scope last`` both rank trials by their last result, then take that trial's
best checkpoint, so the paths must be equal. With the default ``--scope all`` rlcli returns the
best checkpoint on disk across all trials, while Tune takes the trial with the best row and then
its best checkpoint (which may score lower): rlcli's value must then be >= Tune's.

Env: RLCLI_BENCH_DIR (default /tmp/rlcli-bench) for the generated data (~3.5 GB at 200x1000);
RLCLI_BENCH_SIZES (default "50x200,200x1000").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
SHARED_TEMPLATE = HERE.parent.parent / "shared" / "bench" / "template-experiment"
METRIC = "env_runners/episode_return_mean"
GOAL_SPEEDUP, GOAL_MB = 30, 100

TUNE_SCRIPT = """
import json, sys
from ray.tune import ExperimentAnalysis
path, scope, metric = sys.argv[1:4]
ea = ExperimentAnalysis(path)
trial = ea.get_best_trial(metric, "max", scope=scope)
ckpt = ea.get_best_checkpoint(trial, metric, "max")
value = next(v for c, v in ea._get_trial_checkpoints_with_metric(trial, metric) if c.path == ckpt.path)
print(json.dumps({"path": ckpt.path, "value": value}))
"""


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) summed over the process and its children, stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, peak / 2**20, out


def template() -> Path:
    """The shared real template experiment, or a real one made here once (8 iterations of PPO)."""
    if SHARED_TEMPLATE.is_dir():
        return SHARED_TEMPLATE
    cache = HERE / ".cache"
    made = cache / "template"
    if not list(made.glob("experiment_state-*.json")):
        rlcli = str(Path(sys.executable).with_name("rlcli"))
        args = ["--run", "PPO", "--env", "CartPole-v1", "--name", "template", "--checkpoint-freq", "2"]
        args += ["num_env_runners=0", "stop.training_iteration=8", "-q"]
        subprocess.run([rlcli, "train", *args], check=True, env=dict(os.environ, RLCLI_STORAGE_PATH=str(cache)))
    return made


def generate(root: Path, trials: int, rows: int) -> Path:
    out = root / f"n{trials}_m{rows}"
    if list(out.glob("experiment_state-*.json")) and len(list(out.glob("PPO_*"))) == trials:
        return out
    tmpl = template()
    trial = next(p for p in tmpl.iterdir() if (p / "result.json").is_file())
    state = sorted(tmpl.glob("experiment_state-*.json"))[-1]
    cmd = [sys.executable, str(HERE / "gen_experiment.py"), "--trials", str(trials), "--rows", str(rows)]
    cmd += ["--out", str(out), "--template-row", str(trial / "result.json"), "--state-template", str(state)]
    subprocess.run([*cmd, "--ckpts", "5", "--no-csv"], check=True, stdout=subprocess.DEVNULL)
    return out


def bench(exp: Path) -> bool:
    rlcli = str(Path(sys.executable).with_name("rlcli"))
    print(f"-- {exp.name}: {sum(1 for _ in exp.glob('PPO_*'))} trials, {_gb(exp):.2f} GB of result.json --")
    ok = True
    for scope in ("last", "all"):
        r_wall, r_mb, r_out = measure([rlcli, "analyze", "best-checkpoint", str(exp), "--scope", scope, "--json"])
        t_wall, t_mb, t_out = measure([sys.executable, "-c", TUNE_SCRIPT, str(exp), scope, METRIC])
        mine, tune = json.loads(r_out), json.loads(t_out.strip().splitlines()[-1])
        if scope == "last":
            same = mine["path"] == tune["path"]
            verdict = "same checkpoint" if same else f"DIFFERENT: {mine['path']} vs {tune['path']}"
        else:
            same = mine["value"] >= tune["value"]
            verdict = (
                "same checkpoint"
                if mine["path"] == tune["path"]
                else f"rlcli {mine['value']:g} >= Tune {tune['value']:g} (best on disk vs best trial's)"
                if same
                else "WORSE THAN TUNE"
            )
        speedup = t_wall / r_wall
        print(f"  --scope {scope}:  rlcli {r_wall:6.2f} s {r_mb:6.0f} MB | ExperimentAnalysis {t_wall:7.2f} s ", end="")
        print(f"{t_mb:6.0f} MB | {speedup:5.1f}x faster, {t_mb / r_mb:4.1f}x less memory | {verdict}")
        ok &= same and (exp.name != "n200_m1000" or (speedup >= GOAL_SPEEDUP and r_mb <= GOAL_MB))
    return ok


def _gb(exp: Path) -> float:
    return sum(p.stat().st_size for p in exp.glob("*/result.json")) / 1e9


def main() -> None:
    root = Path(os.environ.get("RLCLI_BENCH_DIR", "/tmp/rlcli-bench"))
    sizes = [tuple(map(int, s.split("x"))) for s in os.environ.get("RLCLI_BENCH_SIZES", "50x200,200x1000").split(",")]
    print("== analyze best-checkpoint vs ray.tune.ExperimentAnalysis (wall, peak RSS of the process tree) ==")
    print(f"goal at 200x1000: >= {GOAL_SPEEDUP}x faster, <= {GOAL_MB} MB, same answer")
    ok = all([bench(generate(root, trials, rows)) for trials, rows in sizes])
    print("goal met" if ok else "GOAL MISSED")


if __name__ == "__main__":
    main()
