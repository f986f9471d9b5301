"""`make demo`: train CartPole-v1 with the tuned PPO example until solved, then show the result.

Runs the installed ``rlcli`` exactly as a user would and checks that the target was reached.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from rlcli.core.metrics import iter_result_rows
from rlcli.core.rllib.rolling_return import ROLLING_RETURN

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "tuned_examples" / "ppo" / "cartpole-ppo.yaml"
TARGET = 450.0


def main() -> int:
    rlcli = str(Path(sys.executable).with_name("rlcli"))
    storage = Path(os.environ.get("RLCLI_STORAGE_PATH", "~/ray_results")).expanduser()
    name = "cartpole-ppo-demo-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    cmd = [rlcli, "train", "-f", str(EXAMPLE), "--name", name, "--storage-path", str(storage)]
    print("$ " + " ".join(["rlcli", *cmd[1:]]), flush=True)
    start = time.perf_counter()
    code = subprocess.call(cmd)
    wall = time.perf_counter() - start
    if code != 0:
        return code
    rows = [row for trial in (storage / name).glob("*/") for row in iter_result_rows(trial)]
    best = max(r.get(ROLLING_RETURN, float("-inf")) for r in rows)
    steps = int(rows[-1]["num_env_steps_sampled_lifetime"])
    print(
        f"\nDemo: best last-100-episode mean return {best:.1f} (target {TARGET:g}) after {steps:,} env steps; "
        f"wall time {wall:.1f} s (process start to exit)."
    )
    if best < TARGET:
        print("Demo did NOT reach the target.", file=sys.stderr)
        return 1
    rollout = [rlcli, "rollout", str(storage / name), "--episodes", "20", "--num-envs", "20", "--seed", "0"]
    print("\n$ " + " ".join(["rlcli", *rollout[1:]]), flush=True)
    return subprocess.call(rollout)


if __name__ == "__main__":
    sys.exit(main())
