"""One best-checkpoint rule: the end-of-training summary, ``rollout EXP`` and ``analyze
best-checkpoint`` name the same checkpoint, and ``--metric`` means the same in all of them
(``eval`` is the evaluation return; an unknown metric is an error, never "the newest")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import last_error_line, run_rlcli, storage_env, tiny_ppo_args

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def evaluated(rlcli_exe, tmp_path_factory) -> tuple[Path, str, dict[str, str]]:
    """A 4-iteration PPO with a checkpoint and a 2-episode greedy evaluation every iteration."""
    storage = tmp_path_factory.mktemp("choice")
    env = storage_env(storage)
    args = tiny_ppo_args(
        "choice",
        "--checkpoint-freq",
        "1",
        "stop.training_iteration=4",
        "evaluation_interval=1",
        "evaluation_duration=2",
        "evaluation_duration_unit=episodes",
        "evaluation_config.explore=false",
    )
    proc = run_rlcli(rlcli_exe, *args, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return storage / "choice", proc.stdout, env


def _rolled_out(rlcli_exe: str, exp: Path, env: dict[str, str], *extra: str) -> tuple[str, str]:
    """The checkpoint ``rollout`` chose, and the notice saying why."""
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--episodes", "1", *extra, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    notice = next(line for line in proc.stderr.splitlines() if line.startswith("notice: checkpoint"))
    chosen = re.search(r"^checkpoint\s+(\S+)", proc.stdout, re.M)
    assert chosen, proc.stdout
    return chosen.group(1), notice


def _analyzed(rlcli_exe: str, exp: Path, env: dict[str, str], *extra: str) -> str:
    proc = run_rlcli(rlcli_exe, "analyze", "best-checkpoint", str(exp), "-q", *extra, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


def test_summary_rollout_and_analyze_pick_the_same_checkpoint(rlcli_exe, evaluated):
    exp, summary, env = evaluated
    named = re.search(r"best checkpoint:\s+(\S+)", summary)
    assert named, summary
    assert _rolled_out(rlcli_exe, exp, env)[0] == _analyzed(rlcli_exe, exp, env) == named.group(1)


def test_metric_eval_means_the_evaluation_return_everywhere(rlcli_exe, evaluated):
    exp, _, env = evaluated
    (trial,) = [p for p in exp.iterdir() if (p / "result.json").is_file()]
    rows = [json.loads(line) for line in (trial / "result.json").read_text().splitlines()]
    evaluation = {r["training_iteration"]: r["evaluation"]["env_runners"]["episode_return_mean"] for r in rows}
    index = [json.loads(line) for line in (trial / "rlcli_checkpoints.jsonl").read_text().splitlines()]
    by_checkpoint = {e["checkpoint"]: evaluation[e["training_iteration"]] for e in index}
    best = max(by_checkpoint.values())
    chosen, why = _rolled_out(rlcli_exe, exp, env, "--metric", "eval")
    assert "best evaluation/env_runners/episode_return_mean" in why  # not "the newest checkpoint"
    assert by_checkpoint[Path(chosen).name] == best
    assert _analyzed(rlcli_exe, exp, env, "--metric", "eval") == chosen


def test_an_unreported_metric_is_an_error_for_rollout_too(rlcli_exe, evaluated):
    exp, _, env = evaluated
    proc = run_rlcli(rlcli_exe, "rollout", str(exp), "--metric", "nope/metric", env=env)
    assert proc.returncode == 2
    assert "nope/metric" in last_error_line(proc.stderr)
