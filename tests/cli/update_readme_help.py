"""Paste the current ``rlcli train --help`` into the README's ``<!-- train-help -->`` block
(what test_help_is_documented checks): ``.venv/bin/python tests/cli/update_readme_help.py``."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from rlcli.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"

if __name__ == "__main__":
    help_text = CliRunner().invoke(cli, ["train", "--help"], terminal_width=100).output
    text = README.read_text()
    pattern = re.compile(r"(<!-- train-help -->\n```text\n)(.*?)(```)", re.S)
    assert pattern.search(text), "README lacks the <!-- train-help --> block"
    README.write_text(pattern.sub(lambda m: m.group(1) + help_text + m.group(3), text, count=1))
