"""The project's tuned examples (``tuned_examples/<algo>/<name>.yaml``): find, describe, locate.

Each file is a plain ``rlcli train -f`` experiment file; what it promises is in its header
comments: ``# Target: METRIC >= VALUE ...`` and ``# Measured: ...`` (what reaching it took here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rlcli.core.config.loading import load_experiment_file
from rlcli.core.errors import UsageError, did_you_mean

_TARGET = re.compile(r"^#\s*Target:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_MEASURED = re.compile(r"^#\s*Measured:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Example:
    name: str
    path: Path
    algorithm: str
    env: str
    target: str
    measured: str

    def read(self) -> str:
        """The example's experiment file, as ``rlcli train -f`` reads it."""
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class ExamplesQuery:
    """Which tuned examples ``examples list`` shows: those whose name, algorithm or env contains
    ``text`` (any case); all of them without one."""

    text: str | None = None

    def __post_init__(self) -> None:
        if self.text is not None and not isinstance(self.text, str):
            raise UsageError(f"--filter must be text, got {type(self.text).__name__}: {self.text!r}.")

    def matches(self, example: Example) -> bool:
        return (self.text or "").lower() in f"{example.name} {example.algorithm} {example.env}".lower()


def list_examples(query: ExamplesQuery) -> list[Example]:
    """The tuned examples the query matches, in name order of their folders."""
    return [example for example in all_examples() if query.matches(example)]


def examples_dir() -> Path:
    """``tuned_examples/`` beside the package (a source checkout or an editable install)."""
    root = Path(__file__).resolve().parents[3] / "tuned_examples"
    if not root.is_dir():
        raise UsageError("The tuned examples are not installed here.", "Use a source checkout of rlcli.")
    return root


def all_examples() -> list[Example]:
    out = []
    for path in sorted(examples_dir().glob("*/*.yaml")):
        text = path.read_text(encoding="utf-8")
        (_, body), *_ = load_experiment_file(str(path))
        target, measured = _TARGET.search(text), _MEASURED.search(text)
        out.append(
            Example(
                name=path.stem,
                path=path,
                algorithm=str(body.get("run", "?")),
                env=str(body.get("env", "offline")),
                target=target.group(1) if target else "-",
                measured=measured.group(1) if measured else "-",
            )
        )
    return out


def find_example(name: str) -> Example:
    examples = all_examples()
    for example in examples:
        if name in (example.name, f"{example.path.parent.name}/{example.name}"):
            return example
    names = [e.name for e in examples]
    raise UsageError(f"No tuned example named '{name}'.", did_you_mean(name, names) or f"Examples: {', '.join(names)}.")
