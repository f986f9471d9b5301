"""The experiment lock under a real race: processes claiming one experiment at the same moment."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from rlcli.core.store.experiment_lock import LOCK_FILE, _try_claim


def _claim(exp_dir: str, barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    barrier.wait()
    results.put(_try_claim(Path(exp_dir)))
    barrier.wait()  # hold the lock (stay alive) until every racer has tried


def test_exactly_one_of_many_simultaneous_claims_wins(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for attempt in range(5):
        exp_dir = tmp_path / f"exp{attempt}"
        barrier, results = ctx.Barrier(8), ctx.Queue()
        racers = [ctx.Process(target=_claim, args=(str(exp_dir), barrier, results)) for _ in range(8)]
        for racer in racers:
            racer.start()
        outcomes = [results.get(timeout=30) for _ in racers]
        for racer in racers:
            racer.join(timeout=30)
        assert outcomes.count(True) == 1, outcomes
        assert (exp_dir / LOCK_FILE).read_text().split()[0].isdigit()  # never empty
        assert sorted(p.name for p in exp_dir.iterdir()) == [LOCK_FILE]  # no private files left


def test_a_lock_of_a_dead_process_is_taken_over(tmp_path):
    (tmp_path / LOCK_FILE).write_text("999999999 " + __import__("socket").gethostname())
    assert _try_claim(tmp_path)


def test_a_made_up_name_in_use_moves_on_even_before_tune_wrote_state(tmp_path):
    from rlcli.core.spec import CheckpointSpec, ExperimentSpec

    spec = ExperimentSpec(
        name="PPO_CartPole-v1_2026",
        algorithm="PPO",
        env="CartPole-v1",
        env_config={},
        config={},
        stop={},
        checkpoint=CheckpointSpec(),
        storage_path=str(tmp_path),
        auto_named=True,
    )
    (tmp_path / spec.name).mkdir()
    (tmp_path / spec.name / "PPO_trial_00000").mkdir()  # a finished run's trial, no experiment state yet
    from rlcli.core.store.experiment_lock import claimed

    with claimed(spec) as got:
        assert got.name == spec.name + "_2"
    named = ExperimentSpec(**{**spec.__dict__, "auto_named": False})
    with claimed(named) as got:  # a chosen name is the user's: kept (train then checks its state)
        assert got.name == spec.name
