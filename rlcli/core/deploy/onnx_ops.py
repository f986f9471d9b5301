"""ONNX forms of the torch operators RLlib's default modules use that torch's ONNX exporter
(TorchScript-based, opset 20) lacks, registered once before an export.

- ``aten::nanmean``: DQN's dueling head centres the advantages with
  ``nan_to_num(q, neginf=nan).nanmean(-1)`` (masked actions, -inf, are left out of the mean).
  Written as the sum of the non-NaN entries over their count, which is what ``nanmean`` is.

Imported only by the exporter (it imports torch).
"""

from __future__ import annotations

from typing import Any

import torch

OPSET = 20
_registered = False

# ONNX's TensorProto data type of float32, for Cast.
_FLOAT = 1


def _nanmean(g: Any, x: Any, dim: Any, keepdim: Any, dtype: Any) -> Any:
    from torch.onnx import symbolic_helper

    dims = symbolic_helper._get_const(dim, "is", "dim")
    keep = symbolic_helper._get_const(keepdim, "i", "keepdim")
    is_nan = g.op("IsNaN", x)
    zero = g.op("Constant", value_t=torch.tensor(0.0))
    axes = g.op("Constant", value_t=torch.tensor(dims, dtype=torch.int64))
    total = g.op("ReduceSum", g.op("Where", is_nan, zero, x), axes, keepdims_i=keep)
    count = g.op("ReduceSum", g.op("Cast", g.op("Not", is_nan), to_i=_FLOAT), axes, keepdims_i=keep)
    return g.op("Div", total, count)


def register_missing_ops() -> None:
    """Teach the exporter the operators above (once per process)."""
    global _registered
    if not _registered:
        torch.onnx.register_custom_op_symbolic("aten::nanmean", _nanmean, OPSET)
        _registered = True
