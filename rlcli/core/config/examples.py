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
