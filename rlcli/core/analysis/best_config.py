"""The best trial's config as an experiment file that ``rlcli train -f`` runs unchanged."""

from __future__ import annotations

import copy
from typing import Any

from rlcli.core.analysis.trials import TrialRecord, score
from rlcli.core.config.spec_file import read_spec_file
from rlcli.core.errors import UsageError
from rlcli.core.mappings import is_search_space

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
