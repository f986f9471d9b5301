"""The old ``rllib train`` flags: each does what it means in Ray 2.60, or says what happens instead."""

from __future__ import annotations

import dataclasses

import pytest

from rlcli.cli import main, rllib_main
from rlcli.core.config.loading import parse_yaml
from rlcli.core.spec import ExperimentSpec, RayOptions, TrainRequest
from rlcli.core.train.dispatch import show_rllib_logs


def _run(capsys: pytest.CaptureFixture[str], *args: str, program: str = "rlcli") -> tuple[dict, str]:
    with pytest.raises(SystemExit) as exc:
        (rllib_main if program == "rllib" else main)([*args, "--dry-run"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return parse_yaml(out, "stdout"), err


def test_short_aliases_and_old_names(capsys, tmp_path):
    doc, _ = _run(
        capsys,
        "train",
        "-r",
        "PPO",
        "-e",
        "CartPole-v1",
        "-c",
        '{"lr": 0.001}',
        "-s",
        '{"training_iteration": 4}',
        "--experiment-name",
        "old",
        "--local-dir",
        str(tmp_path),
    )
    body = doc["old"]
    assert (body["run"], body["env"], body["config"]["lr"]) == ("PPO", "CartPole-v1", 0.001)
    assert body["stop"] == {"training_iteration": 4} and body["storage_path"] == str(tmp_path)


def test_gone_flags_each_say_what_happens(capsys, tmp_path):
    doc, err = _run(
        capsys,
        "train",
        "--run",
        "PPO",
        "--env",
        "CartPole-v1",
        "--name",
        "x",
        "--framework",
        "tf2",
        "--eager",
        "--trace",
        "--queue-trials",
        "--export-formats",
        "h5,model",
        "--resources-per-trial",
        '{"cpu": 1, "gpu": 0, "extra_cpu": 2}',
        "--upload-dir",
        f"file://{tmp_path}",
        "--log-debug",
    )
    config = doc["x"]["config"]
    assert config["num_cpus_for_main_process"] == 1 and config["num_gpus_per_learner"] == 0
    assert config["log_level"] == "DEBUG"
    assert doc["x"]["storage_path"] == str(tmp_path)  # file:// is a local path
    for needle in (
        "--framework tf2: RLlib 2.60's new API stack trains with torch only",
        "--eager: TensorFlow's eager mode",
        "--trace: TensorFlow's eager mode and tracing",
        "--queue-trials: Tune 2.60 always queues trials",
        "--export-formats h5,model",
        "extra_cpu: RLlib 2.60 sizes each trial itself",
        "cpu → num_cpus_for_main_process",
        f"--upload-dir file://{tmp_path}: Tune 2.60 writes the experiment there directly",
    ):
        assert needle in err, needle


def test_log_info_sets_rllib_info_level(capsys):
    doc, _ = _run(capsys, "train", "--run", "PPO", "--env", "CartPole-v1", "--name", "x", "--log-info")
    assert doc["x"]["config"]["log_level"] == "INFO"


def test_under_the_name_rllib_an_unnamed_experiment_is_default(capsys, tmp_path):
    doc, _ = _run(
        capsys, "train", "--run", "PPO", "--env", "CartPole-v1", "--local-dir", str(tmp_path), program="rllib"
    )
    assert list(doc) == ["default"]
    doc, _ = _run(capsys, "train", "--run", "PPO", "--env", "CartPole-v1", "--local-dir", str(tmp_path))
    assert next(iter(doc)).startswith("PPO_CartPole-v1_")


def test_scheduler_and_video_every_are_saved_with_the_experiment(capsys):
    doc, _ = _run(
        capsys,
        "train",
        "--run",
        "PPO",
        "--env",
        "CartPole-v1",
        "--name",
        "x",
        "--scheduler",
        "asha",
        "--scheduler-config",
        '{"max_t": 20, "grace_period": 2}',
        "--video-every",
        "5",
    )
    body = doc["x"]
    assert (body["scheduler"], body["scheduler_config"], body["video_every"]) == (
        "asha",
        {"max_t": 20, "grace_period": 2},
        5,
    )


def test_asha_gets_rlcli_metric_and_checked_arguments():
    from rlcli.core.train.sweeps import make_scheduler

    spec = ExperimentSpec("x", "PPO", "CartPole-v1", {}, {}, {}, None, "/tmp", scheduler="ASHA")  # type: ignore[arg-type]
    spec = dataclasses.replace(spec, scheduler_config={"max_t": 9, "metric": "episode_reward_mean"})
    scheduler, notices = make_scheduler(spec)
    assert type(scheduler).__name__ == "AsyncHyperBandScheduler"
    assert (scheduler.metric, scheduler._mode, scheduler._max_t) == ("env_runners/episode_return_mean", "max", 9)
    assert scheduler._time_attr == "num_env_steps_sampled_lifetime"  # env steps compare trials fairly
    assert "legacy metric 'episode_reward_mean'" in notices[0]
    default, _ = make_scheduler(dataclasses.replace(spec, scheduler_config={}))
    assert default.metric == "rlcli/episode_return_rolling_mean"


def test_file_scheduler_mapping_with_flag_arguments_winning(capsys, tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("s:\n  run: PPO\n  env: CartPole-v1\n  scheduler: {type: asha, max_t: 9000, grace_period: 100}\n")
    doc, _ = _run(capsys, "train", "-f", str(path), "--scheduler-config", '{"grace_period": 500}')
    assert (doc["s"]["scheduler"], doc["s"]["scheduler_config"]) == ("asha", {"max_t": 9000, "grace_period": 500})


@pytest.mark.parametrize(
    "algo, batch, steps",
    [("PPO", "train_batch_size=500", 5000), ("DQN", "train_batch_size=64", 10_000)],  # DQN: 1000 sampled per iteration
)
def test_pbt_gets_an_env_step_interval_and_enough_kept_checkpoints(capsys, algo, batch, steps):
    mutations = '{"hyperparam_mutations": {"lr": {"loguniform": [0.00001, 0.01]}}}'
    args = ("train", "--run", algo, "--env", "CartPole-v1", "--name", "x", batch, "--keep-checkpoints-num", "1")
    doc, err = _run(capsys, *args, "--scheduler", "pbt", "--scheduler-config", mutations)
    assert doc["x"]["scheduler_config"]["perturbation_interval"] == steps  # 10 iterations, not Tune's 60
    assert doc["x"]["keep_checkpoints_num"] == 3
    assert f"pbt perturbs every {steps:,} num_env_steps_sampled_lifetime" in err
    assert "pbt keeps 3 checkpoints per trial, not 1" in err


def test_pbt_mutations_use_rlcli_markers():
    from ray.tune.search.sample import Float, LogUniform

    from rlcli.core.train.sweeps import make_scheduler

    spec = ExperimentSpec("x", "PPO", "CartPole-v1", {}, {}, {}, None, "/tmp", scheduler="pbt")  # type: ignore[arg-type]
    mutations = {"lr": {"loguniform": [1e-5, 1e-2]}, "gamma": [0.9, 0.99]}
    spec = dataclasses.replace(spec, scheduler_config={"hyperparam_mutations": mutations, "perturbation_interval": 9})
    scheduler, _ = make_scheduler(spec)
    lr = scheduler._hyperparam_mutations["lr"]
    assert isinstance(lr, Float) and isinstance(lr.get_sampler(), LogUniform) and (lr.lower, lr.upper) == (1e-5, 1e-2)
    assert scheduler._hyperparam_mutations["gamma"] == [0.9, 0.99] and scheduler._perturbation_interval == 9


def test_log_level_in_a_config_shows_the_trial_logs():
    def request(level: str | None) -> TrainRequest:
        config = {"log_level": level} if level else {}
        spec = ExperimentSpec("x", "PPO", "CartPole-v1", {}, config, {}, None, "/tmp")  # type: ignore[arg-type]
        return TrainRequest(experiments=(spec,), ray=RayOptions())

    assert show_rllib_logs(request("DEBUG")).ray.verbose
    assert show_rllib_logs(request("info")).ray.verbose
    assert not show_rllib_logs(request("WARN")).ray.verbose
    assert not show_rllib_logs(request(None)).ray.verbose


def test_num_seeds_search_alg_and_concurrency_are_saved(capsys):
    doc, _ = _run(
        capsys,
        "train",
        "--run",
        "PPO",
        "--env",
        "CartPole-v1",
        "--name",
        "x",
        "--num-seeds",
        "3",
        "--seed",
        "10",
        "--search-alg",
        "random",
        "--max-concurrent-trials",
        "2",
    )
    body = doc["x"]
    assert body["config"]["seed"] == {"grid_search": [10, 11, 12]}
    assert (body["search_alg"], body["max_concurrent_trials"]) == ("random", 2)
