"""``rlcli train -f FILE.py``: Python config files written as RLlib 2.60's tuned examples are
(``args`` from ``add_rllib_example_script_args``, a module-level ``config``, a ``stop`` dict),
trained for real, with flags and overrides on top, and mixed with YAML files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import result_rows, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration
CONFIGS = Path(__file__).resolve().parents[1] / "data" / "pyconfigs"


def test_single_agent_example_script_trains_on_its_args_stop(rlcli_exe, tmp_path):
    env = storage_env(tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(CONFIGS / "cartpole_ppo.py"), "lr=0.001", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "must not run" not in proc.stderr
    (trial,) = trial_dirs(tmp_path / "cartpole_ppo")
    rows = result_rows(trial)
    assert len(rows) == 2  # default_iters=2 from the file's add_rllib_example_script_args
    config = rows[-1]["config"]
    assert config["lr"] == 0.001  # the override beats the file
    assert config["_train_batch_size_per_learner"] == 200 and config["num_envs_per_env_runner"] == 2
    assert 400 <= rows[-1]["num_env_steps_sampled_lifetime"] <= 410  # 2 iterations of 200 (RLlib may add one)


def test_multi_agent_file_with_its_own_stop_name_and_mapping_function(rlcli_exe, tmp_path):
    env = storage_env(tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(CONFIGS / "multi_agent_cartpole_ppo.py"), env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (trial,) = trial_dirs(tmp_path / "ma-from-python")
    rows = result_rows(trial)
    assert len(rows) == 2  # the file's stop dict, not its args' default_iters=50
    assert {"p0", "p1"} <= set(rows[-1]["learners"])  # policy_for, defined in the file, mapped both


def test_dry_run_of_a_python_file_reads_back_and_mixes_with_yaml(rlcli_exe, tmp_path):
    env = storage_env(tmp_path)
    proc = run_rlcli(rlcli_exe, "train", "-f", str(CONFIGS / "cartpole_ppo.py"), "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr
    shown = yaml.safe_load(proc.stdout)
    (tmp_path / "again.yaml").write_text(proc.stdout)
    yaml_file = tmp_path / "other.yaml"
    yaml_file.write_text("other:\n  run: DQN\n  env: CartPole-v1\n  stop: {training_iteration: 1}\n")
    proc = run_rlcli(rlcli_exe, "train", "-f", str(tmp_path / "again.yaml"), "-f", str(yaml_file), "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr
    both = yaml.safe_load(proc.stdout)
    assert both["cartpole_ppo"] == shown["cartpole_ppo"]
    assert both["other"]["run"] == "DQN"
    proc = run_rlcli(
        rlcli_exe, "train", "-f", str(CONFIGS / "cartpole_ppo.py"), "-f", str(yaml_file), "--dry-run", env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert set(yaml.safe_load(proc.stdout)) == {"cartpole_ppo", "other"}


def test_a_python_file_without_config_is_one_error_line(rlcli_exe, tmp_path):
    bad = tmp_path / "no_config.py"
    bad.write_text("x = 1\n")
    proc = run_rlcli(rlcli_exe, "train", "-f", str(bad), "--dry-run", env=storage_env(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("Error: ") and "defines no 'config'" in proc.stderr
