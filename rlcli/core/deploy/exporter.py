"""``rlcli export``: a checkpoint's greedy policy as an ONNX or TorchScript file, checked before
it is kept. The file is written beside its target, loaded back with the runtime that will run
it (onnxruntime, ``torch.jit.load``) and fed a few hundred observations sampled from the
policy's observation space; its actions must equal those of rollout's fast path (the
reference: what ``rlcli rollout`` does). A mismatch is an error and leaves no file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlcli.core.errors import UsageError
from rlcli.core.files import atomic_path
from rlcli.core.store.checkpoints import Selection, locate

FORMATS = ("onnx", "torchscript")
#: Continuous actions may differ by float rounding between runtimes, at most this much (scaled
#: by the actions' size); discrete ones must be equal.
TOLERANCE = 1e-4


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    checkpoint: str
    observation: str
    action: str
    samples: int
    #: Discrete: how many sampled observations got another action; Box: always 0.
    mismatches: int
    #: Box: the largest absolute difference between the file's actions and rollout's.
    max_abs_diff: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def export_policy(
    path: str | Path,
    fmt: str,
    out: Path,
    selection: Selection,
    samples: int = 500,
    seed: int = 0,
    notice: Callable[[str], None] = lambda _: None,
) -> ExportResult:
    """Export the greedy policy of the checkpoint ``path`` means to ``out`` in ``fmt``."""
    from rlcli.core.deploy.greedy import greedy_module
    from rlcli.core.quiet import quiet_ray
    from rlcli.core.rollout.policy import check_new_stack, load_config_state, load_policy
    from rlcli.core.spec import RayOptions

    if fmt not in FORMATS:
        raise UsageError(f"Unknown export format '{fmt}'.", f"Use one of {', '.join(FORMATS)}.")
    runtime = _runtime(fmt)
    ref = locate(path, selection)
    notice(f"checkpoint {ref.path}: {ref.reason}")
    quiet_ray(RayOptions())
    check_new_stack(ref.path)
    policy, blockers = load_policy(ref.path, load_config_state(ref.path), explore=False)
    if policy is None:
        raise UsageError(
            f"rlcli export cannot write this checkpoint's inference as one function: {'; '.join(blockers)}.",
            "Export single-agent, non-recurrent policies (rlcli rollout runs the others).",
        )
    module = greedy_module(policy)
    observations = sample_observations(policy.module.observation_space, samples, seed)
    expected = np.asarray(policy(observations))
    with atomic_path(Path(out).expanduser().absolute(), suffix=Path(out).suffix or ".tmp") as tmp:
        _write(module, observations, fmt, tmp)
        got = np.asarray(runtime(tmp, observations))
        mismatches, diff = _compare(expected, got)
        if mismatches or diff > TOLERANCE * max(1.0, float(np.abs(expected).max(initial=0.0))):
            raise UsageError(
                f"The exported {fmt} policy disagrees with the checkpoint's: {mismatches} of {samples} actions "
                f"differ, largest difference {diff:.3g}; no file written.",
                "Report it with the checkpoint (RLCLI_DEBUG=1 shows details).",
            )
    return ExportResult(
        path=str(out),
        format=fmt,
        checkpoint=str(ref.path),
        observation=f"float32{[None, *policy.module.observation_space.shape]}".replace("None", "batch"),
        action=f"{got.dtype}{['batch', *got.shape[1:]]}".replace("'", ""),
        samples=samples,
        mismatches=mismatches,
        max_abs_diff=diff,
    )


def sample_observations(space: Any, count: int, seed: int) -> np.ndarray:
    """``count`` observations drawn from ``space`` (seeded): unbounded dims from a normal."""
    space.seed(seed)
    return np.stack([np.asarray(space.sample(), dtype=np.float32) for _ in range(count)])


def _compare(expected: np.ndarray, got: np.ndarray) -> tuple[int, float]:
    if expected.shape != got.shape:
        raise UsageError(f"The exported policy returns shape {got.shape}, the checkpoint's {expected.shape}.")
    if np.issubdtype(expected.dtype, np.integer):
        return int(np.sum(expected != got)), 0.0
    return 0, float(np.max(np.abs(expected.astype(np.float64) - got.astype(np.float64)), initial=0.0))


def _write(module: Any, observations: np.ndarray, fmt: str, target: Path) -> None:
    import torch

    example = torch.from_numpy(observations[:2])
    with torch.inference_mode(False), torch.no_grad():
        if fmt == "torchscript":
            torch.jit.save(torch.jit.trace(module, example, check_trace=False), str(target))
            return
        from rlcli.core.deploy.onnx_ops import OPSET, register_missing_ops

        register_missing_ops()
        try:
            torch.onnx.export(
                module,
                (example,),
                str(target),
                input_names=["obs"],
                output_names=["action"],
                dynamic_axes={"obs": {0: "batch"}, "action": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
        except torch.onnx.errors.UnsupportedOperatorError as exc:
            raise UsageError(
                f"ONNX cannot express this policy: {exc}".splitlines()[0], "Export it with --format torchscript."
            ) from None


def _runtime(fmt: str) -> Callable[[Path, np.ndarray], np.ndarray]:
    """How the exported file is run back: what users will run it with."""
    if fmt == "torchscript":

        def run_torchscript(path: Path, observations: np.ndarray) -> np.ndarray:
            import torch

            loaded = torch.jit.load(str(path))
            with torch.no_grad():
                return np.asarray(loaded(torch.from_numpy(observations)).numpy())

        return run_torchscript
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError:
        raise UsageError("--format onnx needs onnx and onnxruntime.", "pip install 'rlcli[onnx]'") from None

    def run_onnx(path: Path, observations: np.ndarray) -> np.ndarray:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return np.asarray(session.run(None, {"obs": observations})[0])

    return run_onnx
