"""``rlcli examples``: the tuned examples are listed with their targets, shown, and run through
``rlcli train -f`` with extra options passed on."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_list_names_every_file_with_its_target(run_cli):
    code, out, _ = run_cli("examples", "list", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    files = sorted(p.stem for p in (REPO / "tuned_examples").glob("*/*.yaml"))
    assert sorted(rows) == files
    assert rows["cartpole-ppo"]["algorithm"] == "PPO" and rows["cartpole-ppo"]["env"] == "CartPole-v1"
    assert all(r["target"] != "-" for r in rows.values()), "every example states its target"


def test_show_prints_the_file(run_cli):
    code, out, _ = run_cli("examples", "show", "cartpole-ppo")
    assert code == 0 and out.strip() == (REPO / "tuned_examples/ppo/cartpole-ppo.yaml").read_text().strip()


def test_run_is_train_with_the_file_and_passes_options_on(run_cli, storage):
    code, out, err = run_cli("examples", "run", "cartpole-ppo", "--dry-run", "--seed", "7", "lr=0.0005")
    assert code == 0, err
    assert "cartpole-ppo:" in out and "seed: 7" in out and "lr: 0.0005" in out


def test_unknown_example_suggests_the_close_one(run_cli):
    code, _, err = run_cli("examples", "show", "cartpole")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and lines[-1].startswith("Error: No tuned example named 'cartpole'")
    assert "cartpole-ppo" in lines[-1]
