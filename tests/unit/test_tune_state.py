"""Tune's pickled checkpoint manager is read opcode by opcode, never unpickled; every pickle
protocol Tune could have written must give the same checkpoint -> iteration map."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field

import pytest

from rlcli.core.store.tune_state import checkpoint_iterations_from_manager, trials_in_state


@dataclass
class FakeCheckpoint:
    path: str


@dataclass
class FakeResult:
    checkpoint: FakeCheckpoint
    metrics: dict = field(default_factory=dict)


def manager_blob(protocol: int, iterations: list[int]) -> bytes:
    results = [
        FakeResult(
            FakeCheckpoint(f"/runs/exp/trial_0/checkpoint_{k:06d}"),
            {"timers": {"training_iteration": 0.25}, "training_iteration": it, "big": 2**70, "x": -3, "f": 1.5},
        )
        for k, it in enumerate(iterations)
    ]
    return pickle.dumps({"_checkpoint_results": results, "latest": results[-1]}, protocol=protocol)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_protocol(protocol):
    blob = manager_blob(protocol, [2, 300, 70000, 2**40])
    assert checkpoint_iterations_from_manager(blob) == {
        "checkpoint_000000": 2,
        "checkpoint_000001": 300,
        "checkpoint_000002": 70000,
        "checkpoint_000003": 2**40,
    }


def test_damaged_state_file_gives_no_map(tmp_path):
    blob = manager_blob(5, [1, 2])
    runtime = json.dumps({"checkpoint_manager": {"value": blob[: len(blob) // 2].hex()}})
    trial = json.dumps({"trial_id": "t0", "status": "TERMINATED", "relative_logdir": "trial_0"})
    (tmp_path / "experiment_state-x.json").write_text(json.dumps({"trial_data": [[trial, runtime]]}))
    state = trials_in_state(tmp_path)
    assert state["trial_0"].status == "TERMINATED"
    assert state["trial_0"].checkpoints in ({}, {"checkpoint_000000": 1})


def test_state_file_in_another_layout_is_read_whole(tmp_path):
    runtime = json.dumps({"checkpoint_manager": {"value": manager_blob(4, [7]).hex()}})
    trial = json.dumps({"trial_id": "t0", "status": "RUNNING", "relative_logdir": "trial_0"})
    (tmp_path / "experiment_state-x.json").write_text(json.dumps({"stats": {}, "trial_data": [[trial, runtime]]}))
    assert trials_in_state(tmp_path)["trial_0"].checkpoints == {"checkpoint_000000": 7}
