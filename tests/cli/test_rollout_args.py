"""``rollout``'s argument handling through the entry point, all decided before any checkpoint
is loaded or Ray started: each bad combination is one ``Error:`` line and exit 2."""

from __future__ import annotations

import pytest
from crafted import make_trial

CASES = [
    (("--episodes", "5", "--steps", "10"), "exclude each other"),
    (("--out", "episodes.csv"), "Parquet"),
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
