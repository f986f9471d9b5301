"""Hand-made Tune experiment dirs for the tests that need no Ray: a trial is params.json,
result.json rows and rlcli's checkpoint index, with empty checkpoint dirs."""

from __future__ import annotations

import json
from pathlib import Path

from rlcli.core.store.checkpoint_index import IndexRow, append_row


def make_trial(exp: Path, name: str, returns: list[float], checkpoints: dict[int, str], lr: float = 0.1) -> Path:
    trial = exp / name
    trial.mkdir(parents=True)
    (trial / "params.json").write_text(json.dumps({"lr": lr}))
    with open(trial / "result.json", "w") as fh:
        for i, value in enumerate(returns, 1):
            row = {"env_runners": {"episode_return_mean": value}, "training_iteration": i}
            row["num_env_steps_sampled_lifetime"] = 100 * i
            fh.write(json.dumps(row) + "\n")  # NaN is written bare, as Tune does
    for iteration, ckpt in checkpoints.items():
        (trial / ckpt).mkdir()
        (trial / ckpt / "rllib_checkpoint.json").write_text("{}")
        append_row(trial, IndexRow(ckpt, iteration))
    return trial
