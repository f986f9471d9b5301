"""The ONNX form of ``aten::nanmean`` (DQN's dueling head) against torch on the same inputs,
masked (-inf → NaN) entries included. (torch is imported inside the test: the unit layer's
modules import neither Ray nor torch.)"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("masked", [False, True])
def test_nanmean_exports_as_torch_computes_it(tmp_path, masked):
    onnxruntime = pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    import torch

    from rlcli.core.deploy.onnx_ops import OPSET, register_missing_ops

    class DuelingCentre(torch.nn.Module):
        def forward(self, q: torch.Tensor) -> torch.Tensor:
            return q - torch.nan_to_num(q, neginf=torch.nan).nanmean(dim=-1, keepdim=True)

    q = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    if masked:
        q[1, 2] = q[3, 0] = q[3, 3] = -torch.inf  # actions masked out: left out of the mean
    register_missing_ops()
    path = tmp_path / "centre.onnx"
    torch.onnx.export(
        DuelingCentre(),
        (q,),
        str(path),
        input_names=["q"],
        opset_version=OPSET,
        dynamo=False,
        dynamic_axes={"q": {0: "batch"}},
    )
    got = onnxruntime.InferenceSession(str(path)).run(None, {"q": q.numpy()})[0]
    np.testing.assert_allclose(got, DuelingCentre()(q).numpy(), rtol=1e-6)
    if masked:  # the row mean really skipped the masked entries (an independent computation)
        row = q[3].numpy()
        assert got[3, 1] == pytest.approx(row[1] - row[1:3].mean())
