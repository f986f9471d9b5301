"""The one owner of loading a checkpoint's RLModule weights into a module today's code builds.

An RLModule checkpoint holds the module's class (by import path), its constructor arguments
(spaces, ``model_config``) and its weights. Loading it builds the module with the code installed
*now*; when that code builds other layers than the checkpoint holds (a user's module whose hidden
size changed after training, a renamed layer), torch fails with ``Error(s) in loading
state_dict ... size mismatch`` deep inside RLlib, and layers the checkpoint lacks are silently
left at their random initial values (RLlib loads with ``strict=False``).

Every place rlcli loads module weights goes through here: the rollout fast path and the deploy
code on top of it (:func:`load_rl_module`), the RLlib EnvRunner rollout path and ``train
--restore`` (:func:`check_checkpoint_modules`, before RLlib loads them). Each checks the module
the checkpoint's class and constructor arguments build against the saved weights, name by name
and shape by shape, and refuses a mismatch with one line: the module, the parameter, both shapes
and the likely cause (:class:`ModuleMismatch`).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from rlcli.core.errors import UsageError

#: Where RLlib 2.60 keeps the RLModule's state inside an Algorithm checkpoint.
MODULE_COMPONENT = "learner_group/learner/rl_module"
CTOR_FILE = "class_and_ctor_args.pkl"
STATE_FILE = "module_state.pkl"
CAUSE = (
    "The module's code (or a default it reads) changed since this checkpoint was trained, "
    "e.g. a hidden size; use the code it was trained with, or train again."
)


class ModuleMismatch(UsageError):
    """A checkpoint's weights do not fit the RLModule its class and config build today."""


def module_dirs_under(path: str | Path) -> list[Path]:
    """The single-module checkpoint dirs at or under ``path``: an Algorithm checkpoint, its
    MultiRLModule dir (``learner_group/learner/rl_module``) or one module's own dir."""
    path = Path(path)
    if (path / MODULE_COMPONENT).is_dir():
        path = path / MODULE_COMPONENT
    # A MultiRLModule dir holds its own (empty) state and ctor files besides one dir per module.
    subs = sorted(p for p in path.iterdir() if (p / STATE_FILE).is_file() and (p / CTOR_FILE).is_file())
    return subs or ([path] if (path / STATE_FILE).is_file() and (path / CTOR_FILE).is_file() else [])


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(int(n) for n in getattr(value, "shape", ()))


def _fmt(shape: tuple[int, ...] | None) -> str:
    return "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")") if shape is not None else ""


def mismatch(module_dir: Path) -> str | None:
    """How the weights saved in ``module_dir`` differ from the module its saved class and
    constructor arguments build with today's code (None: they fit): a parameter or buffer of
    another shape (torch refuses it), or one the checkpoint lacks (RLlib's ``strict=False`` load
    would leave it random); the first difference is described."""
    with open(module_dir / CTOR_FILE, "rb") as f:
        ctor = pickle.load(f)  # RLlib's own file: the class by import path and its arguments
    cls = ctor["class"]
    args, kwargs = ctor["ctor_args_and_kwargs"]
    module = cls(*(args if isinstance(args, (list, tuple)) else [args]), **kwargs)
    with open(module_dir / STATE_FILE, "rb") as f:
        saved = {name: _shape(value) for name, value in pickle.load(f).items()}
    built = {name: _shape(value) for name, value in _state(module).items()}
    where = f"module '{module_dir.name}' ({cls.__module__}.{cls.__qualname__})"
    for name, shape in built.items():
        if name in saved and saved[name] != shape:
            return f"{where} builds {name} with shape {_fmt(shape)}, but the checkpoint holds {_fmt(saved[name])}"
    lacking = [name for name in built if name not in saved]
    if lacking:
        return f"{where} builds {lacking[0]} {_fmt(built[lacking[0]])}, which the checkpoint does not hold"
    # Weights the checkpoint holds beyond the built module's are normal (the target networks a
    # Learner adds to DQN's and SAC's modules after construction); RLlib skips them, and so does this.
    return None


def _state(module: Any) -> dict[str, Any]:
    """What ``save_to_path`` would write for ``module``: its ``get_state()`` (a module may
    override it), else its torch ``state_dict()``."""
    try:
        state = module.get_state()
    except Exception:  # a module that cannot report its state before a forward pass, say
        state = None
    return dict(state) if isinstance(state, dict) else dict(module.state_dict())


def check_checkpoint_modules(checkpoint: str | Path) -> None:
    """Raise :class:`ModuleMismatch` when any module of ``checkpoint`` does not fit its weights."""
    for module_dir in module_dirs_under(checkpoint):
        found = mismatch(module_dir)
        if found:
            where = _checkpoint_of(module_dir)
            raise ModuleMismatch(f"The checkpoint {where} does not fit its RLModule: {found}.", CAUSE)


def load_rl_module(module_dir: str | Path) -> Any:
    """``RLModule.from_checkpoint(module_dir)`` (one module or a MultiRLModule), checked first."""
    from ray.rllib.core.rl_module.rl_module import RLModule

    check_checkpoint_modules(module_dir)
    return RLModule.from_checkpoint(str(module_dir))


def _checkpoint_of(module_dir: Path) -> Path:
    """The Algorithm checkpoint ``module_dir`` belongs to (itself when it is a bare module)."""
    parts = Path(MODULE_COMPONENT).parts
    for parent in module_dir.parents:
        if parent.joinpath(*parts).is_dir() and module_dir.is_relative_to(parent.joinpath(*parts)):
            return parent
    return module_dir
