"""``rlcli migrate``: rewrite a legacy experiment file in Ray 2.60 terms (thin layer over core)."""

from __future__ import annotations

from pathlib import Path

import click

from rlcli.console import Console
from rlcli.core.errors import UsageError


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically) instead of stdout.")
def migrate(file: str, output: str | None) -> int:
    """Rewrite a classic `rllib train -f` YAML file in Ray 2.60 terms, each changed line commented.

    \b
    Examples:
      rlcli migrate old/cartpole-ppo.yaml
      rlcli migrate old/cartpole-ppo.yaml -o cartpole-ppo.yaml && rlcli train -f cartpole-ppo.yaml
    """
    from rlcli.core.config.migrate import migrate_file

    if not Path(file).is_file():
        raise UsageError(f"'{file}' is not a file.", "Pass a YAML experiment file.")
    text = migrate_file(file)
    console = Console()
    if output is None:
        console.data(text.rstrip())
        return 0
    if Path(output).expanduser().resolve() == Path(file).expanduser().resolve():
        raise UsageError("-o names the original file; migrating would overwrite it.", "Choose another file name.")
    from rlcli.core.files import atomic_write

    atomic_write(Path(output), text)
    console.notice(f"wrote {output}; run it with: rlcli train -f {output}")
    return 0
