"""What a ``rlcli serve`` replica answers with: a checkpoint's policy as rollout's fast path
loads it (the RLModules and the connectors' saved state), single- or multi-agent, and the
batched forward passes over many clients' requests. Plain Python (no server), so it is tested
directly.

Multi-agent: each agent id a request names goes through the checkpoint's own policy mapping
(``policy_mapping_fn``, called the way RLlib's episodes call it, by ``MultiAgentEpisode.module_for``)
once, and keeps that module for the server's life; a mapping that draws modules at random per
episode therefore gives one fixed draw. The agent's MeanStdFilter state (filters are per agent)
is applied. JSON keys are strings: an agent id the checkpoint knows by another type (e.g. the
int ``0`` in the filter state) is matched by its string form."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np

from rlcli.core.deploy.requests import ActionRequest, RequestError
from rlcli.core.errors import UsageError

#: The key a single-agent policy's observations go by.
SINGLE = None


class ServedPolicy:
    def __init__(self, checkpoint: Path) -> None:
        from rlcli.core.rollout.policy import check_new_stack, load_config_state, module_dirs

        check_new_stack(checkpoint)
        state = load_config_state(checkpoint)
        self.checkpoint = checkpoint
        self.multi_agent = set(module_dirs(checkpoint)) != {"default_policy"}
        self._policies: dict[tuple[Any, ...], Any] = {}
        self._agent_modules: dict[str, str] = {}
        if self.multi_agent:
            self._load_multi_agent(checkpoint, state)
        else:
            self._load_single_agent(checkpoint, state)
        self.description = self._describe(state)

    def _load_single_agent(self, checkpoint: Path, state: dict[str, Any]) -> None:
        from rlcli.core.rollout.policy import load_policy

        greedy, blockers = load_policy(checkpoint, state, explore=False)
        if greedy is None:
            raise _cannot_serve(blockers)
        exploring = greedy.with_exploration(True)
        greedy.eval_once()
        exploring.eval_once()
        self._policies = {(SINGLE, False): greedy, (SINGLE, True): exploring}
        self._modules = {"default_policy": greedy.module}
        self._connectors = ["MeanStdFilter"] if greedy.obs_filter is not None else []

    def _load_multi_agent(self, checkpoint: Path, state: dict[str, Any]) -> None:
        from ray.rllib.env.multi_agent_episode import MultiAgentEpisode

        from rlcli.core.rollout.policy import load_multi_agent_modules

        loaded, blockers = load_multi_agent_modules(checkpoint, state)
        if loaded is None:
            raise _cannot_serve(blockers)
        self._multi = loaded
        self._modules = loaded.modules
        self._connectors = ["MeanStdFilter"] if loaded.filters else []
        self._known_agents = {str(agent): agent for agent in loaded.filters}
        mapping = state.get("policy_mapping_fn")
        if not callable(mapping):
            raise UsageError(f"Checkpoint '{checkpoint}' has no policy_mapping_fn to map agents to its modules.")
        # One episode for the server's life: RLlib's own mapping call, each agent's module kept.
        self._episode = MultiAgentEpisode(agent_to_module_mapping_fn=mapping)
        for agent in list(self._known_agents) + sorted(_table_agents(mapping)):
            # An agent only the filter state knows and the mapping refuses: answered when asked.
            with contextlib.suppress(RequestError):
                self.module_of(agent)

    def module_of(self, agent: str) -> str:
        """The module id ``agent`` acts with (a 422 for one the policy mapping has none for)."""
        if agent in self._agent_modules:
            return self._agent_modules[agent]
        try:
            module_id = str(self._episode.module_for(self._known_agents.get(agent, agent)))
        except Exception as exc:  # the user's mapping function refusing an unknown agent id
            raise RequestError(422, f"agent '{agent}': the policy mapping gives no module ({exc})") from None
        if module_id not in self._modules:
            raise RequestError(
                422,
                f"agent '{agent}' maps to module '{module_id}', which the checkpoint does not hold "
                f"(it holds {', '.join(sorted(self._modules))})",
            )
        self._agent_modules[agent] = module_id
        return module_id

    def shape_of(self, agent: str | None) -> tuple[int, ...]:
        """The observation shape ``agent``'s policy expects (what requests are checked against)."""
        module_id = "default_policy" if agent is SINGLE else self.module_of(agent)
        return tuple(self._modules[module_id].observation_space.shape)

    def policy(self, agent: str | None, explore: bool) -> Any:
        """The :class:`rlcli.core.rollout.policy.Policy` for ``agent``: shared by the agents that
        map to one module and have no filter state of their own (they batch together)."""
        if agent is SINGLE:
            return self._policies[(SINGLE, explore)]
        module_id = self.module_of(agent)
        filter_key = self._known_agents.get(agent, agent)
        own_filter = filter_key in self._multi.filters
        key = (module_id, filter_key if own_filter else None, explore)
        if key not in self._policies:
            made = self._multi.policy(module_id, filter_key, explore)
            made.eval_once()
            self._policies[key] = made
        return self._policies[key]

    def act(self, requests: list[ActionRequest]) -> list[list[np.ndarray]]:
        """Each request's actions (a list per request, one array per observation group), with one
        forward pass per policy over all the requests' observations for it."""
        work: dict[int, tuple[Any, list[tuple[int, int]]]] = {}
        for r, request in enumerate(requests):
            for g, group in enumerate(request.groups):
                policy = self.policy(group.agent, request.explore)
                work.setdefault(id(policy), (policy, []))[1].append((r, g))
        answers: list[list[Any]] = [[None] * len(request.groups) for request in requests]
        for policy, places in work.values():
            chunks = [requests[r].groups[g].observations for r, g in places]
            actions = policy(np.concatenate(chunks))
            bounds = np.cumsum([0, *(len(c) for c in chunks)])
            for k, (r, g) in enumerate(places):
                answers[r][g] = actions[bounds[k] : bounds[k + 1]]
        return answers

    def _describe(self, state: dict[str, Any]) -> dict[str, Any]:
        """What ``GET /v1/policy`` answers: enough to build requests and read the actions."""
        described: dict[str, Any] = {
            "checkpoint": str(self.checkpoint),
            "algorithm": getattr(state.get("class"), "__name__", "").replace("Config", "") or None,
            "env": state.get("env") if isinstance(state.get("env"), str) else None,
            "multi_agent": self.multi_agent,
            "connectors": self._connectors,
        }
        spaces = {name: _spaces(module) for name, module in self._modules.items()}
        if self.multi_agent:
            return {**described, "modules": spaces, "agents": dict(sorted(self._agent_modules.items()))}
        return {**described, **spaces["default_policy"]}


def _spaces(module: Any) -> dict[str, Any]:
    return {
        "observation_space": str(module.observation_space),
        "observation_shape": list(module.observation_space.shape),
        "action_space": str(module.action_space),
    }


def _table_agents(mapping: Any) -> set[str]:
    """The agent ids a lookup-table mapping (rlcli's ``AgentToModule``) names."""
    table = getattr(mapping, "mapping", None)
    return {str(agent) for agent in table} if isinstance(table, dict) else set()


def _cannot_serve(blockers: list[str]) -> UsageError:
    return UsageError(
        f"rlcli serve cannot reproduce this checkpoint's inference exactly: {'; '.join(blockers)}.",
        "Serve feed-forward policies whose connectors rlcli reproduces (rlcli rollout runs the others).",
    )
