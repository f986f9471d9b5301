"""``rlcli train -f FILE --dry-run`` over the legacy corpus: real tuned-example files from Ray's
history (tests/data/legacy-tuned-examples, origin and commit of each in its MANIFEST.tsv).

Each category has its outcome: ``in_scope`` files resolve, with no legacy key left in the result
and every key of the file either kept or named in a notice (nothing dropped silently); removed
algorithms, offline data and custom envs end in their own one-line error."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from rlcli.algorithms import PACK
from rlcli.algorithms.aliases import TRANSLATIONS
from rlcli.core.legacy.translate import LEGACY_KEYS, Obsolete, Rename, Unsupported

CORPUS = Path(__file__).resolve().parents[1] / "data" / "legacy-tuned-examples"
ROWS = list(csv.DictReader((CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines(), delimiter="\t"))
EXPERIMENTS = list(
    csv.DictReader((CORPUS / "MANIFEST_experiments.tsv").read_text(encoding="utf-8").splitlines(), delimiter="\t")
)
#: Removed algorithms rlcli runs again: its algorithm pack and the old names translated to config.
SHIPPED = {name.upper() for name in PACK} | set(TRANSLATIONS)


def category_now(row: dict[str, str]) -> str:
    """The file's category with the algorithms rlcli ships again counted as in scope: a file is
    'removed_algorithm' while one of its experiments names an algorithm still missing."""
    if row["category"] != "removed_algorithm":
        return row["category"]
    experiments = [e for e in EXPERIMENTS if e["saved_name"] == row["saved_name"]]
    if any(e["category"] == "removed_algorithm" and e["run"].upper() not in SHIPPED for e in experiments):
        return "removed_algorithm"
    return "custom_env" if any(e["category"] == "custom_env" for e in experiments) else "in_scope"


LEFTOVER = {key for key, rule in LEGACY_KEYS.items() if isinstance(rule, (Rename, Obsolete, Unsupported))}


#: Each custom-env file's own outcome: envs that moved inside RLlib resolve (exit 0), the others
#: end in one error line that names what is missing.
CUSTOM_ENV_OUTCOMES = {
    "appo__multi-agent-cartpole-crashing-restart-env-appo.yaml": (0, ""),
    "impala__multi-agent-cartpole-impala.yaml": (2, "multi_agent_and_self_play.policy_mapping_fn"),
    "ppo__memory-leak-test-ppo.yaml": (0, ""),
    "ppo__pendulum-transformed-actions-ppo.yaml": (0, ""),
    "ppo__repeatafterme-ppo-lstm.yaml": (0, ""),
    # PyBullet's envs, registered with gymnasium by pybullet_envs_gymnasium (rlcli's bullet extra)
    "sac__halfcheetah-pybullet-sac.yaml": (0, ""),
    # every algorithm of these release files runs again (A2C, APEX, DDPG...)
    "release_learning_tests__hard_learning_tests.yaml": (0, ""),
    "release_learning_tests__learning-tests.yaml": (0, ""),
}

#: A dry run planned for a 2-CPU, GPU-less machine, whatever this one has.
DRY = ("--dry-run", "--ray-num-cpus", "2", "--ray-num-gpus", "0")


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and lines and sum(line.startswith("Error: ") for line in lines) == 1, err
    return lines[-1]


@pytest.mark.parametrize("row", [pytest.param(r, id=r["saved_name"]) for r in ROWS])
def test_corpus_file(run_cli, storage, row):
    path = CORPUS / "files" / row["saved_name"]
    code, out, err = run_cli("train", "-f", str(path), *DRY)
    category = category_now(row)
    if category == "removed_algorithm":
        assert code == 2 and "no longer ships the algorithm" in one_error_line(err)
    elif category == "offline_data":
        assert code == 2 and "offline input" in one_error_line(err)
    elif category == "custom_env":
        expected_code, needle = CUSTOM_ENV_OUTCOMES[row["saved_name"]]
        assert code == expected_code, err
        if code:
            assert needle in one_error_line(err)
        else:
            assert "Traceback" not in err and yaml.safe_load(out)
    else:
        assert code == 0, err
        check_translation(yaml.safe_load(path.read_text(encoding="utf-8")), yaml.safe_load(out), err)


def test_every_custom_env_file_has_its_outcome():
    assert {r["saved_name"] for r in ROWS if category_now(r) == "custom_env"} == set(CUSTOM_ENV_OUTCOMES)


def test_the_files_of_the_algorithms_rlcli_runs_again_are_in_scope():
    ported = {r["saved_name"] for r in ROWS if r["category"] == "removed_algorithm" and category_now(r) == "in_scope"}
    assert {"a2c__cartpole-a2c.yaml", "pg__cartpole-pg.yaml", "dqn__cartpole-apex.yaml"} <= ported
    assert {"simple_q__cartpole-simpleq.yaml", "ppo__cartpole-ddppo.yaml", "a3c__pong-a3c.yaml"} <= ported


def check_translation(original: dict, resolved: dict, notices: str) -> None:
    for name, body in original.items():
        config = resolved[name]["config"]
        assert not LEFTOVER & set(config), f"{name}: legacy keys left: {LEFTOVER & set(config)}"
        for key in body.get("config") or {}:
            env_config = key == "env_config" and ("env_config" in resolved[name] or not body["config"][key])
            kept = key in config or env_config  # an empty env_config: nothing to keep
            assert kept or f"'{key}" in notices, f"{name}: '{key}' vanished without a notice"


@pytest.mark.parametrize("name", [r["saved_name"] for r in ROWS if category_now(r) == "in_scope"])
def test_migrated_file_resolves_to_the_same_experiments(run_cli, storage, tmp_path, name):
    original = CORPUS / "files" / name
    migrated = tmp_path / "migrated.yaml"
    code, _, err = run_cli("migrate", str(original), "-o", str(migrated))
    assert code == 0 and migrated.is_file(), err
    text = migrated.read_text(encoding="utf-8")
    code_a, out_a, err_a = run_cli("train", "-f", str(original), *DRY)
    code_b, out_b, err_b = run_cli("train", "-f", str(migrated), *DRY)
    assert code_a == code_b == 0, err_a + err_b
    assert yaml.safe_load(out_a) == yaml.safe_load(out_b)
    assert "legacy key" not in err_b  # nothing left to translate
    if "legacy key" in err_a:
        assert re.search(r"#.*\b(was|from)\b", text) or "# left out" in text


def test_migrate_refuses_to_overwrite_the_original(run_cli, tmp_path):
    copy = tmp_path / "old.yaml"
    copy.write_text((CORPUS / "files" / "ppo__pendulum-ppo.yaml").read_text(encoding="utf-8"))
    code, _, err = run_cli("migrate", str(copy), "-o", str(copy))
    assert code == 2 and "overwrite" in one_error_line(err)
    assert copy.read_text(encoding="utf-8") == (CORPUS / "files" / "ppo__pendulum-ppo.yaml").read_text("utf-8")
