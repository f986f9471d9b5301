"""The best trial's config as an experiment file that ``rlcli train -f`` runs unchanged."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rlcli.core.analysis.trials import TrialRecord, score
from rlcli.core.config.spec_file import read_spec_file
from rlcli.core.errors import UsageError
from rlcli.core.mappings import is_search_space

if TYPE_CHECKING:
    from rlcli.core.analysis.requests import BestConfigRequest

#: rlcli's spelling → the key RLlib writes to params.json.
_PARAM_KEYS = {"model_config": "_model_config", "env_to_module_connector": "_env_to_module_connector"}


def best_trial(records: list[TrialRecord], metric: str, mode: str) -> TrialRecord:
    scored = [(score(r, metric, mode, "all"), r) for r in records]
    known = [(s, r) for s, r in scored if s is not None]
    if not known:
        raise UsageError(f"No trial reports {metric}.")
    return (max if mode == "max" else min)(known, key=lambda item: item[0])[1]


def _resolve(template: Any, params: Any) -> Any:
    """Replace every search-space marker in ``template`` with the trial's value from ``params``."""
    if is_search_space(template):
        return copy.deepcopy(params)
    if isinstance(template, dict) and isinstance(params, dict):
        return {k: _resolve(v, params.get(_PARAM_KEYS.get(k, k), params.get(k))) for k, v in template.items()}
    return template


def best_config_document(records: list[TrialRecord], metric: str, mode: str) -> dict[str, Any]:
    """From the experiment's ``rlcli-spec.yaml`` with the searched values filled in; for
    experiments rlcli did not make, the env plus the hyperparameters the trials varied."""
    best = best_trial(records, metric, mode)
    spec = read_spec_file(best.path.parent)
    if spec:
        name, body = next(iter(spec.items()))
        body = dict(body)
        body["config"] = _resolve(body.get("config") or {}, best.config)
        body["num_samples"] = 1
        return {f"{name}-best": body}
    from rlcli.core.analysis.trials import varied_keys
    from rlcli.core.metrics import flatten

    flat = flatten(best.config)
    config: dict[str, Any] = {}
    for key in varied_keys(records):
        node = config
        parts = key.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = flat[key]
    run = best.name.split("_", 1)[0]
    return {f"{best.experiment}-best": {"run": run, "env": best.config.get("env"), "config": config}}


@dataclass(frozen=True)
class BestConfig:
    """The answer of ``analyze best-config``: the experiment document, its text in the format
    asked for, and the file it was written to (None: not written)."""

    document: dict[str, Any]
    text: str
    output: str | None = None


def best_config(records: list[TrialRecord], request: BestConfigRequest) -> BestConfig:
    """The best trial's experiment document as YAML or JSON text, written atomically to the
    request's ``output`` when it names one."""
    from rlcli.core.config.spec_file import dump_yaml

    document = best_config_document(records, request.metric, request.mode)
    text = dump_yaml(document) if request.fmt == "yaml" else json.dumps(document, indent=2) + "\n"
    if request.output is None:
        return BestConfig(document, text)
    from rlcli.core.files import atomic_write

    atomic_write(request.output, text)
    return BestConfig(document, text, str(request.output))
