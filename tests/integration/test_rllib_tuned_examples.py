"""RLlib's own Python tuned examples (tests/data/rllib-tuned-examples, see its NOTICE.md) run as
RLlib runs them: ``model_config`` keys RLlib 2.60 accepts and ignores get a notice, not an error,
and the example-script arguments the files set (``parser.set_defaults(num_env_runners=4)``) are
applied as RLlib's example runner applies them, then fitted to the machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "rllib-tuned-examples"


def dry_run(exe: str, tmp_path: Path, name: str, *args: str) -> tuple[dict, list[str]]:
    """The file's resolved experiment (``--dry-run`` YAML) and the notices printed."""
    proc = run_rlcli(exe, "train", "-f", str(EXAMPLES / name), "--dry-run", *args, env=storage_env(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    (experiment,) = yaml.safe_load(proc.stdout).values()
    return experiment, [line for line in proc.stderr.splitlines() if line.startswith("notice: ")]


def test_ignored_model_config_keys_are_derived_from_rllib():
    from ray.rllib.models.catalog import MODEL_DEFAULTS

    from rlcli.core.rllib.config_keys import default_model_fields, ignored_model_fields

    ignored = ignored_model_fields()
    assert "uses_new_env_runners" in ignored and "post_fcnet_hiddens" in ignored and "use_attention" in ignored
    assert not ignored & default_model_fields()  # what the default modules read is never "ignored"
    assert ignored - {"uses_new_env_runners"} <= set(MODEL_DEFAULTS)


def test_uses_new_env_runners_is_a_notice_and_the_file_trains_as_rllib_does(rlcli_exe, tmp_path):
    """RLlib 2.60 stores the key and trains; before, rlcli refused it as an unknown model_config key."""
    args = ("stop.training_iteration=1", "train_batch_size_per_learner=200", "minibatch_size=100", "num_epochs=1")
    args += ("min_time_s_per_iteration=0", "min_sample_timesteps_per_iteration=200")  # not APPO's 10 s
    env = storage_env(tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(EXAMPLES / "appo__cartpole_appo.py"), *args, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (
        "notice: appo__cartpole_appo: model_config key 'uses_new_env_runners' is accepted by RLlib 2.60 but its "
        "default APPO RLModule ignores it; training as RLlib does, without it"
    ) in proc.stderr
    assert "enable_new_api_stack=True is no longer supported by RLlib" in proc.stderr
    (trial,) = trial_dirs(tmp_path / "appo__cartpole_appo")
    (row,) = result_rows(trial)
    assert row["num_env_steps_sampled_lifetime"] >= 200
    params = json.loads((trial / "params.json").read_text())
    assert params["_model_config"]["uses_new_env_runners"] is True  # handed to RLlib as written
    assert params["_model_config"]["fcnet_hiddens"] == [32]


def test_set_defaults_num_env_runners_is_honoured_where_the_machine_has_the_cpus(rlcli_exe, tmp_path):
    # Ray with 8 CPUs (as --ray-num-cpus 8 starts it): the file's set_defaults(num_env_runners=4)
    # wins over its config's (APPO's default 2), as in RLlib's example runner.
    experiment, notices = dry_run(rlcli_exe, tmp_path, "appo__pendulum_appo.py", "--ray-num-cpus", "8")
    assert experiment["config"]["num_env_runners"] == 4
    assert experiment["config"]["num_envs_per_env_runner"] == 20  # the config's own settings stay
    assert (
        "notice: tests/data/rllib-tuned-examples/appo__pendulum_appo.py: example-script arguments applied as "
        "RLlib's example runner applies them: num_env_runners=4"
    ) in [n.replace(str(EXAMPLES.parents[2]) + "/", "") for n in notices]
    # The stop criteria from the file's add_rllib_example_script_args defaults, as the runner's.
    assert experiment["stop"] == {
        "env_runners/episode_return_mean": -300.0,
        "env_runners/num_env_steps_sampled_lifetime": 100000000,
        "training_iteration": 200,
    }


def test_set_defaults_is_fitted_to_this_machine(rlcli_exe, tmp_path):
    """On 2 CPUs, 4 env runners (plus the learner) cannot run: fitted to 0 with the usual notice."""
    experiment, notices = dry_run(rlcli_exe, tmp_path, "appo__pendulum_appo.py", "--ray-num-cpus", "2")
    assert experiment["config"]["num_env_runners"] == 0
    assert any("the configured num_env_runners=4 needs" in n and "using num_env_runners=0" in n for n in notices)


def test_command_line_beats_the_files_example_args(rlcli_exe, tmp_path):
    experiment, _ = dry_run(rlcli_exe, tmp_path, "appo__pendulum_appo.py", "--ray-num-cpus", "8", "num_env_runners=1")
    assert experiment["config"]["num_env_runners"] == 1


def test_lstm_file_with_both_old_settings_dry_runs(rlcli_exe, tmp_path):
    experiment, notices = dry_run(rlcli_exe, tmp_path, "appo__stateless_cartpole_appo.py", "--ray-num-cpus", "8")
    assert experiment["config"]["num_env_runners"] == 3
    assert experiment["config"]["model_config"]["use_lstm"] is True
    assert sum("uses_new_env_runners" in n for n in notices) == 1
