"""``rlcli examples``: list, show and run the project's tuned examples (thin layer over core)."""

from __future__ import annotations

from typing import ClassVar

import click

from rlcli import invocation
from rlcli.console import Console


class _AliasedGroup(click.Group):
    """``get``: the old ``rllib example get NAME``, the same command as ``show`` (hidden from help)."""

    aliases: ClassVar[dict[str, str]] = {"get": "show"}

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, self.aliases.get(name, name))


@click.group(cls=_AliasedGroup)
def examples() -> None:
    """The tuned examples that ship with rlcli: each states the target it reaches.

    \b
    Examples:
      rlcli examples list
      rlcli examples show cartpole-ppo
      rlcli examples run cartpole-ppo --seed 1
    """


@examples.command("list")
@click.option(
    "-f", "--filter", "text", metavar="TEXT", help="Only examples whose name, algorithm or env contains TEXT."
)
@click.option("--json", "as_json", is_flag=True, help="JSON list on stdout.")
def list_examples(text: str | None, as_json: bool) -> int:
    """A table: name, algorithm, env, target, what reaching it took when measured."""
    from rlcli import api
    from rlcli.core.config.examples import ExamplesQuery

    rows = [e.__dict__ | {"path": str(e.path)} for e in api.examples(ExamplesQuery(text))]
    columns = ["name", "algorithm", "env", "target", "measured"]
    Console(quiet=as_json).table(columns + (["path"] if as_json else []), rows, fmt="json" if as_json else "table")
    return 0


@examples.command("show")
@click.argument("name")
def show(name: str) -> int:
    """Print the example's YAML file (also spelled `get`, as the old rllib example get)."""
    from rlcli import api

    Console().data(api.example(name).read().rstrip())
    return 0


@examples.command(
    "run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}, add_help_option=True
)
@click.argument("name")
@click.argument("train_args", nargs=-1, type=click.UNPROCESSED)
def run(name: str, train_args: tuple[str, ...]) -> int:
    """Train the example: `rlcli train -f FILE` plus any train options and key=value overrides."""
    from rlcli import api
    from rlcli.commands.train import train

    example = api.example(name)
    Console().notice(f"rlcli train -f {example.path} {' '.join(train_args)}".rstrip())
    settings = click.get_current_context().find_root()  # same help names etc. as `rlcli train`
    return train.main(
        ["-f", str(example.path), *train_args],
        prog_name=f"{invocation.current().program} train",
        standalone_mode=False,
        help_option_names=settings.help_option_names,
        max_content_width=settings.max_content_width,
    )
