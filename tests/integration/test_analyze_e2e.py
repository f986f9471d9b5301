"""``rlcli analyze`` on a real experiment (2-trial grid, a checkpoint every iteration, the best one
kept) and on crafted copies of it; answers checked against Tune's own ExperimentAnalysis."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import last_error_line, result_rows, run_rlcli, storage_env, train_tiny_ppo, trial_dirs

pytestmark = pytest.mark.integration
METRIC = "env_runners/episode_return_mean"


@pytest.fixture(scope="module")
def experiment(tmp_path_factory, rlcli_exe) -> Path:
    storage = tmp_path_factory.mktemp("analyze-results")
    env = storage_env(storage)
    proc = train_tiny_ppo(
        rlcli_exe,
        "exp",
        "--checkpoint-freq",
        "1",
        "--keep-checkpoints-num",
        "1",
        "--checkpoint-score-attr",
        METRIC,
        "lr={grid_search: [0.001, 0.003]}",
        "stop.training_iteration=3",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return storage / "exp"


def analyze(exe: str, *args: str) -> tuple[int, str, str]:
    proc = run_rlcli(exe, "analyze", *args, env=None)
    return proc.returncode, proc.stdout, proc.stderr


def independent_best(exp: Path) -> str:
    """Best kept checkpoint by its own row, computed from result.json and the checkpoint index."""
    best = None
    for trial in trial_dirs(exp):
        rows = {r["training_iteration"]: r["env_runners"][METRIC.split("/")[1]] for r in result_rows(trial)}
        index = {
            json.loads(x)["checkpoint"]: json.loads(x)["training_iteration"]
            for x in (trial / "rlcli_checkpoints.jsonl").read_text().splitlines()
        }
        for ckpt in trial.glob("checkpoint_*"):
            value = rows[index[ckpt.name]]
            if best is None or value > best[0]:
                best = (value, str(ckpt))
    return best[1]


def test_best_checkpoint_matches_independent_and_tune(experiment, rlcli_exe):
    """Across trials: the checkpoint on disk whose own result is best (computed independently).
    Per trial: exactly Tune's ExperimentAnalysis.get_best_checkpoint. (Across trials Tune first
    picks the trial with the best row, which may have no checkpoint left; rlcli warns then.)"""
    code, out, err = analyze(rlcli_exe, "best-checkpoint", str(experiment), "-q")
    assert code == 0, err
    assert out.strip() == independent_best(experiment)
    from ray.tune import ExperimentAnalysis

    ea = ExperimentAnalysis(str(experiment), default_metric=METRIC, default_mode="max")
    tune_pick = ea.get_best_checkpoint(ea.get_best_trial(METRIC, "max", "all"), METRIC, "max").path
    assert out.strip() == tune_pick or "has no checkpoint on disk" in err
    for trial in ea.trials:
        code, out, err = analyze(rlcli_exe, "best-checkpoint", trial.path, "-q")
        assert code == 0, err
        assert out.strip() == ea.get_best_checkpoint(trial, METRIC, "max").path


def test_plain_tune_experiment_without_rlcli_index(experiment, rlcli_exe, tmp_path):
    copy = tmp_path / "plain"
    shutil.copytree(experiment, copy)
    for index in copy.glob("*/rlcli_checkpoints.jsonl"):
        index.unlink()
    code, out, err = analyze(rlcli_exe, "best-checkpoint", str(copy), "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert Path(answer["path"]).relative_to(copy) == Path(independent_best(experiment)).relative_to(experiment)


def test_crafted_dirs(experiment, rlcli_exe, tmp_path):
    copy = tmp_path / "crafted"
    shutil.copytree(experiment, copy)
    trials = trial_dirs(copy)
    with open(trials[0] / "result.json", "a") as fh:
        fh.write('{"training_iteration": 4, "env_runners": {"episode_return_mean": Na')  # killed mid-write
    code, out, err = analyze(rlcli_exe, "best-checkpoint", str(copy), "-q")
    assert code == 0 and "truncated" in err and out.strip().startswith(str(copy))
    code, out, err = analyze(rlcli_exe, "best-checkpoint", str(copy), "--mode", "min", "--json")
    assert (
        code == 0
        and json.loads(out)["value"]
        <= json.loads(analyze(rlcli_exe, "best-checkpoint", str(copy), "--json")[1])["value"]
    )
    for ckpt in trials[0].glob("checkpoint_*"):
        shutil.rmtree(ckpt)
    code, out, _ = analyze(rlcli_exe, "best-checkpoint", str(copy), "-q")
    assert code == 0 and Path(out.strip()).parent == trials[1]
    for ckpt in trials[1].glob("checkpoint_*"):
        shutil.rmtree(ckpt)
    code, _, err = analyze(rlcli_exe, "best-checkpoint", str(copy))
    assert code == 2 and last_error_line(err).startswith("Error: No checkpoint on disk")
    code, _, err = analyze(rlcli_exe, "best-checkpoint", str(experiment), "--metric", "episode_retrun")
    assert code == 2 and "env_runners/episode_return_mean" in last_error_line(err)


def test_trials_table_csv_json_filter_and_best_config(experiment, rlcli_exe, storage, tmp_path):
    code, out, err = analyze(rlcli_exe, "trials", str(experiment), "--json", "--sort", "best")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 2 and {r["lr"] for r in rows} == {0.001, 0.003} and rows[0]["best"] >= rows[1]["best"]
    assert all(r["iterations"] == 3 and r["status"] == "TERMINATED" for r in rows)
    code, out, _ = analyze(rlcli_exe, "trials", str(experiment), "--csv", "--filter", f"best >= {rows[0]['best']}")
    kept = sum(1 for r in rows if r["best"] >= rows[0]["best"])  # ties keep both rows
    assert code == 0 and len(out.strip().splitlines()) == 1 + kept
    code, _, err = analyze(rlcli_exe, "trials", str(experiment), "--filter", "__import__('os') > 1")
    assert code == 2
    best_file = tmp_path / "best.yaml"
    code, _, err = analyze(rlcli_exe, "best-config", str(experiment), "-o", str(best_file))
    assert code == 0, err
    proc = run_rlcli(rlcli_exe, "train", "-f", str(best_file), "--dry-run", env=None)
    assert proc.returncode == 0, proc.stderr
    assert f"lr: {rows[0]['lr']}" in proc.stdout and "grid_search" not in proc.stdout


def test_export_formats(experiment, rlcli_exe, tmp_path):
    for fmt in ("csv", "json", "parquet"):
        target = tmp_path / f"rows.{fmt}"
        code, _, err = analyze(rlcli_exe, "export", str(experiment), "--format", fmt, "-o", str(target))
        assert code == 0 and "wrote 6 rows" in err, err
        assert target.stat().st_size > 0


def test_plot_terminal_and_files(experiment, rlcli_exe, tmp_path):
    code, out, err = analyze(rlcli_exe, "plot", str(experiment), "--x", "iterations")
    assert code == 0, err
    assert any(0x2800 < ord(ch) <= 0x28FF for ch in out), "no braille curve drawn"
    assert "lr=0.001" in out and "lr=0.003" in out and "training iteration" in out
    copy = tmp_path / "copy"
    shutil.copytree(experiment, copy)
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        target = tmp_path / f"curves{suffix}"
        code, _, err = analyze(rlcli_exe, "plot", str(experiment), str(copy), "--smooth", "2", "--out", str(target))
        assert code == 0 and "4 curve(s)" in err, err
        assert target.read_bytes().startswith(magic)
        assert not list(tmp_path.glob(".curves*"))  # no temp file left behind
    code, _, err = analyze(rlcli_exe, "plot", str(experiment), "--out", str(tmp_path / "curves.gif"))
    assert code == 2 and last_error_line(err).startswith("Error: --out") and ".png" in last_error_line(err)
    assert not (tmp_path / "curves.gif").exists()


def test_compare_against_an_independent_computation(experiment, rlcli_exe, tmp_path):
    """Two experiments (the real one and a copy): best, final mean ± std and steps to a threshold
    recomputed here from result.json."""
    copy = tmp_path / "copy"
    shutil.copytree(experiment, copy)
    per_trial = [[r for r in result_rows(t)] for t in trial_dirs(experiment)]
    returns = [[r["env_runners"]["episode_return_mean"] for r in rows] for rows in per_trial]
    threshold = sorted(max(r) for r in returns)[0]  # reached by every trial
    code, out, err = analyze(rlcli_exe, "compare", str(experiment), str(copy), "--threshold", str(threshold), "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["experiment"] for r in rows] == ["exp", "copy"]
    finals = [r[-1] for r in returns]
    mean = sum(finals) / 2
    steps = []
    for rows_of_trial, values in zip(per_trial, returns, strict=True):
        first = next(i for i, v in enumerate(values) if v >= threshold)
        steps.append(rows_of_trial[first]["num_env_steps_sampled_lifetime"])
    for row in rows:
        assert row["trials"] == 2 and row["best"] == max(max(r) for r in returns)
        assert abs(row["final"] - mean) < 1e-9
        assert abs(row["final_std"] - abs(finals[0] - mean)) < 1e-9
        assert row[f"steps_to_{threshold:g}"] == sum(steps) / 2 and row["reached"] == "2/2"
    code, out, err = analyze(rlcli_exe, "compare", str(experiment), "--by", "config", "--csv")
    assert code == 0 and len(out.strip().splitlines()) == 3 and "lr=0.001" in out, err
