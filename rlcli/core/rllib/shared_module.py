"""A MultiAgentEnv trained without a multi-agent setup: every agent shares one module.

On RLlib's old stack, a MultiAgentEnv with no ``multiagent`` section trained all its agents with
``default_policy`` (years of tuned files and scripts rely on it). Ray 2.60 builds a single-agent
EnvRunner for such a config, and the trial dies inside Ray on the env's missing
``action_space``. rlcli spells out what the old stack meant, before Ray starts: one module,
``shared``, for every agent (RLlib's new stack cannot call it ``default_policy``: a config whose
only policy has that name is single-agent by definition, ``AlgorithmConfig.is_multi_agent``)."""

from __future__ import annotations

import dataclasses

from rlcli.core.rllib.multiagent import names_policies
from rlcli.core.rllib.resolve import ImportedEnvCreator, ResolvedEnv, env_creator, import_object
from rlcli.core.spec import ExperimentSpec

#: The module id every agent maps to.
SHARED_MODULE = "shared"


def is_multi_agent_class(env: ResolvedEnv) -> bool:
    """Whether ``env`` is made by a class (``module:Class``) that is an RLlib ``MultiAgentEnv``
    (a creator function or a gymnasium id cannot be told without building the env)."""
    from ray.rllib.env.multi_agent_env import MultiAgentEnv

    creator = env_creator(env)  # also the one an earlier run in this process registered the path under
    if not isinstance(creator, ImportedEnvCreator):
        return False
    made_by = import_object(creator.path, "env")
    return isinstance(made_by, type) and issubclass(made_by, MultiAgentEnv)


def share_one_module(spec: ExperimentSpec, envs: tuple[ResolvedEnv, ...]) -> tuple[ExperimentSpec, list[str]]:
    """``spec`` with every agent mapped to one module when its envs are MultiAgentEnv classes and
    it names no policies; the notice saying so."""
    if not envs or names_policies(spec.config):
        return spec, []
    if not all(is_multi_agent_class(env) for env in envs):
        return spec, []
    config = {
        **spec.config,
        "policies": [SHARED_MODULE],
        "policy_mapping_fn": {"type": "rlcli.AgentToModule", "default": SHARED_MODULE},
    }
    notice = (
        f"{spec.name}: the env is a MultiAgentEnv and the config names no policies: every agent shares "
        f"one module, '{SHARED_MODULE}' (the old stack's default_policy); set policies and "
        "policy_mapping_fn to choose others"
    )
    return dataclasses.replace(spec, config=config), [notice]
