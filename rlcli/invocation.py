"""How the program was called: ``rlcli`` or its drop-in name ``rllib``.

Built once by the root command and kept in Click's context object, so every command can ask
whether the old RLlib CLI's defaults hold (experiment name ``default``, rollouts of 10,000 steps)
without reading ``sys.argv`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import click

#: The console script Ray shipped until 2.41; installing rlcli gives it back.
LEGACY_PROGRAM = "rllib"


@dataclass(frozen=True)
class Invocation:
    program: str = "rlcli"

    @property
    def legacy_defaults(self) -> bool:
        """True under the name ``rllib``: where the old CLI's defaults differ, they hold."""
        return self.program == LEGACY_PROGRAM


def current() -> Invocation:
    """The invocation of the running command (``rlcli`` when called outside the CLI)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = getattr(root, "obj", None)
    return obj if isinstance(obj, Invocation) else Invocation()
