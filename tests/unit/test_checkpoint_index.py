"""rlcli's checkpoint index: one module writes and reads it (``store.checkpoint_index``)."""

from __future__ import annotations

import json

from rlcli.core.store.checkpoint_index import CHECKPOINT_INDEX, IndexRow, append_row, index_row, read_rows
from rlcli.core.store.checkpoints import checkpoint_iterations


def test_a_row_is_the_checkpoint_its_iteration_and_the_numeric_metrics():
    result = {
        "training_iteration": 3,
        "env_runners": {"episode_return_mean": 21.5, "episode_len_mean": float("nan")},
        "config": {"lr": 0.1},
        "trial_id": "abc",
    }
    row = index_row("/results/exp/trial/checkpoint_000002/", result)
    assert row.checkpoint == "checkpoint_000002" and row.training_iteration == 3
    assert row.metrics == {"env_runners/episode_return_mean": 21.5, "training_iteration": 3}  # NaN is no number


def test_rows_read_back_as_written_and_a_broken_line_is_skipped(tmp_path):
    append_row(tmp_path, IndexRow("checkpoint_000000", 1, {"a/b": 1.0}))
    with open(tmp_path / CHECKPOINT_INDEX, "a") as fh:
        fh.write('{"checkpoint": "checkpoint_0000\n')  # cut short by a crash
        fh.write('["not", "a", "row"]\n')
    append_row(tmp_path, IndexRow("checkpoint_000001", 2))
    assert read_rows(tmp_path) == [IndexRow("checkpoint_000000", 1, {"a/b": 1.0}), IndexRow("checkpoint_000001", 2)]
    first = json.loads((tmp_path / CHECKPOINT_INDEX).read_text().splitlines()[0])
    assert first == {"checkpoint": "checkpoint_000000", "training_iteration": 1, "metrics": {"a/b": 1.0}}


def test_no_index_no_rows_and_the_index_maps_checkpoints_to_iterations(tmp_path):
    assert read_rows(tmp_path) == []
    append_row(tmp_path, IndexRow("checkpoint_000004", 5))
    append_row(tmp_path, IndexRow("checkpoint_000005", None))  # an iteration-less row names no iteration
    assert checkpoint_iterations(tmp_path) == {"checkpoint_000004": 5}
