"""What ``rlcli serve`` accepts in ``POST /v1/actions``, checked before a request reaches the
policy: every bad request is answered with a 4xx and a one-line JSON error, and never reaches
(or takes down) a replica. Pure numpy, so it is tested without a server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlcli.core.deploy.jsoncodec import DecodeError, loads

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
class ObservationGroup:
    """The observations sent for one agent (``None``: the single-agent policy's)."""

    agent: str | None
    observations: np.ndarray  # (batch, *obs_shape), float32
    single: bool  # one observation sent (not a list of them): one action answered


@dataclass(frozen=True)
class ActionRequest:
    groups: tuple[ObservationGroup, ...]  # one for a single-agent policy, one per agent sent else
    multi_agent: bool
    explore: bool


#: An agent id (``None``: single-agent) → the observation shape its policy expects; raises a
#: :class:`RequestError` for an agent the policy mapping has no module for.
ShapeOf = Callable[[str | None], tuple[int, ...]]


def parse_action_request(body: bytes, shape_of: ShapeOf, multi_agent: bool = False) -> ActionRequest:
    """``{"observations": OBS or [OBS, ...], "explore": false}`` → an :class:`ActionRequest`;
    for a multi-agent policy ``{"observations": {"AGENT": OBS or [OBS, ...], ...}}``."""
    payload = _payload(body)
    explore = payload.get("explore", False)
    if not isinstance(explore, bool):
        raise RequestError(422, "'explore' must be true or false")
    sent = payload["observations"]
    if multi_agent != isinstance(sent, dict):
        raise RequestError(
            422,
            'this policy is multi-agent: send {"observations": {"AGENT_ID": OBS, ...}}'
            if multi_agent
            else "this policy is single-agent: 'observations' is OBS or a list of them, not an object",
        )
    by_agent: dict[str | None, Any] = sent if multi_agent else {None: sent}
    if not by_agent:
        raise RequestError(422, "'observations' names no agent")
    groups = []
    for agent, value in by_agent.items():
        array, single = _observations(value, shape_of(agent), f"agent '{agent}': " if multi_agent else "")
        groups.append(ObservationGroup(agent, array.astype(np.float32), single))
    total = sum(len(g.observations) for g in groups)
    if total > MAX_OBSERVATIONS:
        raise RequestError(413, f"{total} observations in one request; at most {MAX_OBSERVATIONS}")
    return ActionRequest(tuple(groups), multi_agent, explore)


def _payload(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise RequestError(413, f"request body over {MAX_BODY_BYTES // 2**20} MB")
    try:
        payload = loads(body)
    except (UnicodeDecodeError, DecodeError) as exc:
        raise RequestError(400, f"body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise RequestError(400, 'body must be a JSON object: {"observations": [...]}')
    unknown = sorted(set(payload) - {"observations", "explore"})
    if unknown:
        raise RequestError(422, f"unknown field(s) {', '.join(unknown)}; the fields are observations, explore")
    if "observations" not in payload:
        raise RequestError(422, "missing field 'observations'")
    return payload


def _observations(value: Any, obs_shape: tuple[int, ...], where: str) -> tuple[np.ndarray, bool]:
    """The observations as a (batch, *obs_shape) array, and whether one was sent bare."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise RequestError(422, f"{where}'observations' must be numbers, one observation or a list of them") from None
    if array.shape == obs_shape:
        array, single = array[None], True
    elif array.shape[1:] == obs_shape and array.shape[0] > 0:
        single = False
    else:
        batch = ", ".join(["n", *map(str, obs_shape)])
        raise RequestError(
            422, f"{where}'observations' has shape {list(array.shape)}; expected {list(obs_shape)} or [{batch}]"
        )
    if array.shape[0] > MAX_OBSERVATIONS:
        raise RequestError(413, f"{array.shape[0]} observations in one request; at most {MAX_OBSERVATIONS}")
    if not np.all(np.isfinite(array)):
        raise RequestError(422, f"{where}'observations' contains NaN or infinity")
    return array, single


def actions_payload(request: ActionRequest, actions: list[np.ndarray]) -> dict[str, Any]:
    """The response body: ``{"actions": ...}``, one action per observation sent, in the shape
    they were sent (per agent for a multi-agent policy)."""
    values = [np.asarray(a).tolist() for a in actions]
    answers = [v[0] if g.single else v for g, v in zip(request.groups, values, strict=True)]
    if request.multi_agent:
        return {"actions": {g.agent: a for g, a in zip(request.groups, answers, strict=True)}}
    return {"actions": answers[0]}
