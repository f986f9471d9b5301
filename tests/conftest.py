"""Shared fixtures: the installed ``rlcli`` entry point and isolated storage."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))  # tests/crafted.py, shared by the layers


@pytest.fixture(scope="session")
def rlcli_exe() -> str:
    """The console script installed next to this interpreter (what users run)."""
    exe = Path(sys.executable).with_name("rlcli")
    found = str(exe) if exe.exists() else shutil.which("rlcli")
    assert found, "the rlcli entry point is not installed; run 'make install'"
    return found


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "results"
    monkeypatch.setenv("RLCLI_STORAGE_PATH", str(path))
    return path


#: Test files that share session-scoped trained fixtures (``skewed``, ``pair`` in
#: tests/integration/conftest.py): under ``pytest -n 2`` they run on one worker, so each fixture
#: trains once.
SHARED_FIXTURE_FILES = {"test_rollout_fairness.py", "test_rollout_legacy_out.py", "test_rollout_multiagent.py"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With pytest-xdist's ``--dist loadgroup`` (what ``make test`` uses), a test file is one
    unit of work: its module-scoped fixtures (one tiny training each) run once, on one worker.
    Without xdist (``-p no:xdist``) there is nothing to group."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        name = item.path.name
        item.add_marker(pytest.mark.xdist_group("shared-rollout-fixtures" if name in SHARED_FIXTURE_FILES else name))
