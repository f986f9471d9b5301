"""``--dry-run``: the resolved experiment as YAML that ``-f`` reads back, without starting Ray."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rlcli.cli import cli
from rlcli.core.config.loading import parse_yaml

REPO = Path(__file__).resolve().parents[2]


def dry_run(*args: str) -> tuple[dict, str]:
    """Parsed YAML from stdout, and stdout's comments plus stderr's notices as one text."""
    result = CliRunner().invoke(cli, ["train", *args, "--dry-run"])
    assert result.exit_code == 0, result.output
    return parse_yaml(result.stdout, "stdout"), result.stdout + result.stderr


def test_flags_legacy_keys_and_search_space(storage):
    doc, err = dry_run(
        "--run",
        "ppo",
        "--env",
        "CartPole-v1",
        "--name",
        "x",
        "--config",
        '{"num_sgd_iter": 3, "model": {"fcnet_hiddens": [32]}, "lr": {"grid_search": [0.001, 0.0001]}}',
        "--stop",
        '{"episode_reward_mean": 100}',
        "--num-samples",
        "2",
        "stop.training_iteration=2",
    )
    body = doc["x"]
    assert body["run"] == "PPO"
    assert body["config"]["num_epochs"] == 3
    assert body["config"]["model_config"] == {"fcnet_hiddens": [32]}
    assert body["config"]["lr"] == {"grid_search": [0.001, 0.0001]}
    assert body["stop"] == {"env_runners/episode_return_mean": 100, "training_iteration": 2}
    assert body["num_samples"] == 2
    assert "num_sgd_iter" not in str(doc) and "episode_reward_mean" not in str(doc)
    assert "legacy key 'num_sgd_iter'" in err and "legacy metric 'episode_reward_mean'" in err
    assert "# 4 trial(s), each asking for {CPU: 1}" in err


def test_defaults_that_cannot_fit_are_fitted_with_a_notice(storage):
    doc, err = dry_run("--run", "PPO", "--env", "CartPole-v1", "--name", "fit", "--ray-num-cpus", "2")
    assert doc["fit"]["config"]["num_env_runners"] == 0
    assert "num_env_runners=0" in err


def test_dry_run_output_is_a_runnable_file(storage, tmp_path):
    doc, _ = dry_run("--run", "DQN", "--env", "CartPole-v1", "--name", "again", "lr=0.0005")
    saved = tmp_path / "again.yaml"
    result = CliRunner().invoke(
        cli, ["train", "--run", "DQN", "--env", "CartPole-v1", "--name", "again", "lr=0.0005", "--dry-run"]
    )
    saved.write_text(result.stdout)
    doc2, _ = dry_run("-f", str(saved))
    assert doc2 == doc


def test_every_tuned_example_resolves(storage):
    for path in sorted((REPO / "tuned_examples").rglob("*.yaml")):
        doc, _ = dry_run("-f", str(path))
        assert doc, path


def test_cluster_sized_config_is_fitted_to_this_machine_with_notices(storage):
    """On a local Ray a config asking for more than the machine has is shrunk, step by step, each
    step said; as written it would wait forever for CPUs (a cluster run fails instead, at once)."""
    doc, text = dry_run(
        "--run", "PPO", "--env", "CartPole-v1", "--name", "big", "--ray-num-cpus", "2", "--ray-num-gpus", "0",
        "num_env_runners=8", "num_learners=2", "num_gpus_per_learner=1",
    )  # fmt: skip
    config = doc["big"]["config"]
    assert (config["num_env_runners"], config["num_learners"], config["num_gpus_per_learner"]) == (0, 0, 0)
    assert "num_env_runners=8 needs" in text and "num_learners=2 needs" in text and "training on CPU" in text
