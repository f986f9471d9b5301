"""``--out FILE`` in the old ``rllib rollout`` / ``rllib evaluate`` format, for scripts that read it.

Ray's old ``RolloutSaver`` (``rllib/rollout.py`` in 1.x, ``rllib/evaluate.py`` in 2.x) pickled a
list of episodes, each a list of steps ``[obs, action, next_obs, reward, terminated, truncated]``
(the 2.x element list; 1.x had one ``done`` where 2.x has ``terminated, truncated``), with the
step's ``info`` appended under ``--save-info``. ``--use-shelve`` stored episode ``i`` under the key
``str(i)`` of a :mod:`shelve` file instead, plus ``"num_episodes"``; ``--track-progress`` kept a
``__progress_<name>`` file beside the output with one ``N / M episodes completed`` (or ``steps``)
line while the rollout ran, and removed it at the end. Multi-agent episodes hold per-agent dicts
for obs, action, next_obs, reward and info, and the episode's ``__all__`` flags.

Unlike the old tool, the output appears only when the rollout finished: the pickle (or the shelve
files) is written beside the target under a temporary name and renamed, so an interrupted run
never leaves half a file. Only whole episodes are stored (those the result counts), in the order
of the result's ``returns``.
"""

from __future__ import annotations

import os
import pickle
import shelve
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rlcli.core.errors import UsageError
from rlcli.core.files import atomic_path

if TYPE_CHECKING:
    from rlcli.core.rollout.request import RolloutSpec

#: Suffixes the old tool's users gave pickles; any other non-Parquet name is still pickled, with a notice.
PICKLE_SUFFIXES = frozenset({".pkl", ".p", ".pickle", ".pck", ".pckl", ".shelve", ".db", ""})


@dataclass(frozen=True)
class LegacyStep:
    """One env step as the old tool saw it: the env's own observation, the action the env got."""

    obs: Any
    action: Any
    next_obs: Any
    reward: Any
    terminated: bool
    truncated: bool
    info: Any = None

    def as_list(self, save_info: bool) -> list[Any]:
        """The old ``RolloutSaver.append_step`` element list (2.x)."""
        row = [self.obs, self.action, self.next_obs, self.reward, self.terminated, self.truncated]
        return [*row, self.info] if save_info else row


def is_parquet(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() == ".parquet"


def saver_for(spec: RolloutSpec) -> LegacySaver:
    """The saver of a rollout whose ``--out`` is not Parquet."""
    assert spec.out is not None  # callers check; not user input
    return LegacySaver(spec.out, spec.save_info, spec.use_shelve, spec.track_progress, spec.episodes, spec.steps)


def progress_path(target: Path) -> Path:
    """The old ``__progress_<outname>`` file beside the output."""
    return target.parent / ("__progress_" + target.name)


@dataclass
class LegacySaver:
    """Collects whole episodes and writes them in the old format when the rollout is done."""

    target: Path
    save_info: bool = False
    use_shelve: bool = False
    track_progress: bool = False
    target_episodes: int | None = None
    target_steps: int | None = None
    episodes: list[list[list[Any]]] = field(default_factory=list)
    _progress: IO[str] | None = None

    def __post_init__(self) -> None:
        self.target = Path(self.target).expanduser().absolute()
        if not self.target.parent.is_dir():
            raise UsageError(
                f"--out: directory '{self.target.parent}' does not exist.", "Create it or pick another path."
            )
        if self.target.is_dir():
            raise UsageError(f"--out '{self.target}' is a directory.", "Name a file.")

    def start(self) -> None:
        """Open the progress file (``--track-progress``) before the first episode, as the old tool did."""
        if self.track_progress:
            try:
                self._progress = progress_path(self.target).open("w", encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"--track-progress: cannot write {progress_path(self.target)}: {exc.strerror}."
                ) from None

    def add_episode(self, steps: list[LegacyStep], env_steps: int) -> None:
        """One finished episode (``env_steps``: the rollout's env steps so far, for the progress line)."""
        self.episodes.append([s.as_list(self.save_info) for s in steps])
        self.progress(len(self.episodes), env_steps)

    def add_all(self, episodes: list[list[LegacyStep]]) -> None:
        """The counted episodes at once, in the result's order (RLlib's EnvRunner path)."""
        self.episodes.extend([s.as_list(self.save_info) for s in steps] for steps in episodes)

    def progress(self, episodes: int, env_steps: int) -> None:
        """Rewrite the ``--track-progress`` line (a no-op without it)."""
        if self._progress is not None:
            self._progress.seek(0)
            self._progress.truncate()
            self._progress.write(self.progress_line(episodes, env_steps) + "\n")
            self._progress.flush()

    def progress_line(self, episodes: int, env_steps: int) -> str:
        """The old ``_get_progress`` line: episodes when they are the target, else steps."""
        if self.target_episodes:
            return f"{min(episodes, self.target_episodes)} / {self.target_episodes} episodes completed"
        if self.target_steps:
            return f"{min(env_steps, self.target_steps)} / {self.target_steps} steps completed"
        return f"{episodes} episodes completed"

    def close(self) -> None:
        """Remove the progress file (the old tool did so at the end, whether or not it succeeded)."""
        if self._progress is not None:
            self._progress.close()
            self._progress = None
            progress_path(self.target).unlink(missing_ok=True)

    def write(self) -> Path:
        """The pickle, or the shelve files, renamed into place."""
        if self.use_shelve:
            _write_shelve(self.episodes, self.target)
        else:
            with atomic_path(self.target) as tmp, open(tmp, "wb") as fh:
                pickle.dump(self.episodes, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return self.target


def _write_shelve(episodes: list[list[list[Any]]], target: Path) -> None:
    """A shelve file at a temporary name beside ``target``, then each file the dbm backend made
    (one, or ``.dat``/``.bak``/``.dir`` for dbm.dumb) renamed to ``target`` plus its suffix, the
    index files last, so ``shelve.open(target)`` reads the new data or, before the renames, the old."""
    workdir = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        base = workdir / target.name
        with shelve.open(str(base), flag="n", protocol=pickle.HIGHEST_PROTOCOL) as shelf:
            for index, episode in enumerate(episodes):
                shelf[str(index)] = episode
            shelf["num_episodes"] = len(episodes)
        made = sorted(workdir.iterdir(), key=lambda p: p.suffix in (".dir", ".bak"))
        for path in made:
            os.replace(path, target.parent / path.name)
    except OSError as exc:
        raise UsageError(
            f"Cannot write '{target}': {exc.strerror or exc}.", "Pick a path in a writable directory."
        ) from None
    finally:
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()
