"""Files rollouts write. Each is written to a temp file beside the target and renamed, so an
interrupted run never leaves half a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.files import atomic_path


def write_offline_parquet(rows: list[dict[str, Any]], target: Path) -> Path:
    """Rows in RLlib's offline schema (one per step: eps_id, obs, actions, rewards, new_obs,
    terminateds, truncateds, t), readable by ``config.offline_data(input_=[path])`` for BC,
    MARWIL and CQL."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(target).expanduser().absolute()
    if not target.parent.is_dir():
        raise UsageError(f"--out: directory '{target.parent}' does not exist.", "Create it or pick another path.")
    table = pa.Table.from_pylist(rows)
    with atomic_path(target) as tmp:
        pq.write_table(table, str(tmp))
    return target
