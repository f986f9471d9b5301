"""What both of ``rlcli serve``'s backends answer, apart from the server around them: the bearer
token (where it comes from, how a request's header is checked), the body-size limit, and the
answers of ``POST /v1/actions``, ``GET /v1/policy`` and ``GET /healthz`` as bytes. Pure Python and
numpy: the embedded ASGI app and the Ray Serve deployment both call it."""

from __future__ import annotations

import hmac
import os
from typing import Any

from rlcli.core.deploy.jsoncodec import dumps
from rlcli.core.deploy.requests import MAX_BODY_BYTES, RequestError
from rlcli.core.deploy.serve_request import TOKEN_ENV, ServeRequest
from rlcli.core.errors import UsageError

#: How long the server waits for the rest of a request body that stopped arriving (then a 408).
BODY_TIMEOUT_S = 10.0
HEALTHY = b'{"status":"ok"}'
UNAUTHORIZED = "missing or wrong bearer token: send the header 'Authorization: Bearer TOKEN'"
TOO_LARGE = f"request body over {MAX_BODY_BYTES // 2**20} MB"
#: The routes a client needs no token for (a load balancer's or Kubernetes' health probe).
OPEN_ROUTES = frozenset({"/healthz"})


def load_token(request: ServeRequest) -> str | None:
    """The bearer token clients must send: ``--token-file``'s content (stripped), else the
    environment variable :data:`TOKEN_ENV`, else none."""
    if request.token_file is not None:
        try:
            token = request.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise UsageError(f"--token-file '{request.token_file}' cannot be read: {reason}.") from None
        if not token:
            raise UsageError(f"--token-file '{request.token_file}' is empty.", "Write the token into it.")
        return _checked(token, f"--token-file '{request.token_file}'")
    token = os.environ.get(TOKEN_ENV, "").strip()
    return _checked(token, TOKEN_ENV) if token else None


def _checked(token: str, where: str) -> str:
    if not token.isascii() or not token.isprintable() or " " in token:
        raise UsageError(f"{where}: the token must be printable ASCII without spaces.")
    return token


def expected_header(token: str | None) -> bytes | None:
    """The ``Authorization`` header value a request must carry (``None``: no token set)."""
    return None if token is None else f"Bearer {token}".encode()


def authorized(header: bytes | None, expected: bytes | None) -> bool:
    """Whether a request whose ``Authorization`` header is ``header`` may be answered (compared in
    constant time)."""
    return expected is None or (header is not None and hmac.compare_digest(header, expected))


def declared_too_large(content_length: bytes | str | None) -> bool:
    """Whether the ``Content-Length`` a request declares is over the limit (refused unread)."""
    if content_length is None:
        return False
    try:
        return int(content_length) > MAX_BODY_BYTES
    except ValueError:
        return False  # the HTTP parser refuses a malformed length before the app sees it


def error_body(message: str) -> bytes:
    return dumps({"error": message})


def request_error(exc: RequestError) -> tuple[int, bytes]:
    return exc.status, error_body(exc.message)


def policy_body(description: dict[str, Any]) -> bytes:
    return dumps(description)
