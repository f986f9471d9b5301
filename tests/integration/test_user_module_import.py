"""A user module that calls ``register_env`` when imported never runs beside ``ray.init``: the
train path's start-up (Ray starting while RLlib is imported, then the experiment prepared) is
repeated 5 times in one process with such a module, as ``rlcli train`` does it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
USERPROJ = Path(__file__).resolve().parents[1] / "data" / "userproj"

SCRIPT = """
import importlib, sys
from rlcli.core.train import ray_session
from rlcli.core.config.experiments import TrainInputs, build_specs
from rlcli.core.spec import RayOptions

options = RayOptions(num_cpus=1)
for attempt in range(5):
    sys.modules.pop("rlcli_userproj.main_thread_env", None)  # imported afresh every time, as by a new rlcli
    specs = build_specs(TrainInputs(
        run="PPO", env="rlcli_userproj.main_thread_env:MainThreadCountdown", name=f"n{attempt}",
        overrides=("num_env_runners=0",),
    )).specs
    try:
        prepared = ray_session.prepare_while_ray_starts(specs, options)
        assert prepared[0].envs[0].creator_path.endswith("MainThreadCountdown")
        module = sys.modules["rlcli_userproj.main_thread_env"]
        assert module.IMPORTS == ["MainThread"], module.IMPORTS
    finally:
        ray_session.shutdown_ray()
    print("ok", attempt, flush=True)
"""


def test_five_startups_with_a_register_env_module(tmp_path):
    env = {"PYTHONPATH": str(USERPROJ), "RLCLI_STORAGE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=400, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split().count("ok") == 5
    assert "ray.init twice" not in proc.stderr
