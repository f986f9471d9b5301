"""The README's usage block is the real ``rlcli train --help`` (rule 9 of the architecture)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from rlcli.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_readme_shows_the_current_train_help():
    help_text = CliRunner().invoke(cli, ["train", "--help"], terminal_width=100).output
    readme = README.read_text()
    blocks = re.findall(r"<!-- train-help -->\n```text\n(.*?)```", readme, re.S)
    assert blocks, "README lacks the <!-- train-help --> block"
    assert _normalize(blocks[0]) == _normalize(help_text), (
        "README's train --help is stale: run python tests/cli/update_readme_help.py"
    )


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join(README.read_text().splitlines()[:40])
    assert "make demo" in first_screen and "make test" in first_screen
