"""Policy mapping that a YAML file can express.

RLlib wants ``policy_mapping_fn`` to be a callable; its ``multi_agent()`` builds one from
``{type: "dotted.path.Class", **kwargs}``, so YAML can say::

    multiagent:
      policies: [p0, p1]
      policy_mapping_fn: {type: rlcli.AgentToModule, mapping: {0: p0, 1: p1}}

or, for one policy shared by all agents, ``{type: rlcli.AgentToModule, default: shared}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def names_policies(config: Mapping[str, Any]) -> bool:
    """Whether an rlcli config sets up multi-agent training itself (``policies``, flat as the
    builder keyword, or inside an old ``multiagent`` section)."""
    return "policies" in config or "multiagent" in config


class AgentToModule:
    """Picklable ``(agent_id, episode, **kw) -> module_id``: a lookup table with a default, or the
    agent id formatted into a pattern such as ``"p{agent_id}"``."""

    def __init__(
        self, mapping: dict[Any, str] | None = None, default: str | None = None, pattern: str | None = None
    ) -> None:
        self.mapping = {str(k): v for k, v in (mapping or {}).items()}
        self.default = default
        self.pattern = pattern

    def __call__(self, agent_id: Any, episode: Any = None, **kwargs: Any) -> str:
        key = str(agent_id)
        if key in self.mapping:
            return self.mapping[key]
        if self.pattern is not None:
            return self.pattern.format(agent_id=agent_id)
        if self.default is not None:
            return self.default
        raise KeyError(f"agent {agent_id!r} has no module in policy_mapping_fn (mapping: {self.mapping})")
