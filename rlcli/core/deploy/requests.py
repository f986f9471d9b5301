"""What ``rlcli serve`` accepts in ``POST /v1/actions``, checked before a request reaches the
policy: every bad request is answered with a 4xx and a one-line JSON error, and never reaches
(or takes down) a replica. Pure numpy, so it is tested without a server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Largest request body (bytes) and batch (observations) one request may carry.
MAX_BODY_BYTES = 8 * 2**20
MAX_OBSERVATIONS = 4096


class RequestError(Exception):
    """A request the server refuses: its HTTP status and the message sent back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ActionRequest:
    observations: np.ndarray  # (batch, *obs_shape), float32
    single: bool  # one observation sent (not a list of them): one action answered
    explore: bool


def parse_action_request(body: bytes, obs_shape: tuple[int, ...]) -> ActionRequest:
    """``{"observations": OBS or [OBS, ...], "explore": false}`` → an :class:`ActionRequest`."""
    payload = _payload(body)
    explore = payload.get("explore", False)
    if not isinstance(explore, bool):
        raise RequestError(422, "'explore' must be true or false")
    array, single = _observations(payload["observations"], obs_shape)
    return ActionRequest(array.astype(np.float32), single, explore)


def _payload(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise RequestError(413, f"request body over {MAX_BODY_BYTES // 2**20} MB")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(400, f"body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise RequestError(400, 'body must be a JSON object: {"observations": [...]}')
    unknown = sorted(set(payload) - {"observations", "explore"})
    if unknown:
        raise RequestError(422, f"unknown field(s) {', '.join(unknown)}; the fields are observations, explore")
    if "observations" not in payload:
        raise RequestError(422, "missing field 'observations'")
    return payload


def _observations(value: Any, obs_shape: tuple[int, ...]) -> tuple[np.ndarray, bool]:
    """The observations as a (batch, *obs_shape) array, and whether one was sent bare."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise RequestError(422, "'observations' must be numbers, one observation or a list of them") from None
    if array.shape == obs_shape:
        array, single = array[None], True
    elif array.shape[1:] == obs_shape and array.shape[0] > 0:
        single = False
    else:
        batch = ", ".join(["n", *map(str, obs_shape)])
        raise RequestError(
            422, f"'observations' has shape {list(array.shape)}; expected {list(obs_shape)} or [{batch}]"
        )
    if array.shape[0] > MAX_OBSERVATIONS:
        raise RequestError(413, f"{array.shape[0]} observations in one request; at most {MAX_OBSERVATIONS}")
    if not np.all(np.isfinite(array)):
        raise RequestError(422, "'observations' contains NaN or infinity")
    return array, single


def actions_payload(actions: np.ndarray, single: bool) -> dict[str, Any]:
    """The response body: ``{"actions": [...]}`` (one action per observation sent)."""
    values = np.asarray(actions).tolist()
    return {"actions": values[0] if single else values}
