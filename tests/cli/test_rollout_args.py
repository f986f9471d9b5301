"""``rollout``'s argument handling through the entry point, all decided before any checkpoint
is loaded or Ray started: each bad combination is one ``Error:`` line and exit 2."""

from __future__ import annotations

import json

import pytest
from crafted import make_trial

CASES = [
    (("--use-shelve",), "--use-shelve needs --out"),
    (("--save-info",), "--save-info needs --out"),
    (("--track-progress",), "--track-progress needs --out"),
    (("--out", "steps.parquet", "--use-shelve"), "old rllib rollout pickle"),
    (("--config", "[1, 2]"), "--config must be a mapping"),
    (("--config", "{broken"), "--config"),
    (("--episodes", "0"), "--episodes"),
    (("--which", "worst"), "--which"),
    (("--mode", "sideways"), "--mode"),
    (("--engine", "turbo"), "--engine"),
    (("--env-config", "{broken"), "--env-config"),
    (("--metric", "nope/metric"), "nope/metric"),
]


@pytest.mark.parametrize(("args", "needle"), CASES, ids=[c[1] for c in CASES])
def test_bad_arguments_are_one_error_line(run_cli, tmp_path, args, needle):
    make_trial(tmp_path / "exp", "t", [1.0, 2.0], {2: "checkpoint_000000"})
    code, out, err = run_cli("rollout", str(tmp_path / "exp"), *args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert lines[-1].startswith("Error: ") and needle in lines[-1], err
    assert out == "" and "Traceback" not in err


def test_paths_that_hold_no_checkpoint(run_cli, tmp_path):
    code, _, err = run_cli("rollout", str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("rollout", str(tmp_path / "empty"))
    assert code == 2 and "not a checkpoint" in err


def _old_checkpoint(root, ray_version=None, layout="policies"):
    """A checkpoint dir as an old Ray wrote it: 1.x's ``checkpoint-N`` file with its
    ``.tune_metadata`` (no rllib_checkpoint.json), or 2.x's old stack (``policies/``, no
    ``learner_group/``), with ``rllib_checkpoint.json``'s ``ray_version`` when given."""
    ckpt = root / "PPO_CartPole-v1_0" / "checkpoint_000010"
    ckpt.mkdir(parents=True)
    (ckpt.parent / "params.json").write_text("{}")
    if layout == "checkpoint-N":
        (ckpt / "checkpoint-10").write_bytes(b"\x80\x04old")
        (ckpt / "checkpoint-10.tune_metadata").write_bytes(b"\x80\x04old")
        return ckpt, ckpt / "checkpoint-10"
    meta = {"type": "Algorithm", "checkpoint_version": "1.1"}
    if ray_version:
        meta["ray_version"] = ray_version
    (ckpt / "rllib_checkpoint.json").write_text(json.dumps(meta))
    (ckpt / "algorithm_state.pkl").write_bytes(b"\x80\x04old")
    (ckpt / "policies" / "default_policy").mkdir(parents=True)
    return ckpt, ckpt / "algorithm_state.pkl"


OLD = [
    ("checkpoint-N", None, "Ray 1.x/2.0-era checkpoint-10 file"),
    ("policies", "2.5.0", "old API stack (Ray 2.5.0)"),
    ("policies", None, "old API stack (an old Ray, checkpoint format 1.1)"),
]


@pytest.mark.parametrize(("layout", "version", "needle"), OLD, ids=[c[2] for c in OLD])
def test_old_api_stack_checkpoints_name_the_ray_that_wrote_them(run_cli, tmp_path, layout, version, needle):
    """Whatever PATH names (the checkpoint dir, a file in it as old docs passed it, the trial or
    experiment dir): one line naming the Ray that wrote it and what to do, before Ray starts."""
    ckpt, inner_file = _old_checkpoint(tmp_path / "exp", version, layout)
    for path in (ckpt, inner_file, ckpt.parent, tmp_path / "exp"):
        code, out, err = run_cli("rollout", str(path), "--run", "PPO", "--steps", "100")
        line = [line for line in err.splitlines() if line.strip()][-1]
        assert code == 2 and out == "" and "Traceback" not in err, err
        assert line.startswith("Error: ") and needle in line and "Ray 2.60 cannot load it" in line, line
        assert "rlcli train" in line and str(ckpt) in line, line


def test_a_file_outside_any_checkpoint_is_refused(run_cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    code, _, err = run_cli("rollout", str(tmp_path / "notes.txt"))
    assert code == 2 and "is a file, not in a checkpoint directory" in err
