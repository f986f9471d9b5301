"""Connectors that YAML can name: RLlib wants a callable for ``env_to_module_connector``, which a
YAML file cannot hold, so rlcli accepts a name and builds a picklable factory for it."""

from __future__ import annotations

from typing import Any

KNOWN_CONNECTORS = ("MeanStdFilter",)


class NamedConnectorFactory:
    """Picklable ``(env, spaces, device) -> ConnectorV2`` for a connector known by name.

    A multi-agent env needs ``MeanStdFilter(multi_agent=True)`` (a filter per agent; without it
    RLlib fails on the first reset of a multi-agent env). Whether the env is multi-agent is read
    from the env the EnvRunner passes, else (an EnvRunner without an env) from the config."""

    multi_agent = False  # what checkpoints pickled before the flag existed unpickle with

    def __init__(self, name: str, multi_agent: bool = False) -> None:
        self.name = name
        self.multi_agent = multi_agent

    def __call__(self, env: Any = None, spaces: Any = None, device: Any = None) -> Any:
        if self.name == "MeanStdFilter":
            from ray.rllib.connectors.env_to_module import MeanStdFilter

            return MeanStdFilter(multi_agent=self._is_multi_agent(env))
        raise ValueError(f"unknown connector {self.name!r}")

    def _is_multi_agent(self, env: Any) -> bool:
        if env is None:
            return self.multi_agent
        from ray.rllib.env.multi_agent_env import MultiAgentEnv
        from ray.rllib.env.vector.vector_multi_agent_env import VectorMultiAgentEnv

        return isinstance(env, VectorMultiAgentEnv | MultiAgentEnv) or isinstance(
            getattr(env, "unwrapped", None), MultiAgentEnv
        )

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NamedConnectorFactory):
            return False
        return (other.name, other.multi_agent) == (self.name, self.multi_agent)

    def __hash__(self) -> int:
        return hash((self.name, self.multi_agent))
