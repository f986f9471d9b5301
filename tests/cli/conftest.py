"""Helpers of the CLI layer: the real entry point in-process, exit code and streams read back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rlcli.cli import main

RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """``run_cli(*args)`` → (exit code, stdout, stderr) of ``rlcli ARGS`` through ``rlcli.cli.main``,
    which maps errors to exit codes and ``Error:`` lines as the installed command does."""

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exc.value.code or 0), out, err

    return run
