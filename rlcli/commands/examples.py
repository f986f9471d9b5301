"""``rlcli examples``: list, show and run the project's tuned examples (thin layer over core)."""

from __future__ import annotations

import click

from rlcli.console import Console


@click.group()
def examples() -> None:
    """The tuned examples that ship with rlcli: each states the target it reaches.

    \b
    Examples:
      rlcli examples list
      rlcli examples show cartpole-ppo
      rlcli examples run cartpole-ppo --seed 1
    """


@examples.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON list on stdout.")
def list_examples(as_json: bool) -> int:
    """A table: name, algorithm, env, target, what reaching it took when measured."""
    from rlcli.core.config.examples import all_examples

    rows = [e.__dict__ | {"path": str(e.path)} for e in all_examples()]
    columns = ["name", "algorithm", "env", "target", "measured"]
    Console(quiet=as_json).table(columns + (["path"] if as_json else []), rows, fmt="json" if as_json else "table")
    return 0


@examples.command("show")
@click.argument("name")
def show(name: str) -> int:
    """Print the example's YAML file."""
    from rlcli.core.config.examples import find_example

    Console().data(find_example(name).path.read_text(encoding="utf-8").rstrip())
    return 0


@examples.command(
    "run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}, add_help_option=True
)
@click.argument("name")
@click.argument("train_args", nargs=-1, type=click.UNPROCESSED)
def run(name: str, train_args: tuple[str, ...]) -> int:
    """Train the example: `rlcli train -f FILE` plus any train options and key=value overrides."""
    from rlcli.commands.train import train
    from rlcli.core.config.examples import find_example

    example = find_example(name)
    Console().notice(f"rlcli train -f {example.path} {' '.join(train_args)}".rstrip())
    settings = click.get_current_context().find_root()  # same help names etc. as `rlcli train`
    return train.main(
        ["-f", str(example.path), *train_args],
        prog_name="rlcli train",
        standalone_mode=False,
        help_option_names=settings.help_option_names,
        max_content_width=settings.max_content_width,
    )
