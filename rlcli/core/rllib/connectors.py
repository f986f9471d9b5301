"""Connectors that YAML can name: RLlib wants a callable for ``env_to_module_connector``, which a
YAML file cannot hold, so rlcli accepts a name and builds a picklable factory for it."""

from __future__ import annotations

from typing import Any

KNOWN_CONNECTORS = ("MeanStdFilter",)


class NamedConnectorFactory:
    """Picklable ``(env, spaces, device) -> ConnectorV2`` for a connector known by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, env: Any = None, spaces: Any = None, device: Any = None) -> Any:
        if self.name == "MeanStdFilter":
            from ray.rllib.connectors.env_to_module import MeanStdFilter

            return MeanStdFilter()
        raise ValueError(f"unknown connector {self.name!r}")

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NamedConnectorFactory) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)
