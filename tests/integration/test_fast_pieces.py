"""rlcli's faster RLlib pieces (:mod:`rlcli.fast`) against RLlib's own, on the same data, and as
the defaults of plain runs (:mod:`rlcli.core.rllib.fast_defaults`)."""

from __future__ import annotations

import json
import types

import gymnasium as gym
import numpy as np
import pytest
import torch
from helpers import run_rlcli, trial_dirs
from ray.rllib.algorithms.sac import SACConfig
from ray.rllib.algorithms.sac.sac_catalog import SACCatalog
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from rlcli.core.rllib import fast_defaults
from rlcli.core.spec import CheckpointSpec, ExperimentSpec
from rlcli.fast.sac import ConcatQSACCatalog

pytestmark = pytest.mark.integration

PENDULUM = gym.make("Pendulum-v1")
MODEL = {"fcnet_hiddens": [64, 32], "fcnet_activation": "relu", "head_fcnet_hiddens": []}


def _sac_module(catalog: type | None, action_space: gym.Space = PENDULUM.action_space, **model: object):
    config = SACConfig().environment(observation_space=PENDULUM.observation_space, action_space=action_space)
    config = config.rl_module(model_config={**MODEL, **model})
    if catalog is not None:
        config = config.rl_module(rl_module_spec=RLModuleSpec(catalog_class=catalog))
    return config.get_rl_module_spec(spaces=None).build()


def _mlp(params: dict[str, torch.Tensor], prefix: str, x: torch.Tensor, layers: int) -> torch.Tensor:
    """An independent ReLU MLP over the module's own weights (``prefix`` + ``net.mlp.{2i}``)."""
    linear = sorted({k.rsplit(".", 1)[0] for k in params if k.startswith(prefix) and k.endswith(".weight")})
    assert len(linear) == layers, linear
    for name in linear:
        x = torch.relu(x @ params[f"{name}.weight"].T + params[f"{name}.bias"])
    return x


def test_concat_q_network_is_an_mlp_over_observation_and_action():
    """Every Q-network (the two learned ones and their targets) computes exactly
    ``head(MLP(cat(obs, action)))`` with ``fcnet_hiddens`` layers: checked against plain torch
    matrix products over the module's weights on a random batch."""
    module = _sac_module(ConcatQSACCatalog)
    params = dict(module.named_parameters())
    rng = np.random.default_rng(0)
    obs = torch.as_tensor(rng.normal(size=(32, 3)), dtype=torch.float32)
    actions = torch.as_tensor(rng.uniform(-2, 2, size=(32, 1)), dtype=torch.float32)
    batch = {Columns.OBS: obs, Columns.ACTIONS: actions}
    for encoder, head in (("qf_encoder", "qf"), ("qf_twin_encoder", "qf_twin")):
        hidden = _mlp(params, f"{encoder}.", torch.cat([obs, actions], -1), layers=2)
        expected = (hidden @ params[f"{head}.net.mlp.0.weight"].T + params[f"{head}.net.mlp.0.bias"]).squeeze(-1)
        got = module._qf_forward_train_helper(batch, getattr(module, encoder), getattr(module, head))
        torch.testing.assert_close(got, expected)
        assert params[f"{encoder}.net.mlp.0.weight"].shape == (64, 4)  # obs 3 + action 1 in
    # The twin-Q minimum RLlib's loss reads, and the target networks built from the same catalog.
    both = torch.min(
        module._qf_forward_train_helper(batch, module.qf_encoder, module.qf),
        module._qf_forward_train_helper(batch, module.qf_twin_encoder, module.qf_twin),
    )
    torch.testing.assert_close(module.compute_q_values(batch), both)
    module.make_target_networks()  # what SAC's Learner does: copies, so equal until the first update
    assert type(module.target_qf_encoder).__name__ == "ConcatObsActionEncoder"
    torch.testing.assert_close(module.forward_target(batch), both)


def test_concat_q_keeps_everything_else_of_rllibs_sac_module():
    """The policy network, its head and every non-Q weight are RLlib's, name for name and shape
    for shape; only the Q encoders differ, and they are ~10x smaller than RLlib's multi-stream ones
    at the tuned example's [256, 256] (SB3's critic size: (4*256+256) + (256*256+256) weights)."""
    stock, fast = _sac_module(None), _sac_module(ConcatQSACCatalog)

    def shapes(module, q: bool) -> dict[str, tuple[int, ...]]:
        return {n: tuple(p.shape) for n, p in module.named_parameters() if ("qf" in n) == q}

    assert shapes(fast, q=False) == shapes(stock, q=False)
    big = {"fcnet_hiddens": [256, 256]}
    stock_q = sum(p.numel() for p in _sac_module(None, **big).qf_encoder.parameters())
    fast_q = sum(p.numel() for p in _sac_module(ConcatQSACCatalog, **big).qf_encoder.parameters())
    assert fast_q == (4 * 256 + 256) + (256 * 256 + 256)
    assert stock_q > 9 * fast_q


def test_discrete_action_sac_builds_rllibs_own_q_network():
    discrete = gym.spaces.Discrete(3)
    stock, fast = _sac_module(SACCatalog, discrete), _sac_module(ConcatQSACCatalog, discrete)
    assert type(fast.qf_encoder) is type(stock.qf_encoder)
    assert {n: p.shape for n, p in fast.named_parameters()} == {n: p.shape for n, p in stock.named_parameters()}


def _spec(algorithm: str, **config: object) -> ExperimentSpec:
    return ExperimentSpec(
        name="x",
        algorithm=algorithm,
        env="Pendulum-v1",
        env_config={},
        config=dict(config),
        stop={},
        checkpoint=CheckpointSpec(),
        storage_path="/tmp",
    )


def test_fast_defaults_leave_a_users_choices_alone(monkeypatch):
    monkeypatch.delenv(fast_defaults.STOCK_ENV, raising=False)
    added = fast_defaults.apply(_spec("SAC"))
    assert added.config["rl_module_spec"] == {"catalog_class": "rlcli.fast.sac:ConcatQSACCatalog"}
    own = {"catalog_class": "ray.rllib.algorithms.sac.sac_catalog:SACCatalog"}
    assert fast_defaults.apply(_spec("SAC", rl_module_spec=own)).config["rl_module_spec"] == own
    assert fast_defaults.apply(_spec("SAC", policies=["a", "b"])).config == {"policies": ["a", "b"]}
    assert fast_defaults.apply(_spec("CQL")).config == {}
    rb = {"type": "PrioritizedEpisodeReplayBuffer", "capacity": 1000, "alpha": 0.6}
    fast_rb = fast_defaults.apply(_spec("DQN", replay_buffer_config=rb)).config["replay_buffer_config"]
    assert fast_rb == {**rb, "type": "rlcli.fast.replay.FastPrioritizedEpisodeReplayBuffer"}
    assert fast_defaults.apply(_spec("DQN")).config["replay_buffer_config"]["type"] == fast_defaults.FAST_BUFFER
    # RLlib drops its whole default buffer config when the type changes: the defaults are written out.
    from ray.rllib.algorithms.dqn import DQNConfig

    default = DQNConfig()
    filled = fast_defaults.apply(_spec("DQN"), default).config["replay_buffer_config"]
    assert filled == {**default.replay_buffer_config, "type": fast_defaults.FAST_BUFFER}
    built = DQNConfig().update_from_dict({"replay_buffer_config": filled}).replay_buffer_config
    assert {k: v for k, v in built.items() if k != "type"} == {
        k: v for k, v in default.replay_buffer_config.items() if k != "type"
    }
    assert built["beta"] == default.replay_buffer_config["beta"] == 0.4
    uniform = {"type": "EpisodeReplayBuffer"}
    fast_uniform = {"type": fast_defaults.FAST_UNIFORM_BUFFER}
    assert (
        fast_defaults.apply(_spec("DQN", replay_buffer_config=uniform)).config["replay_buffer_config"] == fast_uniform
    )
    own = {"type": "mypkg.buffers.MyEpisodeReplayBuffer"}
    assert fast_defaults.apply(_spec("DQN", replay_buffer_config=own)).config["replay_buffer_config"] == own
    # TD3's default is the uniform buffer, DDPG's the prioritized one
    from rlcli.algorithms.ddpg.ddpg import DDPGConfig
    from rlcli.algorithms.td3.td3 import TD3Config

    td3 = fast_defaults.apply(_spec("TD3"), TD3Config()).config["replay_buffer_config"]
    assert td3 == {**TD3Config().replay_buffer_config, "type": fast_defaults.FAST_UNIFORM_BUFFER}
    ddpg = fast_defaults.apply(_spec("DDPG"), DDPGConfig()).config["replay_buffer_config"]
    assert ddpg == {**DDPGConfig().replay_buffer_config, "type": fast_defaults.FAST_BUFFER}
    monkeypatch.setenv(fast_defaults.STOCK_ENV, "1")
    assert fast_defaults.apply(_spec("SAC")).config == {}


def test_rllibs_dqn_and_sac_train_as_rlclis_named_alike_unless_stock_or_multi_agent(monkeypatch):
    from ray.rllib.algorithms.dqn import DQN
    from ray.rllib.algorithms.ppo import PPO
    from ray.rllib.algorithms.sac import SAC

    from rlcli.fast import algorithms

    monkeypatch.delenv(fast_defaults.STOCK_ENV, raising=False)
    assert fast_defaults.trainable(_spec("DQN"), DQN) is algorithms.DQN
    assert fast_defaults.trainable(_spec("SAC"), SAC) is algorithms.SAC
    assert algorithms.DQN.__name__ == "DQN" and issubclass(algorithms.SAC, SAC)  # trials named as before
    assert fast_defaults.trainable(_spec("PPO"), PPO) is PPO
    assert fast_defaults.trainable(_spec("DQN", policies=["a", "b"]), DQN) is DQN
    monkeypatch.setenv(fast_defaults.STOCK_ENV, "1")
    assert fast_defaults.trainable(_spec("SAC"), SAC) is SAC


def test_plain_sac_trains_with_the_concat_q_network_and_stock_on_request(
    rlcli_exe, sac_pendulum, storage, subprocess_env
):
    """``rlcli train --run SAC`` trains a real trial on the fast Q-network (its params.json names
    the catalog: the session's tiny SAC); ``RLCLI_STOCK_RLLIB=1`` trains RLlib's own."""
    tiny = ["--run", "SAC", "--env", "Pendulum-v1", "--stop", '{"training_iteration": 1}', "-q", "--name", "stock"]
    tiny += ["num_env_runners=0", "train_batch_size=32", "num_steps_sampled_before_learning_starts=32"]
    tiny += ["model_config.fcnet_hiddens=[16]", "min_sample_timesteps_per_iteration=100"]
    proc = run_rlcli(rlcli_exe, "train", *tiny, env={**subprocess_env, "RLCLI_STOCK_RLLIB": "1"})
    assert proc.returncode == 0, proc.stderr
    for exp, catalog in ((sac_pendulum, "ConcatQSACCatalog"), (storage / "stock", None)):
        (trial,) = trial_dirs(exp)
        params = json.loads((trial / "params.json").read_text())
        if catalog:
            assert catalog in str(params["_rl_module_spec"])  # rlcli's key for RLlib's rl_module_spec
        else:
            assert "_rl_module_spec" not in params
        rows = [json.loads(line) for line in (trial / "result.json").read_text().splitlines() if line.strip()]
        assert rows[-1]["training_iteration"] == 1
        assert rows[-1]["learners"]["default_policy"]["num_module_steps_trained"] > 0
        # rlcli's SAC learns from ready batches: no learner connector pass (RLlib's runs one per update)
        assert ("learner_connector" in rows[-1]["learners"]["__all_modules__"]) == (catalog is None)


# --- the prioritized replay buffer (rlcli.fast.replay) against RLlib's, on the same episodes ---


def _episodes(seed: int, count: int, continuous: bool = False) -> list:
    """Finished and ongoing episodes of random lengths and data, with infos, as an env runner
    hands them to the buffer (numpy-ized): CartPole-shaped, or Pendulum-shaped (Box actions)."""
    from ray.rllib.env.single_agent_episode import SingleAgentEpisode

    rng = np.random.default_rng(seed)
    obs_space = (
        gym.spaces.Box(-8.0, 8.0, (3,), np.float32) if continuous else gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
    )
    action_space = gym.spaces.Box(-2.0, 2.0, (1,), np.float32) if continuous else gym.spaces.Discrete(2)
    out = []
    for i in range(count):
        n = int(rng.integers(1, 40))
        actions = rng.uniform(-2.0, 2.0, size=(n, 1)).astype(np.float32) if continuous else rng.integers(0, 2, size=n)
        episode = SingleAgentEpisode(
            observations=list(rng.normal(size=(n + 1, obs_space.shape[0])).astype(np.float32)),
            observation_space=obs_space,
            actions=list(actions),
            action_space=action_space,
            rewards=list(rng.normal(size=n).astype(np.float32)),
            infos=[{"episode": i, "step": k} for k in range(n + 1)],
            terminated=i % 3 == 0,
            truncated=i % 3 == 1,
            len_lookback_buffer=0,
        )
        episode.to_numpy()
        out.append(episode)
    return out


def _pendulum_episodes(seed: int, count: int) -> list:
    return _episodes(seed, count, continuous=True)


def _uniform_buffers(seed: int = 0):
    from ray.rllib.utils.replay_buffers.episode_replay_buffer import EpisodeReplayBuffer

    from rlcli.fast.replay import FastEpisodeReplayBuffer

    stock, fast = EpisodeReplayBuffer(capacity=500), FastEpisodeReplayBuffer(capacity=500)
    for buffer in (stock, fast):
        buffer.rng = np.random.default_rng(seed)
        for chunk in (_episodes(1, 12), _episodes(2, 12)):  # the second add evicts old episodes
            buffer.add(chunk)
    return stock, fast


def _buffers(seed: int = 0):
    from ray.rllib.utils.replay_buffers.prioritized_episode_buffer import PrioritizedEpisodeReplayBuffer

    from rlcli.fast.replay import FastPrioritizedEpisodeReplayBuffer

    stock = PrioritizedEpisodeReplayBuffer(capacity=500, alpha=0.6)
    fast = FastPrioritizedEpisodeReplayBuffer(capacity=500, alpha=0.6)
    for buffer in (stock, fast):
        buffer.rng = np.random.default_rng(seed)
        for chunk in (_episodes(1, 12), _episodes(2, 12)):  # the second add evicts old episodes
            buffer.add(chunk)
    return stock, fast


def _fields(episode) -> tuple:
    return (
        np.asarray(episode.get_observations()).tolist(),
        np.asarray(episode.get_actions()).tolist(),
        [float(r) for r in episode.get_rewards()],
        episode.is_terminated,
        episode.is_truncated,
        float(episode.get_extra_model_outputs("weights")[0]),
        int(episode.get_extra_model_outputs("n_step")[0]),
        episode.t_started,
    )


@pytest.mark.parametrize("n_step", [1, 3, (1, 4)], ids=["n1", "n3", "n1-3"])
def test_fast_buffer_samples_exactly_what_rllibs_samples(n_step):
    """Same seed, same episodes: the same transitions, n-step returns (to the last bit), weights,
    n-steps, episode ends, sampled tree indices and metrics, over several batches with priority
    updates in between (RLlib's update_priorities on both)."""
    stock, fast = _buffers()
    rng = np.random.default_rng(7)
    for _ in range(5):
        kwargs = {"num_items": 64, "n_step": n_step, "beta": 0.4, "gamma": 0.97, "to_numpy": True}
        got, want = fast.sample(**kwargs), stock.sample(**kwargs)
        assert [_fields(e) for e in got] == [_fields(e) for e in want]
        assert fast._last_sampled_indices == stock._last_sampled_indices
        assert len({e.id_ for e in got}) == 64  # distinct ids, as uuid4 gave them
        td_errors = rng.normal(size=64)
        stock.update_priorities(td_errors)
        fast.update_priorities(td_errors)
    assert fast.get_metrics() == stock.get_metrics()
    assert fast.get_num_timesteps() == stock.get_num_timesteps()


@pytest.mark.parametrize("n_step", [1, 3, 6, (1, 4)], ids=["n1", "n3", "n6", "n1-3"])
def test_fast_uniform_buffer_samples_exactly_what_rllibs_samples(n_step):
    """RLlib's uniform EpisodeReplayBuffer and rlcli's, same seed, same episodes (lengths 1-39,
    terminated, truncated and ongoing ones, infos that differ per step), as DQN's training step
    samples them: the same transitions, n-step returns (to the last bit), infos, episode ids and
    ends, the same number of items (n-step 6 runs past episode ends, where RLlib's count of items
    changes and its slice drops the end flags) and the same metrics, batch after batch."""
    stock, fast = _uniform_buffers()
    for _ in range(5):
        kwargs = {"num_items": 64, "n_step": n_step, "gamma": 0.97, "lookback": 0, "sample_episodes": True}
        got, want = fast.sample(**kwargs), stock.sample(**kwargs)
        assert [_fields(e) for e in got] == [_fields(e) for e in want]
        # each sampled episode keeps its stored parent's id (the two buffers' parents have their own)
        parents = [{p.id_: k for k, p in enumerate(b.episodes)} for b in (fast, stock)]
        assert [(parents[0][e.id_], e.get_infos(0), e.get_infos(-1)) for e in got] == [
            (parents[1][e.id_], e.get_infos(0), e.get_infos(-1)) for e in want
        ]
    assert fast.get_metrics() == stock.get_metrics()
    assert fast.rng.integers(1 << 30) == stock.rng.integers(1 << 30)  # the same number of draws


def test_fast_uniform_buffer_passes_sequences_to_rllib():
    """Sequences (a stateful module's batch_length_T) are RLlib's own code: the same episodes."""
    stock, fast = _uniform_buffers(seed=5)
    kwargs = {"num_items": 16, "n_step": 1, "batch_length_T": 4, "lookback": 1, "sample_episodes": True}
    got, want = fast.sample(**kwargs), stock.sample(**kwargs)
    assert [np.asarray(e.get_observations()).tolist() for e in got] == [
        np.asarray(e.get_observations()).tolist() for e in want
    ]


#: algorithm → (its config class's import path, the env, the episodes it learns from)
PIPELINES = {
    "TD3": ("rlcli.algorithms.td3.td3:TD3Config", "Pendulum-v1", _pendulum_episodes),
    "SAC": ("ray.rllib.algorithms.sac:SACConfig", "Pendulum-v1", _pendulum_episodes),
    "DQN": ("ray.rllib.algorithms.dqn:DQNConfig", "CartPole-v1", _episodes),
}


@pytest.mark.parametrize("algorithm", sorted(PIPELINES))
@pytest.mark.parametrize("prioritized", [False, True], ids=["uniform", "prioritized"])
@pytest.mark.parametrize("n_step", [1, 3], ids=["n1", "n3"])
def test_ready_batch_equals_what_the_learner_pipeline_builds(algorithm, prioritized, n_step):
    """The ready batch (``sample_columns``) against RLlib's way, same seed and episodes: RLlib's
    buffer samples one-step episodes and the algorithm's own Learner runs its learner connector
    pipeline on them. Every column the pipeline builds is there, with the same dtype, shape and
    values (to the last bit), and the buffers record the same metrics and sampled indices."""
    from ray.rllib.utils.replay_buffers.episode_replay_buffer import EpisodeReplayBuffer
    from ray.rllib.utils.replay_buffers.prioritized_episode_buffer import PrioritizedEpisodeReplayBuffer

    from rlcli.core.rllib.resolve import import_object
    from rlcli.fast.replay import FastEpisodeReplayBuffer, FastPrioritizedEpisodeReplayBuffer

    config_class, env, make_episodes = PIPELINES[algorithm]
    config = import_object(config_class, "config")().environment(env).training(n_step=n_step)
    learner = config.build_learner(env=gym.make(env))
    kinds = (
        (PrioritizedEpisodeReplayBuffer, FastPrioritizedEpisodeReplayBuffer)
        if prioritized
        else (
            EpisodeReplayBuffer,
            FastEpisodeReplayBuffer,
        )
    )
    stock, fast = (kind(capacity=500) for kind in kinds)
    for buffer in (stock, fast):
        buffer.rng = np.random.default_rng(4)
        for chunk in (make_episodes(1, 12), make_episodes(2, 12)):
            buffer.add(chunk)
    rng = np.random.default_rng(9)
    for _ in range(3):
        kwargs = {"n_step": n_step, "gamma": 0.98, "beta": 0.4}
        episodes = stock.sample(num_items=64, lookback=0, sample_episodes=True, **kwargs)
        want = learner._learner_connector(
            rl_module=learner.module, batch={}, episodes=episodes, shared_data={}, metrics=learner.metrics
        )["default_policy"]
        got = fast.sample_columns(64, **kwargs)
        assert sorted(got) == sorted(want)
        for column, tensor in want.items():
            expected = tensor.numpy()
            assert got[column].dtype == expected.dtype and got[column].shape == expected.shape, column
            assert np.array_equal(got[column], expected), column
        if prioritized:
            assert fast._last_sampled_indices == stock._last_sampled_indices
            td_errors = rng.normal(size=64)
            stock.update_priorities(td_errors)
            fast.update_priorities(td_errors)
    assert fast.get_metrics() == stock.get_metrics()


def test_fast_buffer_sampling_frequencies_follow_the_priorities():
    """Sampling frequency of each stored step over many draws is proportional to its priority**alpha
    (the sum tree's values), within 5 standard errors: checks the draws themselves, not only
    agreement with RLlib's."""
    _, fast = _buffers(seed=3)
    size = fast.get_num_timesteps()
    fast.sample(num_items=64, n_step=1)
    fast.update_priorities(np.linspace(0.1, 3.0, num=64))  # the steps just sampled get other priorities
    probabilities = np.array([fast._sum_segment[i] for i in range(fast._sum_segment.capacity)])
    probabilities = probabilities / probabilities.sum()
    counts = np.zeros_like(probabilities)
    draws = 0
    for _ in range(150):
        fast.sample(num_items=64, n_step=1, beta=0.0)
        for idx in fast._last_sampled_indices:
            counts[idx] += 1
        draws += 64
    # n_step=1 never resamples, so every draw counts; steps never stored have probability 0.
    assert counts[probabilities == 0].sum() == 0
    expected = probabilities * draws
    stderr = np.sqrt(expected * (1 - probabilities)) + 1e-9
    assert np.all(np.abs(counts - expected) <= 5 * stderr + 1), (size, np.max(np.abs(counts - expected) / stderr))


@pytest.mark.parametrize(
    "algorithm, dotted",
    [
        ("DQN", fast_defaults.FAST_BUFFER),
        ("TD3", fast_defaults.FAST_UNIFORM_BUFFER),
        ("DDPG", fast_defaults.FAST_BUFFER),
    ],
)
def test_rllib_builds_the_fast_buffer_from_its_dotted_type(algorithm, dotted):
    """The path a trial takes: update_from_dict (which turns the dotted type into the class), then
    validate() and the Algorithm's own buffer construction (which tests the type as a string)."""
    from ray.rllib.algorithms.dqn import DQN

    from rlcli.core.rllib.resolve import import_object, resolve_algorithm

    config = resolve_algorithm(algorithm).cls.get_default_config()
    config = config.environment("Pendulum-v1" if algorithm != "DQN" else "CartPole-v1")
    config = config.update_from_dict({"replay_buffer_config": {"type": dotted, "capacity": 99}})
    config.validate()
    fast = import_object(dotted.rsplit(".", 1)[0] + ":" + dotted.rsplit(".", 1)[1], "buffer")
    assert config.replay_buffer_config["type"] is fast
    algo = types.SimpleNamespace(config=config)  # what the method reads of the Algorithm
    buffer = DQN._create_local_replay_buffer_if_necessary(algo, config.to_dict())
    assert type(buffer) is fast and buffer.capacity == 99


def test_plain_dqn_trains_with_the_fast_buffer(dqn_cartpole):
    """``rlcli train --run DQN`` (the session's tiny DQN) samples from the fast buffer in a real
    trial (params.json names it), trains, and updates its priorities through RLlib's own DQN
    training step."""
    (trial,) = trial_dirs(dqn_cartpole)
    params = json.loads((trial / "params.json").read_text())
    # params.json holds the class RLlib's update_from_dict made of the dotted name
    assert "rlcli.fast.replay.FastPrioritizedEpisodeReplayBuffer" in str(params["replay_buffer_config"]["type"])
    assert params["replay_buffer_config"]["beta"] == 0.4  # RLlib's default, kept
    rows = [json.loads(line) for line in (trial / "result.json").read_text().splitlines() if line.strip()]
    assert rows[-1]["learners"]["default_policy"]["num_module_steps_trained"] > 0
    assert rows[-1]["replay_buffer"]["num_env_steps_sampled_lifetime"] > 0
    assert "learner_connector" not in rows[-1]["learners"]["__all_modules__"]  # ready batches


def test_td3_learns_from_ready_batches_and_its_env_runner_acts_with_the_learners_weights():
    """A real TD3 Algorithm (sampling in the trainer): its training step takes the ready-batch
    path, updates once per env step after the start, and the env runner that samples holds
    exactly the learner's actor weights after the iteration (synced without Ray's object store)."""
    import ray
    import torch

    from rlcli.algorithms.td3.td3 import TD3Config
    from rlcli.fast.ready_batches import learns_from_ready_batches
    from rlcli.fast.replay import FastEpisodeReplayBuffer

    config = (
        TD3Config()
        .environment("Pendulum-v1")
        .env_runners(num_env_runners=0)
        .training(
            train_batch_size=32,
            num_steps_sampled_before_learning_starts=50,
            actor_hiddens=[16],
            critic_hiddens=[16],
            replay_buffer_config={"type": fast_defaults.FAST_UNIFORM_BUFFER},
        )
        .reporting(min_sample_timesteps_per_iteration=100)
    )
    algo = config.build_algo()
    try:
        assert type(algo.local_replay_buffer) is FastEpisodeReplayBuffer and learns_from_ready_batches(algo)
        result = algo.train()
        learner_module = algo.learner_group._learner.module["default_policy"]
        acting_state = algo.env_runner.module.state_dict()
        for name, tensor in learner_module.pi.state_dict().items():
            assert torch.equal(acting_state[f"pi.{name}"], tensor), name
        trained = result["learners"]["default_policy"]["num_module_steps_trained_lifetime"]
        sampled = result["env_runners"]["num_env_steps_sampled_lifetime"]
        assert trained == 32 * (sampled - 50 + 1)  # one update of 32 per env step from step 50 on
    finally:
        algo.stop()
        ray.shutdown()
