"""What a ``train`` run tells whoever watches it: :class:`ProgressSink`, the one interface (the
console's ``TrainProgress`` is one, :class:`SilentProgress` the library's default), and
:data:`Notice`, the callable that takes the run's notices. Pure Python, no Ray."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rlcli.core.spec import ExperimentResult, ProgressRow

#: Takes one notice of the run (a setting rlcli changed, how Ray was started, ...).
Notice = Callable[[str], None]


class ProgressSink(Protocol):
    """Receives a run's progress: each experiment's start and end, every result and status
    change of its trials (from Tune's callbacks or the local-mode loop), and the first
    Ctrl-C/SIGTERM (the run is stopping gracefully)."""

    def experiment_started(self, name: str, path: str, num_trials: int, resume: bool) -> None: ...

    def experiment_finished(self, result: ExperimentResult) -> None: ...

    def interrupting(self, signum: int) -> None: ...

    def progress(self, row: ProgressRow) -> None: ...

    def trial_status(self, trial: str, status: str) -> None: ...


class SilentProgress:
    """A progress sink that shows nothing (library calls without a console)."""

    def experiment_started(self, name: str, path: str, num_trials: int, resume: bool) -> None:
        """Nothing to show."""

    def experiment_finished(self, result: ExperimentResult) -> None:
        """Nothing to show."""

    def interrupting(self, signum: int) -> None:
        """Nothing to show."""

    def progress(self, row: ProgressRow) -> None:
        """Nothing to show."""

    def trial_status(self, trial: str, status: str) -> None:
        """Nothing to show."""
