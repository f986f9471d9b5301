"""The pure pieces of rollout accounting: quotas, stitched episodes, per-agent tables, stdout."""

from __future__ import annotations

import copy
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from rlcli.console import stdout_to_stderr
from rlcli.core.rollout.policy import episode_quotas
from rlcli.core.rollout.result import RolloutResult
from rlcli.core.rollout.rllib_runner import EpisodeCollector, episode_record


def test_quotas_spread_episodes_evenly_and_sum_to_n():
    assert episode_quotas(10, 4).tolist() == [3, 3, 2, 2]
    assert episode_quotas(6, 8).tolist() == [1, 1, 1, 1, 1, 1, 0, 0]
    assert all(episode_quotas(n, k).sum() == n for n in range(1, 40) for k in range(1, 12))


@dataclass
class Chunk:
    """The few methods of an RLlib episode chunk that rlcli reads."""

    ret: float
    steps: int
    agent_episodes: dict = field(default_factory=dict)
    modules: dict = field(default_factory=dict)

    def get_return(self) -> float:
        return self.ret

    def __len__(self) -> int:
        return self.steps

    def module_for(self, agent: str) -> str:
        return self.modules[agent]


def test_an_episode_sampled_in_chunks_counts_whole():
    first = Chunk(3.0, 3, {"a": Chunk(1.0, 3), "b": Chunk(2.0, 3)}, {"a": "p0", "b": "p1"})
    last = Chunk(5.0, 2, {"a": Chunk(4.0, 2), "b": Chunk(1.0, 2)}, {"a": "p0", "b": "p1"})
    record = episode_record([first, last])
    assert (record.env_return, record.length) == (8.0, 5)
    assert record.agent_returns == {"a": 5.0, "b": 3.0}
    assert record.agent_modules == {"a": "p0", "b": "p1"}


def test_collector_keeps_each_envs_first_quota_episodes_whatever_their_length():
    collector = EpisodeCollector(num_envs=2)
    assert copy.deepcopy(collector) is collector  # RLlib deep-copies the config holding it
    for env_index, length in [(0, 1), (0, 1), (0, 1), (1, 200), (0, 1)]:  # env 0 finishes first, often
        collector(episode=Chunk(float(length), length), env_index=env_index, prev_episode_chunks=[])
    quotas = np.array([2, 1])
    assert collector.met(quotas) and not collector.met(np.array([2, 2]))
    assert [r.length for r in collector.counted(quotas)] == [1, 1, 200]
    assert len(collector.counted(None)) == 5


def test_per_agent_and_per_policy_tables():
    result = RolloutResult("ckpt", "env", False, 2, "path", returns=[3.0, 7.0])
    result.agent_returns = [{"a": 1.0, "b": 2.0, "c": 0.0}, {"a": 3.0, "b": 4.0}]
    result.agent_modules = {"a": "p0", "b": "shared", "c": "shared"}
    summary = result.as_dict()
    assert summary["agents"]["a"] == {"module": "p0", "episodes": 2, "mean": 2.0, "std": 1.0, "min": 1.0, "max": 3.0}
    assert summary["agents"]["c"]["episodes"] == 1  # an agent counts only in episodes it acted in
    assert summary["policies"]["shared"]["agents"] == ["b", "c"]
    assert summary["policies"]["shared"]["mean"] == 3.0  # per episode, summed over its agents: 2, 4
    assert RolloutResult("c", "e", False, 1, "p", returns=[1.0]).as_dict()["agents"] == {}


def test_prints_from_user_code_go_to_stderr_at_every_level(capfd):
    with stdout_to_stderr():
        print("from python")
        os.write(1, b"from C\n")
    print("data")
    sys.stdout.flush()
    out, err = capfd.readouterr()
    assert out == "data\n"
    assert "from python" in err and "from C" in err
