"""``rlcli migrate``: a legacy ``rllib train -f`` file rewritten in Ray 2.60 terms, once, with a
comment on every line that changed, so the new file says where each value came from.

The rewrite is built from the same translation ``rlcli train -f`` applies, so the migrated file
resolves to exactly the experiments the original does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rlcli.algorithms.aliases import translation
from rlcli.core.config.experiments import TrainInputs, build_specs
from rlcli.core.config.loading import load_experiment_file
from rlcli.core.config.spec_file import dump_yaml, spec_to_dict
from rlcli.core.legacy.translate import (
    LEGACY_KEYS,
    Convert,
    Obsolete,
    Rename,
    migrate_env_id,
    migrate_metric,
    short_repr,
)
from rlcli.core.spec import ExperimentSpec

#: Keys the resolved spec always carries; left out of the migrated file when the original had none.
_DEFAULTED = {"checkpoint_freq": 0, "checkpoint_at_end": True, "num_samples": 1}


def migrate_file(path: str) -> str:
    """The migrated text of one experiment file (all its experiments)."""
    originals = dict(load_experiment_file(path))
    built = build_specs(TrainInputs(files=(path,)))
    header = f"# Migrated to Ray 2.60 terms by `rlcli migrate` from {Path(path).name}.\n"
    return header + "".join(_experiment_text(spec, originals.get(spec.name) or {}) for spec in built.specs)


def _experiment_text(spec: ExperimentSpec, original: dict[str, Any]) -> str:
    document = spec_to_dict(spec)
    body = document[spec.name]
    if "storage_path" not in original and "local_dir" not in original:
        body.pop("storage_path")
    for key, default in _DEFAULTED.items():
        if key not in original and body.get(key) == default:
            body.pop(key)
    config_notes, left_out = _config_comments(original.get("config") or {}, body["config"])
    stop_notes = {migrate_metric(k)[0]: f"was {k}" for k in (original.get("stop") or {}) if migrate_metric(k)[1]}
    env_notes = {}
    if isinstance(original.get("env"), str) and migrate_env_id(original["env"])[1]:
        env_notes["env"] = f"was {original['env']}"
    _translated_run(original.get("run", original.get("algo")), env_notes, config_notes)
    text = _annotate(dump_yaml(document), {"config": config_notes, "stop": stop_notes, "": env_notes})
    dropped = "".join(f"# left out: {note}\n" for note in left_out)
    return dropped + text


def _translated_run(run: Any, notes: dict[str, str], config_notes: dict[str, str]) -> None:
    """An old name that runs as another algorithm (APEX → DQN): ``run`` and the settings it brings."""
    translated = translation(run) if isinstance(run, str) else None
    if isinstance(run, str) and translated is not None and translated.runs.upper() != run.upper():
        notes["run"] = f"was {run}"
        for key in translated.config:
            config_notes.setdefault(key, f"from run: {run}")


def _config_comments(config: dict[str, Any], resolved: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """``{new config key: comment}`` for translated keys and for kept keys whose value the
    translation changed (e.g. a rollout_fragment_length raised to n_step), and the notes of keys left out."""
    notes: dict[str, str] = {}
    left_out: list[str] = []
    for key, value in config.items():
        rule = LEGACY_KEYS.get(key)
        converted = rule.fn(value) if isinstance(rule, Convert) else None
        if isinstance(rule, Rename):
            notes[rule.new] = f"was {key}"
        elif isinstance(rule, Convert) and converted != {key: value}:
            for new_key in converted or {}:
                notes.setdefault(new_key, f"from {key}: {short_repr(value)}")
            if not converted:
                left_out.append(f"{key}: {short_repr(value)} → {rule.describe}")
        elif isinstance(rule, Obsolete):
            left_out.append(f"{key}: {short_repr(value)} ({rule.why})")
        elif key in resolved and resolved[key] != value:
            notes.setdefault(key, f"was {short_repr(value)}")
    return notes, left_out


_KEY_LINE = re.compile(r"^( *)([^\s#:][^:]*):(.*)$")


def _annotate(text: str, notes: dict[str, dict[str, str]]) -> str:
    """Append ``# comment`` to the lines of translated keys: experiment-level keys (indent 2) and
    the direct children (indent 4) of ``config:`` and ``stop:``."""
    out, section = [], ""
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            indent, key = len(match.group(1)), match.group(2).strip().strip("'\"")
            if indent == 2:
                section = key
                comment = notes[""].get(key)
                if match.group(3).strip() and notes.get(key):  # a one-line {...} value: one comment for all
                    comment = "; ".join(f"{k} {note}" for k, note in notes[key].items())
            elif indent == 4:
                comment = notes.get(section, {}).get(key)
            else:
                comment = None
            if comment:
                line = f"{line}  # {comment}"
        out.append(line)
    return "\n".join(out) + "\n"
