"""What ``rlcli serve`` is asked to serve, and how: :class:`ServeRequest`, checked before any
checkpoint is read or Ray started (pure Python: building one imports neither Ray nor FastAPI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rlcli.core.errors import UsageError
from rlcli.core.store.checkpoints import Selection


@dataclass(frozen=True)
class ServeRequest:
    """The checkpoint ``path`` means (``selection``, the rule rollout uses), where to listen, how
    many Ray Serve replicas, and how requests are batched into one forward pass. Made by
    :meth:`build`; checked on construction."""

    path: str | Path
    selection: Selection = field(default_factory=Selection)
    #: The address to bind; anything but 127.0.0.1 exposes an API with no authentication.
    host: str = "127.0.0.1"
    port: int = 8000
    num_replicas: int = 1
    #: Requests batched into one forward pass (1: no batching).
    max_batch_size: int = 32
    #: How long a batch waits for more requests.
    batch_wait_ms: float = 2.0

    def __post_init__(self) -> None:
        if not self.host:
            raise UsageError("--host is empty.", "e.g. --host 127.0.0.1")
        if not _whole(self.port) or not 1 <= self.port <= 65535:
            raise UsageError(f"--port must be a port number 1-65535, got {self.port!r}.")
        for flag, value in (("--num-replicas", self.num_replicas), ("--max-batch-size", self.max_batch_size)):
            if not _whole(value) or value < 1:
                raise UsageError(f"{flag} must be a whole number >= 1, got {value!r}.")
        if isinstance(self.batch_wait_ms, bool) or not isinstance(self.batch_wait_ms, (int, float)):
            raise UsageError(f"--batch-wait-ms must be a number of milliseconds, got {self.batch_wait_ms!r}.")
        if not self.batch_wait_ms >= 0:  # NaN too
            raise UsageError(f"--batch-wait-ms must be >= 0, got {self.batch_wait_ms!r}.")

    @classmethod
    def build(
        cls,
        path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        num_replicas: int = 1,
        max_batch_size: int = 32,
        batch_wait_ms: float = 2.0,
        which: str = "best",
        metric: str | None = None,
        mode: str = "max",
    ) -> ServeRequest:
        """The request, checked: ``which`` / ``metric`` / ``mode`` choose the checkpoint of a
        trial or experiment dir as ``rollout`` does."""
        selection = Selection(which=which, metric=metric or "", mode=mode)
        return cls(path, selection, host, port, num_replicas, max_batch_size, batch_wait_ms)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
