"""Old module paths of rlcli's core (before it was grouped into domain packages), still importable.

Checkpoints and ``tuner.pkl`` files are pickles, and pickles name classes and functions by module
path: a checkpoint trained by an earlier rlcli refers to ``rlcli.core.rolling_return`` or
``rlcli.core.connectors``. This finder answers those names with the moved modules, so such
checkpoints still roll out and such experiments still resume. New code imports the new paths."""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from types import ModuleType
from typing import TYPE_CHECKING

#: Old ``rlcli.core.<name>`` → its place now, under ``rlcli.core``.
MOVED = {
    "offline": "legacy.offline",
    "resolve": "rllib.resolve",
    "algo_config": "rllib.algo_config",
    "connectors": "rllib.connectors",
    "multiagent": "rllib.multiagent",
    "atari": "rllib.atari",
    "rolling_return": "rllib.rolling_return",
    "config_keys": "rllib.config_keys",
    "user_code": "rllib.user_code",
    "loading": "config.loading",
    "overrides": "config.overrides",
    "stopping": "config.stopping",
    "experiments": "config.experiments",
    "examples": "config.examples",
    "pyconfig": "config.pyconfig",
    "migrate": "config.migrate",
    "experiment_dir": "store.experiment_dir",
    "tune_state": "store.tune_state",
    "rowscan": "store.rowscan",
    "checkpoints": "store.checkpoints",
    "experiment_lock": "store.experiment_lock",
    "curves": "analysis.curves",
    "braille": "analysis.braille",
    "plots": "analysis.plots",
    "best_config": "analysis.best_config",
    "export": "analysis.export",
    "rollout_runner": "rollout.runner",
    "rollout_rllib": "rollout.rllib_runner",
    "writers": "rollout.writers",
    "video": "rollout.video",
    "training": "train.training",
    "tune_callbacks": "train.tune_callbacks",
    "summary": "train.summary",
}


# The finder and loader implement the protocols Python's import system calls; importlib.abc's
# base classes are only for the type checker: importing that module (importlib.resources,
# tempfile, shutil, ...) would be most of what ``import rlcli.core`` costs, and every
# ``rlcli --help`` would pay for it.
if TYPE_CHECKING:
    from importlib.abc import Loader as _Loader
    from importlib.abc import MetaPathFinder as _Finder
else:
    _Loader = _Finder = object


class _Alias(_Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module ran when it was imported."""


class MovedModules(_Finder):
    """Finds ``rlcli.core.<old name>`` as the module it moved to."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        prefix, _, name = fullname.rpartition(".")
        if prefix != "rlcli.core" or name not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(f"rlcli.core.{MOVED[name]}"))


def install() -> None:
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(MovedModules())
