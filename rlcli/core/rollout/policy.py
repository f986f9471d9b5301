"""Evaluate a trained policy: RLModule + the training connectors' saved state + a vectorized env.

The fast path loads only the RLModule and the stateful connector pieces (e.g. MeanStdFilter) and
steps a gymnasium vector env with batched inference. Checkpoints it cannot reproduce faithfully
(multi-agent, recurrent modules, connector pieces it does not know) go through RLlib's own
EnvRunner instead, so the returns always match what training's evaluation would see.
"""

from __future__ import annotations

import inspect
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlcli.core.errors import UsageError
from rlcli.core.rllib.module_weights import load_rl_module

#: env-to-module pieces every new-stack pipeline has; they only batch and tensorize.
DEFAULT_ENV_TO_MODULE = {
    "AddObservationsFromEpisodesToBatch",
    "AddTimeDimToBatchAndZeroPad",
    "AddStatesFromEpisodesToBatch",
    "BatchIndividualItems",
    "NumpyToTensor",
    "AgentToModuleMapping",
}


def check_algorithm(run: str | None, state: dict[str, Any]) -> None:
    """``--run`` names the algorithm the checkpoint was trained with, or it is an error."""
    from rlcli.algorithms.aliases import translation
    from rlcli.core.rllib.resolve import canonical_name

    trained = getattr(state.get("class"), "__name__", "").replace("Config", "")
    translated = translation(run) if run else None
    asked = translated.runs if translated is not None else canonical_name(run) if run else ""
    if run and trained and asked.upper() != trained.upper():
        raise UsageError(
            f"The checkpoint was trained with {trained}, not {run}.", f"Drop --run or pass --run {trained}."
        )


def check_new_stack(ckpt: Path) -> None:
    """Old-API-stack or pre-2.x checkpoints: say so plainly, with the Ray that wrote them."""
    import json

    from rlcli.core.store.checkpoints import old_stack_problem

    problem = old_stack_problem(ckpt)
    if problem is not None:
        raise UsageError(
            f"{problem}: Ray 2.60 cannot load it.",
            "rlcli rollout reads new-API-stack checkpoints (Ray >= 2.10, torch); retrain with Ray 2.60: rlcli train.",
        )
    marker = ckpt / "rllib_checkpoint.json"
    if not marker.is_file():
        raise UsageError(f"'{ckpt}' has no rllib_checkpoint.json: not an RLlib checkpoint, or one from Ray < 2.1.")
    try:
        json.loads(marker.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UsageError(f"Checkpoint '{ckpt}' is corrupted (rllib_checkpoint.json is not JSON).") from None


def load_config_state(ckpt: Path) -> dict[str, Any]:
    """The training config, from the checkpoint's pickle (checkpoints are trusted input)."""
    path = ckpt / "class_and_ctor_args.pkl"
    try:
        with open(path, "rb") as fh:
            info = pickle.load(fh)
        return info["ctor_args_and_kwargs"][0][0]
    except FileNotFoundError:
        raise UsageError(f"Checkpoint '{ckpt}' is incomplete: {path.name} is missing.") from None
    except (pickle.UnpicklingError, EOFError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise UsageError(f"Checkpoint '{ckpt}' is corrupted ({path.name}: {type(exc).__name__}).") from None
    except ModuleNotFoundError as exc:
        raise UsageError(f"Checkpoint '{ckpt}' needs module '{exc.name}', which is not importable.") from None


def module_dirs(ckpt: Path) -> dict[str, Path]:
    root = ckpt / "learner_group" / "learner" / "rl_module"
    if not root.is_dir():
        raise UsageError(f"Checkpoint '{ckpt}' is incomplete: {root.relative_to(ckpt)} is missing.")
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir()}


def connector_dir(ckpt: Path, name: str) -> Path | None:
    for candidate in (ckpt / "env_runner" / name, ckpt / name):
        if candidate.is_dir():
            return candidate
    return None


class Policy:
    """Batched observations → env actions, as training's connectors would compute them."""

    def __init__(
        self,
        module: Any,
        obs_filter: Any,
        normalize_actions: bool,
        clip_actions: bool,
        explore: bool,
        explore_t: int = 0,
    ) -> None:
        """``explore_t``: the env steps training had sampled (the checkpoint's EnvRunner count).
        Modules whose exploration follows a schedule of the global step (DQN's epsilon) get it,
        plus the steps taken since, as RLlib's EnvRunner passes ``t``; the others ignore it."""
        import gymnasium as gym
        from ray.rllib.core.distribution.torch.torch_distribution import TorchCategorical
        from ray.rllib.utils.spaces.space_utils import clip_action, unsquash_action

        self.module = module
        self.obs_filter = obs_filter
        self.normalize_actions = normalize_actions
        self.clip_actions = clip_actions
        self.action_space = module.action_space
        self.explore = explore
        self.explore_t = explore_t
        self._forward = module.forward_exploration if explore else module.forward_inference
        self._scheduled = explore and "t" in inspect.signature(module._forward_exploration).parameters
        get_dist = module.get_exploration_action_dist_cls if explore else module.get_inference_action_dist_cls
        self._dist_cls = get_dist()
        self._argmax = not explore and self._dist_cls is TorchCategorical
        self._post = None
        if isinstance(self.action_space, gym.spaces.Box):
            if normalize_actions:
                self._post = lambda a: unsquash_action(a, self.action_space)
            elif clip_actions:
                self._post = lambda a: clip_action(a, self.action_space)

    def eval_once(self) -> None:
        """Put the module in eval mode now and call its own ``_forward_inference`` /
        ``_forward_exploration`` from then on: what RLlib's ``forward_inference`` runs between the
        eval and train mode switches it makes on every call (a walk over every submodule,
        half of a small module's forward pass). For a module nothing trains meanwhile (serving)."""
        own = "_forward_exploration" if self.explore else "_forward_inference"
        if callable(getattr(self.module, own, None)) and callable(getattr(self.module, "eval", None)):
            self.module.eval()
            self._forward = getattr(self.module, own)

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        import torch

        if self.obs_filter is not None:
            obs = self.obs_filter(obs, update=False)
        batch = {"obs": torch.from_numpy(np.asarray(obs, dtype=np.float32))}
        with torch.inference_mode():
            if self._scheduled:
                out = self._forward(batch, t=self.explore_t)
                self.explore_t += len(batch["obs"])
            else:
                out = self._forward(batch)
            if "actions" in out:
                actions = out["actions"]
            elif self._argmax:
                actions = out["action_dist_inputs"].argmax(dim=-1)
            else:
                dist = self._dist_cls.from_logits(out["action_dist_inputs"])
                actions = dist.sample() if self.explore else dist.to_deterministic().sample()
        actions = actions.numpy()
        return self._post(actions) if self._post is not None else actions

    def with_exploration(self, explore: bool) -> Policy:
        """The same module, filter and action handling, acting greedily or exploring."""
        return Policy(self.module, self.obs_filter, self.normalize_actions, self.clip_actions, explore, self.explore_t)


def fast_path_blockers(modules: dict[str, Path], pieces: list[str], module: Any) -> list[str]:
    """Why the fast path would not reproduce training's inference exactly (empty: it would)."""
    blockers = ["multi-agent checkpoint"] if set(modules) != {"default_policy"} else []
    return blockers + inference_blockers(pieces, module)


def inference_blockers(pieces: list[str], module: Any) -> list[str]:
    """Why batched observations → ``module`` → actions would not be training's inference: a
    connector piece rlcli does not reproduce, or a recurrent module (its state lives in episodes)."""
    blockers = []
    unknown = [p for p in pieces if p not in DEFAULT_ENV_TO_MODULE | {"MeanStdFilter"}]
    if unknown:
        blockers.append("env-to-module connector(s) " + ", ".join(unknown))
    if module is not None and module.is_stateful():
        blockers.append("recurrent (stateful) RLModule")
    return blockers


def _env_to_module_pieces(ckpt: Path) -> list[Any]:
    """The connector pieces of the checkpoint's env-to-module pipeline (none saved: none)."""
    from ray.rllib.connectors.connector_v2 import ConnectorV2

    pipe_dir = connector_dir(ckpt, "env_to_module_connector")
    pipeline: Any = ConnectorV2.from_checkpoint(str(pipe_dir)) if pipe_dir else None  # a ConnectorPipelineV2
    return list(pipeline.connectors) if pipeline is not None else []


def _saved_filters(pieces: list[Any]) -> dict[Any, Any]:
    """The MeanStdFilter state by agent id (``None`` for single-agent); empty without one."""
    for piece in pieces:
        if type(piece).__name__ == "MeanStdFilter":
            return dict(piece._filters or {})
    return {}


def load_policy(ckpt: Path, state: dict[str, Any], explore: bool) -> tuple[Policy | None, list[str]]:
    """The fast-path policy, or None plus the reasons it cannot be used."""
    from rlcli.core.quiet import silence_loggers

    silence_loggers(verbose=False)

    modules = module_dirs(ckpt)
    pieces = _env_to_module_pieces(ckpt)
    module: Any = load_rl_module(next(iter(modules.values()))) if len(modules) == 1 else None
    blockers = fast_path_blockers(modules, [type(p).__name__ for p in pieces], module)
    if blockers or module is None:
        return None, blockers or ["no single RLModule in the checkpoint"]
    module.eval()
    policy = Policy(
        module=module,
        obs_filter=_saved_filters(pieces).get(None),
        normalize_actions=bool(state.get("normalize_actions", True)),
        clip_actions=bool(state.get("clip_actions", False)),
        explore=explore,
        explore_t=sampled_lifetime(ckpt),
    )
    return policy, []


def sampled_lifetime(ckpt: Path) -> int:
    """The env steps training had sampled when ``ckpt`` was saved (its EnvRunner's count;
    0 where the checkpoint keeps none)."""
    try:
        with open(ckpt / "env_runner" / "state.pkl", "rb") as fh:
            state = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError):
        return 0
    return int(state.get("num_env_steps_sampled_lifetime", 0)) if isinstance(state, dict) else 0


@dataclass(frozen=True)
class MultiAgentModules:
    """A multi-agent checkpoint's RLModules by module id, the MeanStdFilter state by agent id
    (empty without one) and what the action post-processing does: per agent, a :class:`Policy`
    of the module the policy mapping picks and that agent's filter acts as training did."""

    modules: dict[str, Any]
    filters: dict[Any, Any]
    normalize_actions: bool
    clip_actions: bool

    def policy(self, module_id: str, agent_id: Any, explore: bool) -> Policy:
        module, obs_filter = self.modules[module_id], self.filters.get(agent_id)
        return Policy(module, obs_filter, self.normalize_actions, self.clip_actions, explore)


def load_multi_agent_modules(ckpt: Path, state: dict[str, Any]) -> tuple[MultiAgentModules | None, list[str]]:
    """Every RLModule of a multi-agent checkpoint, or None plus why per-agent inference from
    them would not be training's (a connector piece rlcli does not reproduce, a recurrent module)."""
    from rlcli.core.quiet import silence_loggers

    silence_loggers(verbose=False)
    pieces = _env_to_module_pieces(ckpt)
    modules: dict[str, Any] = {name: load_rl_module(path) for name, path in module_dirs(ckpt).items()}
    names = [type(p).__name__ for p in pieces]
    blockers = [b for m in modules.values() for b in inference_blockers(names, m)]
    if blockers:
        return None, sorted(set(blockers))
    for module in modules.values():
        module.eval()
    return MultiAgentModules(
        modules,
        _saved_filters(pieces),
        bool(state.get("normalize_actions", True)),
        bool(state.get("clip_actions", False)),
    ), []


def episode_quotas(episodes: int, num_envs: int) -> np.ndarray:
    """Spread N episodes over the envs as fixed per-env quotas. Keeping "the first N to finish"
    instead would favour short episodes (an env in a run of short ones finishes several while a
    long one is still running); counting each env's first quota episodes in start order keeps
    every counted episode an independent draw, whatever its length."""
    base, extra = divmod(episodes, num_envs)
    return np.array([base + (1 if i < extra else 0) for i in range(num_envs)])


def env_context(env_config: dict[str, Any]) -> Any:
    """The env config as RLlib hands it to env creators: an ``EnvContext`` (a dict with
    ``worker_index``, ``num_workers``, ``vector_index``), as the local EnvRunner that training
    with ``num_env_runners=0`` builds it (the same for every sub-env), so an env that reads them
    builds and acts here as it did in training."""
    from ray.rllib.env.env_context import EnvContext

    return EnvContext(dict(env_config), worker_index=0, vector_index=0, num_workers=0, remote=False)


def raise_if_spaces_differ(module: Any, env: Any, env_name: str) -> None:
    if module.observation_space.shape != env.single_observation_space.shape:
        raise UsageError(
            f"Env '{env_name}' has observations of shape {env.single_observation_space.shape}, but the checkpoint's "
            f"policy expects {module.observation_space.shape}.",
            "Roll out on the env it was trained on (drop --env), or one with the same spaces.",
        )
    if type(module.action_space) is not type(env.single_action_space):
        raise UsageError(
            f"Env '{env_name}' has a {type(env.single_action_space).__name__} action space, but the policy "
            f"acts in a {type(module.action_space).__name__}.",
            "Roll out on the env it was trained on.",
        )
