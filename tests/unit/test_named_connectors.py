"""``observation_filter: MeanStdFilter`` (or ``env_to_module_connector: MeanStdFilter``) builds
RLlib's filter the way the env needs it: one filter per agent for a multi-agent env (without
``multi_agent=True`` RLlib fails on the first reset of one), one for a single-agent env."""

from __future__ import annotations

import pickle

from rlcli.core.rllib.connectors import NamedConnectorFactory


def test_a_multi_agent_env_gets_a_filter_per_agent_and_a_single_agent_env_one():
    import gymnasium as gym
    from ray.rllib.env.multi_agent_env import make_multi_agent

    factory = NamedConnectorFactory("MeanStdFilter")
    assert factory(env=make_multi_agent("CartPole-v1")({"num_agents": 2}))._multi_agent
    assert not factory(env=gym.make("CartPole-v1"))._multi_agent
    # An EnvRunner without an env of its own (the driver's, with remote runners): the config says.
    assert NamedConnectorFactory("MeanStdFilter", multi_agent=True)(env=None)._multi_agent
    assert not factory(env=None)._multi_agent


def test_a_factory_pickled_before_the_multi_agent_flag_still_builds():
    old = NamedConnectorFactory.__new__(NamedConnectorFactory)
    old.__dict__.update(name="MeanStdFilter")  # what an older checkpoint's config unpickles to
    restored = pickle.loads(pickle.dumps(old))
    assert not restored(env=None)._multi_agent
    assert restored == NamedConnectorFactory("MeanStdFilter")
