"""Old Tune environment variables set in a real ``rlcli`` process (rlcli.core.old_env)."""

from __future__ import annotations

from pathlib import Path

from helpers import run_rlcli, storage_env, tiny_ppo_args, trial_dirs


def test_tune_result_dir_is_honoured_as_the_storage_path(rlcli_exe, tmp_path):
    """Tune 2.60 raises DeprecationWarning on TUNE_RESULT_DIR; rlcli trains into it instead."""
    old = tmp_path / "old_results"
    env = storage_env(tmp_path / "unused", TUNE_RESULT_DIR=str(old), TUNE_CLUSTER_SSH_KEY="~/.ssh/key")
    del env["RLCLI_STORAGE_PATH"]
    proc = run_rlcli(rlcli_exe, *tiny_ppo_args("old", "stop.training_iteration=1"), env=env, process=True)
    assert proc.returncode == 0, proc.stderr
    assert "internal error" not in proc.stderr and "DeprecationWarning" not in proc.stderr
    notices = [line for line in proc.stderr.splitlines() if "TUNE_" in line]
    assert notices == [
        f"notice: TUNE_RESULT_DIR={old}: Ray 2.60's Tune no longer reads it (old Tune's results directory); "
        "rlcli writes experiments there, as old Tune did (--storage-path overrides it)",
        "notice: TUNE_CLUSTER_SSH_KEY is set, but Ray 2.60 does not read it "
        "(Tune syncs through the storage path, not over SSH); it has no effect",
    ]
    (trial,) = trial_dirs(old / "old")
    assert any(p.name.startswith("checkpoint_") for p in trial.iterdir())
    assert not (tmp_path / "unused").exists() and not (Path.home() / "ray_results" / "old").exists()


def test_storage_path_flag_wins_over_tune_result_dir(rlcli_exe, tmp_path):
    old, new = tmp_path / "old_results", tmp_path / "new_results"
    env = storage_env(tmp_path / "unused", TUNE_RESULT_DIR=str(old))
    del env["RLCLI_STORAGE_PATH"]
    args = tiny_ppo_args("flag", "stop.training_iteration=1", "--storage-path", str(new))
    proc = run_rlcli(rlcli_exe, *args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"notice: TUNE_RESULT_DIR={old} is not used: the storage path is {new}" in proc.stderr
    assert len(trial_dirs(new / "flag")) == 1 and not old.exists()
