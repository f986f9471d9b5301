from __future__ import annotations

import pickle

import pytest

from rlcli.core.rllib.multiagent import AgentToModule


def test_mapping_pattern_and_default():
    assert AgentToModule(mapping={0: "p0", "a1": "p1"})(0, None) == "p0"
    assert AgentToModule(mapping={0: "p0", "a1": "p1"})("a1", None) == "p1"
    assert AgentToModule(pattern="p{agent_id}")(3, None) == "p3"
    assert AgentToModule(default="shared")("anyone", None) == "shared"
    with pytest.raises(KeyError, match="no module"):
        AgentToModule(mapping={0: "p0"})(1, None)


def test_is_picklable_for_tune_and_checkpoints():
    fn = pickle.loads(pickle.dumps(AgentToModule(mapping={0: "a"}, default="b")))
    assert fn(0) == "a" and fn(9) == "b"
