from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import storage_env  # importable once the path above is set


@pytest.fixture
def subprocess_env(storage: Path) -> dict[str, str]:
    """The environment for an ``rlcli`` subprocess writing into the test's ``storage``."""
    return storage_env(storage)
