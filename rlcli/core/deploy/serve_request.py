"""What ``rlcli serve`` is asked to serve, and how: :class:`ServeRequest`, checked before any
checkpoint is read or Ray started (pure Python: building one imports neither Ray nor a web
framework)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from rlcli.core.errors import UsageError
from rlcli.core.store.checkpoints import Selection

BACKENDS = ("auto", "embedded", "ray")
#: The environment variable a bearer token can come from (``--token-file`` wins).
TOKEN_ENV = "RLCLI_SERVE_TOKEN"


@dataclass(frozen=True)
class ServeRequest:
    """The checkpoint ``path`` means (``selection``, the rule rollout uses), where to listen, which
    backend (the embedded one-process server, or Ray Serve for replicas or a cluster), how requests
    are batched into one forward pass, and the token clients must send. Made by :meth:`build`;
    checked on construction."""

    path: str | Path
    selection: Selection = field(default_factory=Selection)
    #: The address to bind; anything but a loopback address warns unless a token is set.
    host: str = "127.0.0.1"
    port: int = 8000
    num_replicas: int = 1
    #: Requests batched into one forward pass (1: no batching).
    max_batch_size: int = 32
    #: How long a batch that is not full waits for more requests (0: it goes as soon as the
    #: forward pass is free, with every request that arrived meanwhile).
    batch_wait_ms: float = 0.0
    #: ``auto``: Ray Serve when ``num_replicas`` > 1 or ``ray_address`` is given, else embedded.
    backend: str = "auto"
    #: A running Ray cluster to deploy to (Ray Serve backend).
    ray_address: str | None = None
    #: A file holding the bearer token clients must send (else :data:`TOKEN_ENV`, else none).
    token_file: Path | None = None
    #: One log line per request (``-v``).
    access_log: bool = False

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
        self._check_backend()

    def _check_backend(self) -> None:
        if self.backend not in BACKENDS:
            raise UsageError(f"--backend {self.backend!r} is not one of {', '.join(BACKENDS)}.")
        if self.ray_address is not None and not self.ray_address:
            raise UsageError("--ray-address is empty.", "e.g. --ray-address auto")
        if self.backend == "embedded" and (self.num_replicas > 1 or self.ray_address):
            given = "--num-replicas" if self.num_replicas > 1 else "--ray-address"
            raise UsageError(
                f"{given} needs Ray Serve; --backend embedded is one process.", "Use --backend ray (or leave it out)."
            )

    @property
    def resolved_backend(self) -> str:
        """``embedded`` or ``ray``: what ``auto`` means for this request."""
        if self.backend != "auto":
            return self.backend
        return "ray" if self.num_replicas > 1 or self.ray_address else "embedded"

    @property
    def loopback(self) -> bool:
        """Whether ``host`` reaches this machine only (no warning without a token)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @classmethod
    def build(
        cls,
        path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        num_replicas: int = 1,
        max_batch_size: int = 32,
        batch_wait_ms: float = 0.0,
        backend: str = "auto",
        ray_address: str | None = None,
        token_file: str | Path | None = None,
        access_log: bool = False,
        which: str = "best",
        metric: str | None = None,
        mode: str = "max",
    ) -> ServeRequest:
        """The request, checked: ``which`` / ``metric`` / ``mode`` choose the checkpoint of a
        trial or experiment dir as ``rollout`` does."""
        selection = Selection(which=which, metric=metric or "", mode=mode)
        return cls(
            path,
            selection,
            host=host,
            port=port,
            num_replicas=num_replicas,
            max_batch_size=max_batch_size,
            batch_wait_ms=batch_wait_ms,
            backend=backend,
            ray_address=ray_address,
            token_file=Path(token_file).expanduser() if token_file is not None else None,
            access_log=access_log,
        )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
