"""RLlib's episode replay buffers, uniform and prioritized, with a cheaper ``sample()``: the same
draws from the same random generator in the same order, the same transitions, n-step returns,
importance weights and priorities, and the same metrics, at less Python per sampled transition.

Why: in a profile of the DQN CartPole tuned example (``make profile ALGO=DQN``),
``PrioritizedEpisodeReplayBuffer.sample`` was 33% of ``training_step``. Per sampled transition it
reads observations, action and rewards through ``InfiniteLookbackBuffer.get`` (12.5%, with its
general index interpretation), sums the n-step return with ``scipy.signal.lfilter`` (2%), hashes
``f"{episode_id}-{t}"`` with SHA-256 only to count distinct steps, and builds a
``SingleAgentEpisode`` whose id comes from ``uuid.uuid4()`` (6.3% self: a ``urandom`` call each).
This subclass reads the finalized numpy arrays directly (what ``InfiniteLookbackBuffer`` itself
does for a finalized array and an int index), sums the return by the same recursion
``lfilter`` computes, counts distinct steps by ``(episode id, t)``, numbers the one-step
episodes with a counter and reads the sum tree's total once per batch, not once per draw (the
tree does not change while sampling); measured on 21.7k stored CartPole-like steps, 64 items per
sample: 2.75-2.92 ms -> 1.68-1.86 ms (what remains is mostly ``SingleAgentEpisode.__init__``).
Anything else (infos, extra model outputs, other data layouts) takes
RLlib's own code.

The uniform ``EpisodeReplayBuffer`` (TD3's default) spends still more per transition: in a profile
of the TD3 Pendulum race (``make profile ALGO=TD3``) its ``sample`` was 45.6% of
``training_step``: per item it slices the stored episode (``SingleAgentEpisode.slice`` builds six
lookback buffers and a whole episode), then builds the one-step episode from that slice, two more
lookback buffers for ``n_step`` and ``weights``, and a SHA-256. ``FastEpisodeReplayBuffer`` reads
the same values from the stored arrays and builds only the one-step episode, keeping RLlib's
quirks (the sampled episode keeps its parent's id; an n-step that runs past the end of the
episode drops the episode's end flags and counts as RLlib counts it).

Why not torchrl's or cpprb's buffers: DQN's and SAC's ``training_step`` hand the sampled
*episodes* to the Learner's connector pipeline, and update priorities through the buffer's own
``update_priorities``; a transition store with its own C++ sum tree would still have to build the
one-step episodes that pipeline reads (the cost measured here), and neither is installed. Used
through RLlib's own extension point: ``replay_buffer_config.type``.
"""

from __future__ import annotations

import itertools
from abc import ABCMeta
from typing import Any, NamedTuple

import numpy as np
from ray.rllib.core import DEFAULT_AGENT_ID, DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.env.utils.infinite_lookback_buffer import InfiniteLookbackBuffer
from ray.rllib.utils.replay_buffers.episode_replay_buffer import EpisodeReplayBuffer
from ray.rllib.utils.replay_buffers.prioritized_episode_buffer import PrioritizedEpisodeReplayBuffer

_ids = itertools.count()


class Draw(NamedTuple):
    """One sampled transition (o_t, a_t, R_t^n, o_end) of a stored episode, with its end flags
    and importance weight as RLlib's ``sample()`` gives them."""

    episode: SingleAgentEpisode
    t: int
    n: int
    end: int
    terminated: bool
    truncated: bool
    weight: float


def _at(buffer: Any, index: int) -> Any:
    """``buffer.get(index)`` for a non-negative int index (InfiniteLookbackBuffer)."""
    if buffer.finalized and isinstance(buffer.data, np.ndarray):
        return buffer.data[buffer.lookback + index]
    return buffer.get(index)


def _n_step_return(rewards: Any, start: int, n: int, gamma: float) -> float:
    """``lfilter([1], [1, -gamma], r[::-1])[-1]`` over ``r = rewards[start:start + n]``: the same
    recursion (y = r_k + gamma * y from the last reward back), in float64."""
    if rewards.finalized and isinstance(rewards.data, np.ndarray):
        lb = rewards.lookback
        values = rewards.data[lb + start : lb + start + n].tolist()
    else:
        values = list(rewards.get(slice(start, start + n)))
    result = 0.0
    for value in reversed(values):
        result = float(value) + gamma * result
    return result


def _one_step(draw: Draw, gamma: float) -> SingleAgentEpisode:
    """The one-step episode RLlib's prioritized ``sample()`` builds for ``draw``."""
    episode, t = draw.episode, draw.t
    return SingleAgentEpisode(
        id_=f"r{next(_ids)}",
        observations=[_at(episode.observations, t), _at(episode.observations, draw.end)],
        observation_space=episode.observation_space,
        actions=[_at(episode.actions, t)],
        action_space=episode.action_space,
        rewards=[_n_step_return(episode.rewards, t, draw.end - t, gamma)],
        terminated=draw.terminated,
        truncated=draw.truncated,
        extra_model_outputs={"weights": [draw.weight], "n_step": [draw.n]},
        len_lookback_buffer=0,
        t_started=t,
    )


def _uniform_one_step(draw: Draw, gamma: float) -> SingleAgentEpisode:
    """The one-step episode RLlib's uniform ``_sample_episodes`` builds for ``draw`` from
    ``episode.slice(slice(t, t + n))``: it keeps its parent's id, and infos."""
    episode, t = draw.episode, draw.t
    sampled = SingleAgentEpisode(
        id_=episode.id_,
        observation_space=episode.observation_space,
        action_space=episode.action_space,
        observations=[_at(episode.observations, t), _at(episode.observations, draw.end)],
        actions=[_at(episode.actions, t)],
        rewards=[_n_step_return(episode.rewards, t, draw.end - t, gamma)],
        infos=[_at(episode.infos, t), _at(episode.infos, draw.end)],
        terminated=draw.terminated,
        truncated=draw.truncated,
        t_started=t,
        len_lookback_buffer=0,
    )
    sampled.extra_model_outputs["n_step"] = InfiniteLookbackBuffer(np.full((1,), draw.n), lookback=0)
    sampled.extra_model_outputs["weights"] = InfiniteLookbackBuffer(np.ones((1,)), lookback=0)
    return sampled


def _columns(draws: list[Draw], gamma: float) -> dict[str, np.ndarray]:
    """The train batch columns of ``draws``, as RLlib's learner connector pipeline makes them of
    the one-step episodes (the DQN family's: observations, next observations, actions, n-step
    rewards, end flags, importance weights and n-steps), in their dtypes."""
    episode = draws[0].episode
    obs_dtype = episode.observation_space.dtype
    act_dtype = episode.action_space.dtype
    return {
        Columns.OBS: np.stack([_at(d.episode.observations, d.t) for d in draws]).astype(obs_dtype, copy=False),
        Columns.NEXT_OBS: np.stack([_at(d.episode.observations, d.end) for d in draws]).astype(obs_dtype, copy=False),
        Columns.ACTIONS: np.stack([_at(d.episode.actions, d.t) for d in draws]).astype(act_dtype, copy=False),
        # float32, as the pipeline's NumpyToTensor makes the float64 returns and weights
        Columns.REWARDS: np.array(
            [_n_step_return(d.episode.rewards, d.t, d.end - d.t, gamma) for d in draws], np.float32
        ),
        Columns.TERMINATEDS: np.array([d.terminated for d in draws]),
        Columns.TRUNCATEDS: np.array([d.truncated for d in draws]),
        "weights": np.array([d.weight for d in draws], np.float32),
        "n_step": np.array([d.n for d in draws]),
    }


class _NamedLikeItsType(ABCMeta):
    """RLlib 2.60's ``AlgorithmConfig.update_from_dict`` turns a dotted ``replay_buffer_config.type``
    into the class, and then ``Algorithm._create_local_replay_buffer_if_necessary`` tests it as a
    string (``"EpisodeReplayBuffer" in type``), which a class cannot answer: this metaclass lets
    the class answer as its name does."""

    def __contains__(cls, text: object) -> bool:
        return isinstance(text, str) and text in cls.__name__


def _record_sample(buffer: EpisodeReplayBuffer, draws: list[Draw], steps: int, resamples: int) -> None:
    """The metrics RLlib's ``sample()`` records (single agent, default module)."""
    buffer.sampled_timesteps += steps
    episodes = len({id(d.episode) for d in draws})
    distinct_steps = len({(d.episode.id_, d.t) for d in draws})
    mean_n_step = sum(d.n for d in draws) / steps
    buffer._update_sample_metrics(
        num_env_steps_sampled=steps,
        num_episodes_per_sample=episodes,
        num_env_steps_per_sample=distinct_steps,
        sampled_n_step=mean_n_step,
        num_resamples=resamples,
        agent_to_num_steps_sampled={DEFAULT_AGENT_ID: steps},
        agent_to_num_episodes_per_sample={DEFAULT_AGENT_ID: episodes},
        agent_to_num_steps_per_sample={DEFAULT_AGENT_ID: distinct_steps},
        agent_to_sampled_n_step={DEFAULT_AGENT_ID: mean_n_step},
        agent_to_num_resamples={DEFAULT_AGENT_ID: resamples},
        module_to_num_steps_sampled={DEFAULT_MODULE_ID: steps},
        module_to_num_episodes_per_sample={DEFAULT_MODULE_ID: episodes},
        module_to_num_steps_per_sample={DEFAULT_MODULE_ID: distinct_steps},
        module_to_sampled_n_step={DEFAULT_MODULE_ID: mean_n_step},
        module_to_num_resamples={DEFAULT_MODULE_ID: resamples},
    )


class FastPrioritizedEpisodeReplayBuffer(PrioritizedEpisodeReplayBuffer, metaclass=_NamedLikeItsType):
    """``PrioritizedEpisodeReplayBuffer`` whose ``sample()`` costs less per transition (see the
    module docstring), and whose ``sample_columns()`` gives the same draws as a train batch;
    ``add``, eviction, ``update_priorities`` and state are RLlib's."""

    def sample(
        self,
        num_items: int | None = None,
        *,
        batch_size_B: int | None = None,
        batch_length_T: int | None = None,
        n_step: int | tuple[int, int] | None = None,
        beta: float = 0.0,
        gamma: float = 0.99,
        include_infos: bool = False,
        include_extra_model_outputs: bool = False,
        to_numpy: bool = False,
        **kwargs: Any,
    ) -> Any:  # a list of SingleAgentEpisode, as RLlib's (typed there as SampleBatchType)
        if include_infos or include_extra_model_outputs:
            return super().sample(
                num_items,
                batch_size_B=batch_size_B,
                batch_length_T=batch_length_T,
                n_step=n_step,
                beta=beta,
                gamma=gamma,
                include_infos=include_infos,
                include_extra_model_outputs=include_extra_model_outputs,
                to_numpy=to_numpy,
                **kwargs,
            )
        assert beta >= 0.0
        if num_items is not None:
            assert batch_size_B is None, "Cannot call `sample()` with both `num_items` and `batch_size_B`."
            batch_size_B = num_items
        sampled = [_one_step(d, gamma) for d in self._draw(batch_size_B or self.batch_size_B, n_step, beta)]
        if to_numpy:
            for one_step in sampled:
                one_step.to_numpy()
        return sampled

    def sample_columns(
        self, num_items: int, *, n_step: int | tuple[int, int] | None, beta: float = 0.0, gamma: float = 0.99
    ) -> dict[str, np.ndarray]:
        """``sample(num_items, ...)``'s transitions (the same draws) as train batch columns."""
        return _columns(self._draw(num_items, n_step, beta), gamma)

    def _draw(self, batch_size_B: int, n_step: int | tuple[int, int] | None, beta: float) -> list[Draw]:
        """The loop of ``PrioritizedEpisodeReplayBuffer.sample``: the same draws, in the same order."""
        actual_n_step: int = 1 if isinstance(n_step, tuple) else (n_step or 1)  # a range: drawn per item
        self._last_sampled_indices = []
        draws: list[Draw] = []
        num_resamples = 0
        total_segment_sum = self._sum_segment.sum()  # the tree does not change inside the loop
        num_timesteps = self.get_num_timesteps()
        max_weight = (self._min_segment.min() / total_segment_sum * num_timesteps) ** (-beta)
        while len(draws) < batch_size_B:
            idx = self._sum_segment.find_prefixsum_idx(self.rng.random() * total_segment_sum)
            weight = (self._sum_segment[idx] / total_segment_sum * num_timesteps) ** (-beta)
            index_triple = self._indices[self._tree_idx_to_sample_idx[idx]]
            episode_idx, t = index_triple[0] - self._num_episodes_evicted, index_triple[1]
            episode = self.episodes[episode_idx]
            if isinstance(n_step, tuple):
                actual_n_step = int(self.rng.integers(n_step[0], n_step[1]))
            if t + actual_n_step > len(episode):
                num_resamples += 1
                continue
            at_end = t + actual_n_step >= len(episode)
            terminated, truncated = (episode.is_terminated, episode.is_truncated) if at_end else (False, False)
            draws.append(Draw(episode, t, actual_n_step, t + actual_n_step, terminated, truncated, weight / max_weight))
            self._last_sampled_indices.append(idx)
        _record_sample(self, draws, batch_size_B, num_resamples)
        return draws


class FastEpisodeReplayBuffer(EpisodeReplayBuffer, metaclass=_NamedLikeItsType):
    """``EpisodeReplayBuffer`` whose transition ``sample()`` costs less per item (see the module
    docstring), and whose ``sample_columns()`` gives the same draws as a train batch; sequences,
    extra model outputs, ``add``, eviction and state are RLlib's."""

    def _sample_episodes(
        self,
        num_items: int | None = None,
        *,
        batch_size_B: int | None = None,
        batch_length_T: int | None = None,
        n_step: int | tuple[int, int] | None = None,
        gamma: float = 0.99,
        include_infos: bool = False,
        include_extra_model_outputs: bool = False,
        to_numpy: bool = False,
        lookback: int = 1,
        min_batch_length_T: int = 0,
        **kwargs: Any,
    ) -> list[SingleAgentEpisode]:
        if batch_length_T or include_extra_model_outputs or lookback != 0 or min_batch_length_T > 0:
            return super()._sample_episodes(
                num_items,
                batch_size_B=batch_size_B,
                batch_length_T=batch_length_T,
                n_step=n_step,
                gamma=gamma,
                include_infos=include_infos,
                include_extra_model_outputs=include_extra_model_outputs,
                to_numpy=to_numpy,
                lookback=lookback,
                min_batch_length_T=min_batch_length_T,
                **kwargs,
            )
        if num_items is not None:
            assert batch_size_B is None, "Cannot call `sample()` with both `num_items` and `batch_size_B`."
            batch_size_B = num_items
        assert n_step is not None, "When sampling episodes, `n_step` must be provided, but `n_step` is `None`."
        sampled = [_uniform_one_step(d, gamma) for d in self._draw(batch_size_B or self.batch_size_B, n_step)]
        if to_numpy:
            for one_step in sampled:
                one_step.to_numpy()
        return sampled

    def sample_columns(
        self, num_items: int, *, n_step: int | tuple[int, int], beta: float = 0.0, gamma: float = 0.99
    ) -> dict[str, np.ndarray]:
        """``sample(num_items, ..., sample_episodes=True)``'s transitions (the same draws) as
        train batch columns (``beta`` is ignored, as RLlib's uniform buffer ignores it)."""
        return _columns(self._draw(num_items, n_step), gamma)

    def _draw(self, batch_size_B: int, n_step: int | tuple[int, int]) -> list[Draw]:
        """The loop of ``EpisodeReplayBuffer._sample_episodes`` for transitions: the same draws,
        in the same order, and its count of items. RLlib's quirks are kept: the slice
        ``episode.slice(slice(t, t + n))`` ends at ``min(t + n, len)`` and keeps the episode's
        end flags only when ``t + n`` is exactly the episode's length, and an n-step past the
        end changes how many items the loop counts."""
        self._last_sampled_indices = []
        draws: list[Draw] = []
        actual_n_step = n_step
        count = 0
        while count < batch_size_B:
            index_triple = self._indices[self.rng.integers(len(self._indices))]
            episode_idx, t = index_triple[0] - self._num_episodes_evicted, index_triple[1]
            episode = self.episodes[episode_idx]
            if isinstance(n_step, tuple):
                actual_n_step = int(self.rng.integers(n_step[0], n_step[1]))
            assert isinstance(actual_n_step, int)
            length = len(episode)
            kept = t + actual_n_step == length
            terminated, truncated = (episode.is_terminated, episode.is_truncated) if kept else (False, False)
            draws.append(Draw(episode, t, actual_n_step, min(t + actual_n_step, length), terminated, truncated, 1.0))
            count += (min(t + actual_n_step - 1, length) - t - (actual_n_step - 1) + 1) or 1  # RLlib's count
        _record_sample(self, draws, batch_size_B, 0)
        return draws


#: RLlib's buffer type names → the fast buffers that sample the same.
FAST_BUFFERS: dict[str, type[EpisodeReplayBuffer]] = {
    "EpisodeReplayBuffer": FastEpisodeReplayBuffer,
    "PrioritizedEpisodeReplayBuffer": FastPrioritizedEpisodeReplayBuffer,
}
