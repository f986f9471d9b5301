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
