"""``analysis`` on small hand-made experiment dirs: NaN metrics, min mode, missing files, a
folder of experiments, deleted checkpoints; answers checked against the rows written here."""

from __future__ import annotations

import pytest
from crafted import make_trial

from rlcli.core.analysis.trials import best_checkpoint_of_trials, load_trials
from rlcli.core.errors import UsageError

METRIC = "env_runners/episode_return_mean"


def test_nan_rows_and_nan_trials_are_ignored(tmp_path):
    nan = float("nan")
    make_trial(tmp_path, "a", [nan, nan, nan], {1: "checkpoint_000000", 3: "checkpoint_000001"})
    make_trial(tmp_path, "b", [5.0, nan, 7.0], {2: "checkpoint_000000", 3: "checkpoint_000001"})
    records = load_trials(tmp_path, METRIC)
    best = best_checkpoint_of_trials(records, METRIC, "max", "all")
    assert (best.trial, best.iteration, best.value) == ("b", 3, 7.0)


def test_min_mode_and_a_best_row_without_checkpoint(tmp_path):
    make_trial(tmp_path, "a", [9.0, 1.0, 4.0], {1: "checkpoint_000000", 3: "checkpoint_000001"})
    make_trial(tmp_path, "b", [6.0, 5.0], {2: "checkpoint_000000"})
    records = load_trials(tmp_path, METRIC)
    best = best_checkpoint_of_trials(records, METRIC, "min", "all")
    assert (best.trial, best.iteration, best.value) == ("a", 3, 4.0)
    assert best.note and "= 1 at iteration 2" in best.note
    best = best_checkpoint_of_trials(records, METRIC, "max", "last")  # b ends at 5 > a's 4: b's best checkpoint
    assert (best.trial, best.value) == ("b", 5.0)


def test_deleted_checkpoint_dirs_are_not_candidates(tmp_path):
    trial = make_trial(tmp_path, "a", [1.0, 9.0, 2.0], {2: "checkpoint_000000", 3: "checkpoint_000001"})
    (trial / "checkpoint_000000" / "rllib_checkpoint.json").unlink()
    (trial / "checkpoint_000000").rmdir()
    best = best_checkpoint_of_trials(load_trials(tmp_path, METRIC), METRIC, "max", "all")
    assert (best.iteration, best.value) == (3, 2.0) and "9" in (best.note or "")


def test_folder_of_experiments_a_trial_dir_and_missing_results(tmp_path):
    make_trial(tmp_path / "exp1", "a", [1.0, 2.0], {2: "checkpoint_000000"})
    make_trial(tmp_path / "exp2", "b", [3.0], {1: "checkpoint_000000"})
    (tmp_path / "exp2" / "c").mkdir()
    (tmp_path / "exp2" / "c" / "params.json").write_text("{}")  # started, no result yet
    records = load_trials(tmp_path, METRIC)
    assert sorted((r.experiment, r.name) for r in records) == [("exp1", "a"), ("exp2", "b"), ("exp2", "c")]
    assert any("no result.json yet" in w for r in records for w in r.warnings)
    assert best_checkpoint_of_trials(records, METRIC, "max", "all").trial == "b"
    assert [r.name for r in load_trials(tmp_path / "exp1" / "a", METRIC)] == ["a"]


def test_unknown_metric_lists_the_ones_that_exist(tmp_path):
    make_trial(tmp_path, "a", [1.0], {})
    with pytest.raises(UsageError) as info:
        load_trials(tmp_path, "env_runners/episode_retrun_mean")
    assert "env_runners/episode_return_mean" in str(info.value)
