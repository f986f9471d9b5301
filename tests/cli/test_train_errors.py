"""Bad input to ``rlcli train``: one ``Error:`` line, exit 2, no traceback (in-process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlcli.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def assert_usage_error(code: int, err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert lines and lines[-1].startswith("Error: "), err
    assert sum(line.startswith("Error: ") for line in lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[-1], (needle, lines[-1])


BASE = ("train", "--run", "PPO", "--env", "CartPole-v1", "--dry-run")


@pytest.mark.parametrize(
    "args, needles",
    [
        (("train", "--run", "PPO", "--env", "CartPole-v1", "--config", '{"lr": 0.1'), ("--config",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "--stop", "training_iteration: [1"), ("--stop",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "lr0.001"), ("has no '='",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "--checkpoint-freq", "-1"), ("--checkpoint-freq",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "checkpoint_freq=-3"), ("checkpoint_freq",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "--keep-checkpoints-num", "0"), ("--keep-checkpoints-num",)),
        (("train", "-f", "/nonexistent/exp.yaml"), ("does not exist",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "--config", "/nonexistent/c.yaml"), ("does not exist",)),
        (("train", "--env", "CartPole-v1"), ("No algorithm",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "--bogus"), ("--bogus",)),
        (("train", "--run", "PPO", "--env", "CartPole-v1", "-v", "-q"), ("contradict",)),
    ],
)
def test_bad_input_without_ray(capsys, args, needles):
    code, _, err = run_cli(capsys, *args)
    assert_usage_error(code, err, *needles)


def test_python_yaml_tags_are_refused(capsys, tmp_path: Path):
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        "x:\n  run: PPO\n  env: CartPole-v1\n  config: !!python/object/apply:os.system ['touch /tmp/pwned']\n"
    )
    code, _, err = run_cli(capsys, "train", "-f", str(evil), "--dry-run")
    assert_usage_error(code, err, "plain YAML")


@pytest.mark.parametrize(
    "args, needles",
    [
        (
            ("train", "--run", "PPOO", "--env", "CartPole-v1", "--dry-run"),
            ("Unknown algorithm 'PPOO'", "'PPO'", "Valid names"),
        ),
        (("train", "--run", "ES", "--env", "CartPole-v1", "--dry-run"), ("no longer ships", "PPO")),
        (("train", "--run", "nosuchmodule:Algo", "--env", "CartPole-v1", "--dry-run"), ("Cannot import",)),
        (("train", "--run", "PPO", "--env", "CartPole-v9", "--dry-run"), ("Unknown env", "CartPole-v1")),
        ((*BASE, "lrr=0.1"), ("Unknown config key 'lrr'", "'lr'")),
        ((*BASE, "model_config.fcnet_hidens=[8]"), ("fcnet_hiddens",)),
        ((*BASE, "train_batch_size=-5"), ("PPO rejects this config",)),
        ((*BASE, "record_env=videos"), ("record_env", "--video-every")),
        ((*BASE, "--scheduler", "ashaa"), ("Unknown scheduler 'ashaa'", "asha")),
        ((*BASE, "--scheduler", "asha", "--scheduler-config", '{"grace_perod": 2}'), ("grace_perod", "grace_period")),
        (
            (*BASE, "--scheduler", "pbt", "--scheduler-config", '{"hyperparam_mutations": {"lrr": [0.1]}}'),
            ("hyperparam_mutations names 'lrr'", "'lr'"),
        ),
        (
            (*BASE, "--scheduler", "pb2", "--scheduler-config", '{"hyperparam_bounds": {"gama": [0.9, 0.99]}}'),
            ("hyperparam_bounds names 'gama'", "'gamma'"),
        ),
        ((*BASE, "--resources-per-trial", '{"tpu": 1}'), ("unknown resource 'tpu'", "cpu and gpu")),
        ((*BASE, "--upload-dir", "ftp://host/exp"), ("'ftp://' is not a storage Tune can write to", "s3://")),
        ((*BASE, "--storage-path", "s3:///exp"), ("names no bucket", "s3://BUCKET/PATH")),
        ((*BASE, "--restore", "/nonexistent/ckpt"), ("does not exist",)),
        ((*BASE, "--video-every", "0"), ("--video-every",)),
        (("train", "file"), ("train file FILE",)),
        ((*BASE, "--local-mode", "--scheduler", "asha"), ("--local-mode runs one", "Drop --scheduler")),
        ((*BASE, "--search-alg", "optunaa"), ("Unknown search algorithm 'optunaa'", "'optuna'")),
        ((*BASE, "--search-alg", "hebo"), ("needs a package", "rlcli[hebo]")),
        (
            (*BASE, "--search-alg", "random", "--search-config", '{"max_concurent": 2}'),
            ("max_concurent", "max_concurrent"),
        ),
        ((*BASE, "--search-alg", "hyperopt", "lr={grid_search: [0.1, 0.2]}"), ("grid_search", "choice")),
        (
            (*BASE, "--search-alg", "bayesopt", "lr={choice: [0.001, 0.01]}"),
            ("bayesopt cannot search this config's space", "Categorical"),
        ),
        ((*BASE, "--search-alg", "zoopt"), ("stops suggesting after its initial samples", "Use optuna")),
        (
            (*BASE, "--search-alg", "nevergrad", "--search-config", '{"optimizer": "OnePlusOnee"}'),
            ("not a Nevergrad optimizer", "OnePlusOne"),
        ),
        ((*BASE, "--max-concurrent-trials", "0"), ("--max-concurrent-trials",)),
    ],
)
def test_bad_input_caught_by_validation(capsys, args, needles):
    code, _, err = run_cli(capsys, *args)
    assert_usage_error(code, err, *needles)


def test_unwritable_storage_path_fails_before_training(capsys, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, _, err = run_cli(
        capsys, "train", "--run", "PPO", "--env", "CartPole-v1", "--storage-path", str(blocker / "sub")
    )
    assert_usage_error(code, err, "not writable", "--storage-path")


def test_resume_of_unknown_experiment(capsys, storage: Path):
    code, _, err = run_cli(capsys, "train", "--resume", "--name", "never-ran")
    assert_usage_error(code, err, "never-ran")


def test_debug_env_shows_the_traceback(capsys, monkeypatch):
    monkeypatch.setenv("RLCLI_DEBUG", "1")
    code, _, err = run_cli(capsys, "train", "--env", "CartPole-v1")
    assert code == 2 and "Traceback" in err
