"""Every ``analyze`` subcommand through the CLI on hand-made experiment dirs (no Ray): the
answers are checked against the rows written here."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml
from click.testing import CliRunner
from crafted import make_trial

from rlcli.cli import cli


@pytest.fixture
def experiment(tmp_path):
    """Three trials; b's best row (9.0, iteration 2) has its checkpoint, c's best row has none."""
    exp = tmp_path / "exp"
    make_trial(exp, "a", [1.0, 2.0, 3.0], {3: "checkpoint_000000"}, lr=0.1)
    make_trial(exp, "b", [4.0, 9.0, 5.0], {2: "checkpoint_000000", 3: "checkpoint_000001"}, lr=0.01)
    make_trial(exp, "c", [2.0, 12.0, 1.0], {3: "checkpoint_000000"}, lr=0.001)
    return exp


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["analyze", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_best_checkpoint(experiment):
    out = json.loads(invoke("best-checkpoint", str(experiment), "--json"))
    assert (out["trial"], out["iteration"], out["value"]) == ("b", 2, 9.0)
    assert "no checkpoint" in out["note"]  # c's 12.0 was never checkpointed
    assert invoke("best-checkpoint", str(experiment), "-q").strip() == str(experiment / "b" / "checkpoint_000000")
    low = json.loads(invoke("best-checkpoint", str(experiment), "--mode", "min", "--json"))
    assert (low["trial"], low["value"]) == ("c", 1.0)


def test_trials_sort_filter_columns_limit(experiment):
    rows = json.loads(invoke("trials", str(experiment), "--sort", "best", "--json"))
    assert [(r["trial"], r["best"], r["last"]) for r in rows] == [("c", 12.0, 1.0), ("b", 9.0, 5.0), ("a", 3.0, 3.0)]
    assert [r["lr"] for r in rows] == [0.001, 0.01, 0.1]  # the searched hyperparameter is a column
    kept = json.loads(invoke("trials", str(experiment), "--filter", "last >= 3", "--columns", "trial,last", "--json"))
    assert kept == [{"trial": "a", "last": 3.0}, {"trial": "b", "last": 5.0}]
    top = list(
        csv.DictReader(io.StringIO(invoke("trials", str(experiment), "--sort", "last", "--limit", "1", "--csv")))
    )
    assert [r["trial"] for r in top] == ["b"]
    metric = json.loads(
        invoke("trials", str(experiment), "--columns", "trial,num_env_steps_sampled_lifetime", "--json")
    )
    assert {r["trial"]: r["num_env_steps_sampled_lifetime"] for r in metric} == {"a": 300, "b": 300, "c": 300}


def test_best_config(experiment):
    doc = yaml.safe_load(invoke("best-config", str(experiment)))
    (body,) = doc.values()
    assert body["config"]["lr"] == 0.001  # c has the best reported result


def test_export(experiment, tmp_path):
    target = tmp_path / "rows.json"
    result = CliRunner().invoke(cli, ["analyze", "export", str(experiment), "--format", "json", "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == 9
    by_trial = {(r["trial"], r["training_iteration"]): r["env_runners/episode_return_mean"] for r in rows}
    assert by_trial[("b", 2)] == 9.0 and by_trial[("c", 3)] == 1.0


def test_plot_to_png_and_in_the_terminal(experiment, tmp_path):
    png = tmp_path / "curves.png"
    result = CliRunner().invoke(cli, ["analyze", "plot", str(experiment), "--out", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = invoke("plot", str(experiment))
    assert "env_runners/episode_return_mean" in text


def test_compare(experiment):
    (row,) = json.loads(invoke("compare", str(experiment), "--threshold", "8", "--json"))
    assert (row["experiment"], row["trials"], row["best"]) == ("exp", 3, 12.0)
    assert row["reached"] == "2/3"  # b (9.0) and c (12.0) reached 8, a never did
    assert row["final"] == pytest.approx((3.0 + 5.0 + 1.0) / 3)
