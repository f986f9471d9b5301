"""rlcli: the command-line tool for Ray RLlib, and the library behind it.

The commands are thin over the calls exported here (see :mod:`rlcli.api`): ``train``,
``train_request`` / ``plan`` (what ``--dry-run`` shows), ``rollout``, ``best_checkpoint``,
``load_trials``, ``export``. Importing rlcli loads neither Ray nor torch; the calls do, when they need to.
The calls are looked up in :mod:`rlcli.api` on first use, so ``rlcli --help`` does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rlcli.api import best_checkpoint, export, load_trials, plan, rollout, train, train_request

__version__ = "0.1.0"
__all__ = ["best_checkpoint", "export", "load_trials", "plan", "rollout", "train", "train_request"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from rlcli import api

        return getattr(api, name)
    raise AttributeError(f"module 'rlcli' has no attribute {name!r}")
