"""Old ``rllib train -f`` offline inputs in Ray 2.60 terms.

Old files name their data three ways: ``input: PATH`` (JSON files written by the old stack's
JsonWriter), ``input: dataset`` with ``input_config: {format, paths}``, or a ``.zip`` of such JSON
files. Ray 2.60 reads Parquet (rlcli's ``rollout --out``) by default and the old JSON with
``input_read_method: read_json`` + ``input_read_sample_batches: true``. Where the data is and what
Ray needs to read it is :mod:`rlcli.core.config.offline_data`'s job."""

from __future__ import annotations

from typing import Any

_OLD_JSON = {"input_read_method": "read_json", "input_read_sample_batches": True}


def translate_legacy_input(config: dict[str, Any], where: str) -> list[str]:
    """Rewrite a legacy ``input`` (+ ``input_config``) in place to Ray 2.60's ``input_`` keys;
    returns the notices. ``input: sampler`` (online sampling) is left alone."""
    value = config.get("input")
    if value is None or value == "sampler":
        return []
    fmt = None
    if value == "dataset":
        section = config.pop("input_config", None) or {}
        value, fmt = section.get("paths"), section.get("format")
    config.pop("input")
    config["input_"] = value
    paths = value if isinstance(value, list) else [value]
    if all(isinstance(p, str) and p.startswith("d4rl.") for p in paths):
        return [f"{where}: legacy key 'input' → 'input_' (a D4RL dataset)"]
    if fmt == "parquet" or all(isinstance(p, str) and p.endswith(".parquet") for p in paths):
        return [f"{where}: legacy key 'input' → 'input_' (Parquet)"]
    config.update(_OLD_JSON)
    return [
        f"{where}: legacy offline input {value!r} → input_, read as old-stack SampleBatch JSON "
        "(input_read_method: read_json, input_read_sample_batches: true)"
    ]
