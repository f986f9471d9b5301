"""What a rollout is asked to do (:class:`RolloutRequest`, checked before any checkpoint is read)
and what it then runs (:class:`RolloutSpec`: the chosen checkpoint, ``--config`` applied, the
defaults filled in)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlcli.core.config.overrides import load_mapping
from rlcli.core.errors import UsageError
from rlcli.core.rollout.legacy_out import is_parquet
from rlcli.core.store.checkpoints import CheckpointRef, Selection

#: The old CLI's default rollout length when neither --steps nor --episodes is given.
LEGACY_STEPS = 10_000
ENGINES = ("auto", "fast", "rllib")
#: The flags that shape the old ``rllib rollout`` pickle ``--out`` writes.
_PICKLE_FLAGS = ("save_info", "use_shelve", "track_progress")


@dataclass(frozen=True)
class RolloutRequest:
    """A ``rollout`` invocation as asked: ``None`` means "not given", so ``--config`` (the old
    CLI's mapping) or the defaults decide (episodes 10 unless ``steps`` is given, 8 envs, greedy,
    no rendering). Made by :meth:`build`; checked on construction, before any checkpoint is read."""

    path: str | Path
    selection: Selection = field(default_factory=Selection)
    env: str | None = None
    env_config: dict[str, Any] | None = None
    episodes: int | None = None
    steps: int | None = None
    explore: bool | None = None
    num_envs: int | None = None
    seed: int | None = None
    engine: str = "auto"
    out: Path | None = None
    video_dir: Path | None = None
    render: bool | None = None
    #: The algorithm the user expects (``--run``), checked against the checkpoint's.
    run: str | None = None
    #: The old CLI's ``--config`` mapping, read against the checkpoint (``rollout.rollout_config``).
    config: dict[str, Any] | None = None
    save_info: bool = False
    use_shelve: bool = False
    track_progress: bool = False

    def __post_init__(self) -> None:
        """What the options alone make impossible (the checks the flags' types make on the
        command line too, for library calls), before any checkpoint is read."""
        for name in ("episodes", "steps", "num_envs"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise UsageError(f"{_flag(name)} must be a whole number >= 1, got {value!r}.")
        if self.engine not in ENGINES:
            raise UsageError(f"--engine '{self.engine}' is not one of {', '.join(ENGINES)}.")
        self._check_out()

    def _check_out(self) -> None:
        """The flags that shape the old pickle need ``--out``, and a name that is not Parquet."""
        for name in _PICKLE_FLAGS:
            if getattr(self, name) and not self.out:
                flag = _flag(name)
                raise UsageError(
                    f"{flag} needs --out FILE (the file it shapes).", f"Add --out FILE.pkl or drop {flag}."
                )
        if self.out and is_parquet(self.out) and any(getattr(self, name) for name in _PICKLE_FLAGS):
            raise UsageError(
                f"--out '{self.out}': --save-info/--use-shelve/--track-progress shape the old rllib rollout pickle.",
                "Name the file *.pkl, or drop those flags for Parquet.",
            )

    @classmethod
    def build(
        cls,
        path: str | Path,
        *,
        which: str = "best",
        metric: str | None = None,
        mode: str = "max",
        env: str | None = None,
        env_config: str | Mapping[str, Any] | None = None,
        episodes: int | None = None,
        steps: int | None = None,
        explore: bool | None = None,
        num_envs: int | None = None,
        seed: int | None = None,
        engine: str = "auto",
        out: str | Path | None = None,
        video_dir: str | Path | None = None,
        render: bool | None = None,
        run: str | None = None,
        config: str | Mapping[str, Any] | None = None,
        save_info: bool = False,
        use_shelve: bool = False,
        track_progress: bool = False,
        legacy_defaults: bool = False,
    ) -> RolloutRequest:
        """The request, checked: ``env_config`` and ``config`` as mappings or as the flags take
        them (JSON/YAML text, or a file's path). ``legacy_defaults`` (the program ran as
        ``rllib``): the old tool's one env and 10,000 steps unless told otherwise."""
        if legacy_defaults:
            steps = LEGACY_STEPS if not episodes and not steps else steps
            num_envs = 1 if num_envs is None else num_envs
        return cls(
            path=path,
            selection=Selection(which=which, metric=metric or "", mode=mode),
            env=env,
            env_config=_mapping(env_config, "--env-config"),
            episodes=episodes,
            steps=steps,
            explore=explore,
            num_envs=num_envs,
            seed=seed,
            engine=engine,
            out=Path(out) if out else None,
            video_dir=Path(video_dir) if video_dir else None,
            render=render,
            run=run,
            config=_mapping(config, "--config"),
            save_info=save_info,
            use_shelve=use_shelve,
            track_progress=track_progress,
        )


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _mapping(value: str | Mapping[str, Any] | None, flag: str) -> dict[str, Any] | None:
    """A mapping flag's value: text read as the flag reads it (JSON/YAML or a file), or a mapping."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return load_mapping(value, flag)
    if not isinstance(value, Mapping):
        raise UsageError(f"{flag} must be a mapping, got {type(value).__name__}: {value!r}.")
    return dict(value)


@dataclass(frozen=True)
class RolloutSpec:
    """What a rollout runs: the chosen checkpoint and every setting decided."""

    checkpoint: CheckpointRef
    env: str | None = None
    env_config: dict[str, Any] | None = None
    episodes: int | None = 10
    steps: int | None = None
    explore: bool = False
    num_envs: int = 8
    seed: int | None = None
    out: Path | None = None
    video_dir: Path | None = None
    render: bool = False
    engine: str = "auto"
    #: The algorithm the user expects (``--run``), checked against the checkpoint's.
    run: str | None = None
    #: ``--out`` in the old ``rllib rollout`` format (any name but ``*.parquet``): each step's
    #: info too, a shelve file instead of one pickle, a ``__progress_`` file while it runs.
    save_info: bool = False
    use_shelve: bool = False
    track_progress: bool = False
