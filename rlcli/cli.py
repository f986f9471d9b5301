"""rlcli's root command. Sub-commands load lazily, so ``rlcli --help`` imports neither Ray nor
torch; errors become exit codes here and nowhere else."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from rlcli import __version__
from rlcli.core import timings
from rlcli.core.errors import RlcliError
from rlcli.invocation import LEGACY_PROGRAM, Invocation

#: command name → (module, attribute, one-line help shown by ``rlcli --help``)
COMMANDS = {
    "train": ("rlcli.commands.train", "train", "Train an RLlib algorithm as a Ray Tune experiment."),
    "rollout": (
        "rlcli.commands.rollout",
        "rollout",
        "Evaluate a trained policy from a checkpoint, trial or experiment.",
    ),
    "analyze": (
        "rlcli.commands.analyze",
        "analyze",
        "Read experiments: best checkpoint, trials, curves, comparisons, export.",
    ),
    "export": (
        "rlcli.commands.export",
        "export",
        "Export a trained policy to one ONNX or TorchScript file (checked against it).",
    ),
    "serve": ("rlcli.commands.serve", "serve", "Serve a trained policy over HTTP (Ray Serve)."),
    "migrate": ("rlcli.commands.migrate", "migrate", "Rewrite a classic rllib train -f YAML file in Ray 2.60 terms."),
    "examples": ("rlcli.commands.examples", "examples", "List, show and run the tuned examples that ship with rlcli."),
}

#: The old RLlib CLI's command names, kept so its command lines run unchanged; hidden from
#: ``--help`` (each is the command it names).
ALIASES = {"evaluate": "rollout", "example": "examples"}


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        name = ALIASES.get(name, name)
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rlcli")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """rlcli: train, roll out and analyze Ray RLlib agents from the terminal.

    \b
    Quick start:
      rlcli train --run PPO --env CartPole-v1 --stop '{"training_iteration": 20}'
      rlcli train -f tuned_examples/ppo/cartpole-ppo.yaml

    Also installed as `rllib`: the old RLlib CLI's command lines (rllib train --local-dir ...,
    rllib evaluate CKPT --steps 10 --out x.pkl, rllib example list) run unchanged.
    """
    ctx.obj = Invocation(program=ctx.info_name or "rlcli")


def _debug() -> bool:
    return os.environ.get("RLCLI_DEBUG", "") not in ("", "0")


def _traceback() -> None:
    """With ``RLCLI_DEBUG=1``: the traceback of the error being handled, on stderr."""
    if _debug():
        import traceback

        traceback.print_exc()


def _error_line(message: str) -> None:
    """:func:`rlcli.console.error_line`, imported only when there is an error to show (the
    console imports rich, which ``rlcli --help`` does without)."""
    from rlcli.console import error_line as write

    write(message)


def _usage_hint(exc: click.ClickException) -> str:
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return f" (see '{ctx.command_path} --help')"
    return ""


def main(argv: list[str] | None = None, prog_name: str = "rlcli") -> Any:
    """Console entry point: run the CLI and turn every failure into one ``Error:`` line."""
    timings.mark("cli_started")
    try:
        _run(argv, prog_name)
    finally:
        timings.write()


def rllib_main(argv: list[str] | None = None) -> Any:
    """The ``rllib`` console script: the same program, where the old CLI's defaults hold."""
    return main(argv, prog_name=LEGACY_PROGRAM)


def _run(argv: list[str] | None, prog_name: str) -> Any:
    try:
        code = cli.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _error_line("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        _traceback()
        _error_line(exc.format_message() + _usage_hint(exc))
        sys.exit(exc.exit_code)
    except RlcliError as exc:
        _traceback()
        _error_line(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _error_line("Interrupted.")
        sys.exit(130)
    except Exception as exc:
        _traceback()
        _error_line(f"internal error: {type(exc).__name__}: {exc} (run with RLCLI_DEBUG=1 for the traceback)")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
