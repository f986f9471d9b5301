"""The old TUNE_*/RLLIB_* variables table checked against the installed Ray, and what rlcli says."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from rlcli.core import old_env
from rlcli.core.spec import default_storage_path

#: The installed Ray's source tree, found without importing Ray (the unit layer never does).
RAY = Path(next(iter(importlib.util.find_spec("ray").submodule_search_locations or ())))


def _ray_sources() -> dict[str, str]:
    """Ray's own Python sources (not its tests), path → text."""
    return {
        str(p.relative_to(RAY)): p.read_text(errors="replace")
        for p in RAY.rglob("*.py")
        if "/tests/" not in f"/{p.relative_to(RAY)}"
    }


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return _ray_sources()


def test_every_storage_variable_is_one_tune_run_raises_on(sources):
    tune_run = sources["tune/tune.py"]
    for name in old_env.REJECTED:
        assert re.search(rf'if os\.environ\.get\("{name}"\):\s*raise DeprecationWarning', tune_run), name


def test_every_ignored_variable_is_read_nowhere_in_ray(sources):
    ignored = [v.name for v in old_env.OLD_ENV_VARS if v.treatment == "ignored" and v.name != "RLLIB_NUM_GPUS"]
    for name in ignored:
        # Only ray/tune/constants.py's list of names (telemetry) may still name it.
        where = sorted(path for path, text in sources.items() if name in text and path != "tune/constants.py")
        assert where == [], (name, where)


def test_rllib_num_gpus_is_read_by_test_helpers_and_old_stack_examples_only(sources):
    where = {path for path, text in sources.items() if "RLLIB_NUM_GPUS" in text}
    assert "rllib/utils/test_utils.py" in where
    assert all(p == "rllib/utils/test_utils.py" or p.startswith("rllib/examples/_old_api_stack/") for p in where), where


def test_table_names_are_unique_and_documented():
    names = [v.name for v in old_env.OLD_ENV_VARS]
    assert len(names) == len(set(names))
    docs = (Path(__file__).parents[2] / "docs" / "train.md").read_text()
    assert all(f"`{name}`" in docs for name in names), [n for n in names if f"`{n}`" not in docs]


def test_tune_result_dir_is_the_default_storage_after_rlcli_storage_path(monkeypatch, tmp_path):
    monkeypatch.delenv("RLCLI_STORAGE_PATH", raising=False)
    monkeypatch.delenv("RAY_AIR_LOCAL_CACHE_DIR", raising=False)
    monkeypatch.setenv("TUNE_RESULT_DIR", str(tmp_path / "old"))
    assert default_storage_path() == str(tmp_path / "old")
    assert "rlcli writes experiments there" in (old_env.storage_notice(str(tmp_path / "old")) or "")
    monkeypatch.setenv("RLCLI_STORAGE_PATH", str(tmp_path / "new"))
    assert default_storage_path() == str(tmp_path / "new")
    assert old_env.storage_notice(str(tmp_path / "new")) == (
        f"TUNE_RESULT_DIR={tmp_path / 'old'} is not used: the storage path is {tmp_path / 'new'}"
    )


def test_nothing_said_without_old_variables():
    assert old_env.storage_notice("/x", {}) is None
    assert old_env.ignored_notices({"TUNE_MAX_LEN_IDENTIFIER": "50"}) == []  # Ray 2.60 reads that one


def test_one_notice_per_ignored_variable_set():
    env = {"TUNE_CLUSTER_SSH_KEY": "k", "RLLIB_NUM_GPUS": "1", "TUNE_RESULT_DIR": "/x"}
    lines = old_env.ignored_notices(env)
    assert [line.split()[0] for line in lines] == ["TUNE_CLUSTER_SSH_KEY", "RLLIB_NUM_GPUS"]
    assert lines[0].startswith("TUNE_CLUSTER_SSH_KEY is set, but Ray 2.60 does not read it")


def test_rejected_variables_are_out_of_the_environment_only_inside(monkeypatch):
    import os

    monkeypatch.setenv("TUNE_RESULT_DIR", "/somewhere")
    with old_env.without_rejected():
        assert "TUNE_RESULT_DIR" not in os.environ
    assert os.environ["TUNE_RESULT_DIR"] == "/somewhere"


def test_a_remote_tune_result_dir_stays_a_uri(monkeypatch):
    monkeypatch.delenv("RLCLI_STORAGE_PATH", raising=False)
    monkeypatch.setenv("TUNE_RESULT_DIR", "s3://bucket/runs/")
    assert default_storage_path() == "s3://bucket/runs"
    assert "rlcli writes experiments there" in (old_env.storage_notice("s3://bucket/runs") or "")
