"""One error hierarchy for the whole tool, translated into exit codes in one place (``rlcli.cli``).

User mistakes exit 2, runtime failures exit 1. Every message names the offending key, value
or path and, where one exists, the fix.
"""

from __future__ import annotations

from collections.abc import Iterable


class RlcliError(Exception):
    """Base class: a failure rlcli can explain in one line."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UsageError(RlcliError):
    """The user asked for something that cannot work as given (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration key, value or file is wrong."""


class TrainingFailed(RlcliError):
    """One or more trials errored at run time (exit 1)."""


class Interrupted(RlcliError):
    """The run was stopped by Ctrl-C or SIGTERM after its state was saved (exit 130)."""

    exit_code = 130


def closest(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to ``n`` candidates that look like ``word`` (case-insensitive), best first."""
    import difflib  # here: every command line imports this module, few need a suggestion

    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[h] for h in hits]


def did_you_mean(word: str, candidates: Iterable[str], n: int = 3) -> str | None:
    """A "Did you mean ...?" hint, or None when nothing is close."""
    hits = closest(word, candidates, n=n)
    if not hits:
        return None
    return "Did you mean " + " or ".join(repr(h) for h in hits) + "?"
