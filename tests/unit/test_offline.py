"""Offline inputs: legacy spellings translated, paths anchored and checked, zips unpacked safely."""

from __future__ import annotations

import zipfile

import pytest

from rlcli.core.config.offline_data import anchor_inputs, cpus_needed, input_paths, prepare_inputs
from rlcli.core.errors import UsageError
from rlcli.core.legacy.offline_input import translate_legacy_input
from rlcli.core.legacy.translate import migrate_config
from rlcli.core.spec import CheckpointSpec, ExperimentSpec

OLD_JSON = {"input_read_method": "read_json", "input_read_sample_batches": True}


def _spec(config: dict) -> ExperimentSpec:
    return ExperimentSpec(
        name="offline",
        algorithm="BC",
        env="CartPole-v1",
        env_config={},
        config=config,
        stop={},
        checkpoint=CheckpointSpec(),
        storage_path="/tmp",
        num_samples=1,
        max_failures=0,
        source="test",
    )


def test_dataset_with_input_config_becomes_input_read_as_old_json():
    config = {"input": "dataset", "input_config": {"format": "json", "paths": "/tmp/out"}, "lr": 1}
    notices = translate_legacy_input(config, "f")
    assert config == {"input_": "/tmp/out", "lr": 1, **OLD_JSON}
    assert "SampleBatch JSON" in notices[0]


@pytest.mark.parametrize("value", ["/tmp/out", ["a.json", "b.json"], ["tests/data/pendulum/enormous.zip"]])
def test_plain_paths_are_old_json(value):
    config = {"input": value}
    translate_legacy_input(config, "f")
    assert config == {"input_": value, **OLD_JSON}


@pytest.mark.parametrize(
    "config, expected",
    [
        ({"input": "sampler"}, {"input": "sampler"}),
        ({"input": "episodes.parquet"}, {"input_": "episodes.parquet"}),
        ({"input": "dataset", "input_config": {"format": "parquet", "paths": "d"}}, {"input_": "d"}),
        ({"input": "d4rl.hopper-random-v0"}, {"input_": "d4rl.hopper-random-v0"}),
        ({"lr": 1}, {"lr": 1}),
    ],
)
def test_other_inputs(config, expected):
    translate_legacy_input(config, "f")
    assert config == expected


def test_migrate_config_translates_input_and_leaves_evaluation_sampler():
    migrated = migrate_config({"input": "/tmp/out", "evaluation_config": {"input": "sampler"}})
    assert migrated.config["input_"] == "/tmp/out" and migrated.config["evaluation_config"] == {"input": "sampler"}


def test_relative_paths_are_anchored_at_the_file_only_when_found_there(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "eps.parquet").write_bytes(b"x")
    monkeypatch.chdir(tmp_path / "data")
    assert anchor_inputs({"input_": "data/eps.parquet"}, tmp_path)["input_"] == str(tmp_path / "data" / "eps.parquet")
    assert anchor_inputs({"input_": ["missing.parquet"]}, tmp_path)["input_"] == ["missing.parquet"]
    assert anchor_inputs({"input_": "eps.parquet"}, tmp_path)["input_"] == "eps.parquet"  # found from cwd
    assert anchor_inputs({"input": "sampler"}, tmp_path) == {"input": "sampler"}


def test_missing_and_d4rl_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        prepare_inputs(_spec({"input_": str(tmp_path / "nope")}))
    with pytest.raises(UsageError, match="d4rl"):
        prepare_inputs(_spec({"input_": "d4rl.halfcheetah-expert-v0"}))


def test_local_learner_gets_iters_per_learner_with_a_notice(tmp_path):
    data = tmp_path / "eps.parquet"
    data.write_bytes(b"x")
    spec, notices = prepare_inputs(_spec({"input_": str(data)}))
    assert spec.config["dataset_num_iters_per_learner"] == 10 and "dataset_num_iters_per_learner" in notices[0]
    spec, notices = prepare_inputs(_spec({"input_": str(data), "dataset_num_iters_per_learner": 3}))
    assert spec.config["dataset_num_iters_per_learner"] == 3 and notices == []


def test_zip_is_unpacked_once_into_the_cache_and_never_outside_it(tmp_path):
    archive = tmp_path / "enormous.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("enormous/output-0.json", '{"type": "SampleBatch"}\n')
        zf.writestr("../escape.json", "{}")
    cache = tmp_path / "cache"
    spec, _ = prepare_inputs(_spec({"input_": [str(archive)], **OLD_JSON}), cache_dir=cache)
    (unpacked,) = spec.config["input_"]
    assert sorted(p.name for p in cache.rglob("*.json")) == ["output-0.json"]
    assert str(cache) in unpacked and not (tmp_path / "escape.json").exists()
    again, _ = prepare_inputs(_spec({"input_": [str(archive)], **OLD_JSON}), cache_dir=cache)
    assert again.config["input_"] == [unpacked]
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(UsageError, match="not a readable zip"):
        prepare_inputs(_spec({"input_": str(bad)}), cache_dir=cache)


def test_cpus_for_ray_data_beside_the_trial():
    assert cpus_needed(_spec({}), 1.0) == 4
    assert cpus_needed(_spec({"num_learners": 3}), 4.0) == 8
    assert input_paths({"input": "sampler"}) == [] and input_paths({"input_": ["a", 1]}) == ["a"]
