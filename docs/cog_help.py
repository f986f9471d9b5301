"""The ``--help`` blocks of README.md and docs/*.md, written by cog from the real CLI.

A page carries one block per command, between HTML-comment markers::

    <!-- [[[cog from cog_help import help_block; help_block("train") ]]] -->
    ...generated, never edited by hand...
    <!-- [[[end]]] -->

``make docs`` regenerates every block (``cog -r -I docs``); ``make lint`` and
``tests/cli/test_docs_examples.py`` run ``cog --check``, so a changed option fails until the docs
say so. The program name is the real one (``Usage: rlcli train``), not Click's test name.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: This checkout's root: its rlcli is the one documented, whatever an editable install points at.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

#: The width the blocks are rendered at: the CLI's own max_content_width, whatever the terminal.
WIDTH = 100


def render_help(*args: str, prog: str = "rlcli") -> str:
    """``PROG ARGS --help`` exactly as the installed command prints it on a 100-column terminal."""
    from click.testing import CliRunner

    from rlcli.cli import cli

    result = CliRunner().invoke(cli, [*args, "--help"], prog_name=prog, terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"{prog} {' '.join(args)} --help exited {result.exit_code}:\n{result.output}")
    return result.output


def help_block(*args: str, prog: str = "rlcli") -> None:
    """Write ``$ PROG ARGS --help`` and its output as a fenced text block into the cog output."""
    import cog  # only importable while cog runs

    command = " ".join([prog, *args, "--help"])
    cog.outl("```text")
    cog.outl(f"$ {command}")
    cog.out(render_help(*args, prog=prog))
    cog.outl("```")


def old_env_table() -> None:
    """The table of old TUNE_*/RLLIB_* variables (rlcli.core.old_env.OLD_ENV_VARS) as Markdown."""
    import cog  # only importable while cog runs

    from rlcli.core.old_env import OLD_ENV_VARS

    what = {
        "storage": "Tune 2.60 raises on it; rlcli uses it as the default storage path",
        "ignored": "read nowhere in Ray 2.60's training; rlcli says it has no effect",
    }
    cog.outl("| variable | Ray 2.60 / rlcli | why |")
    cog.outl("|---|---|---|")
    for var in OLD_ENV_VARS:
        cog.outl(f"| `{var.name}` | {what[var.treatment]} | {var.meaning} |")
