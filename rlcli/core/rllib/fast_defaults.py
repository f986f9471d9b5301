"""The faster RLlib pieces of :mod:`rlcli.fast` as the defaults of plain runs, where they are
verified equal to RLlib's (tests/integration/test_fast_pieces.py).

- SAC: ``rl_module_spec.catalog_class`` = :class:`rlcli.fast.sac.ConcatQSACCatalog` (Q-networks
  as one MLP over (obs, action), as in the SAC paper and SB3, instead of RLlib's multi-stream
  encoder with a fusion network: 10x fewer multiply-adds per update).

A config that sets its own ``rl_module_spec`` keeps it untouched, and so does a multi-agent one.
A ``--restore`` checkpoint whose weights fit only the stock pieces trains on with those
(:func:`rlcli.core.train.prepare.prepare`). RLlib's stock pieces, everywhere:
``RLCLI_STOCK_RLLIB=1`` in the environment; for SAC alone,
``rl_module_spec: {catalog_class: ray.rllib.algorithms.sac.sac_catalog:SACCatalog}``.
"""

from __future__ import annotations

import dataclasses
import os

from rlcli.core.spec import ExperimentSpec

#: The environment variable that keeps every RLlib piece stock.
STOCK_ENV = "RLCLI_STOCK_RLLIB"

#: Algorithm registry name → the config keys rlcli sets when the user set none of them.
FAST_PIECES: dict[str, dict[str, object]] = {
    "SAC": {"rl_module_spec": {"catalog_class": "rlcli.fast.sac:ConcatQSACCatalog"}},
}


def stock_requested() -> bool:
    return os.environ.get(STOCK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def apply(spec: ExperimentSpec) -> ExperimentSpec:
    """``spec`` with the fast pieces of its algorithm added where its config leaves them open."""
    pieces = FAST_PIECES.get(spec.algorithm)
    multi_agent = "policies" in spec.config or "multiagent" in spec.config
    if not pieces or multi_agent or stock_requested():
        return spec
    added = {key: value for key, value in pieces.items() if key not in spec.config}
    if not added:
        return spec
    return dataclasses.replace(spec, config={**spec.config, **added})
