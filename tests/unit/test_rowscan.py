"""The fast result.json column reader must give exactly what ``json.loads`` + a path lookup gives,
on every row: tricky layouts, layouts that change between rows, broken lines, random rows."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from rlcli.core.metrics import pick
from rlcli.core.store.rowscan import ColumnScanner, result_columns, scan_rows

COLUMNS = (
    "training_iteration",
    "num_env_steps_sampled_lifetime",
    "env_runners/episode_return_mean",
    "evaluation/env_runners/episode_return_mean",
    "learners/default_policy/total_loss",
    "trial_id",
    "config/lr",
)


def expected(line: str) -> dict:
    row = json.loads(line)
    return {c: pick(row, c) for c in COLUMNS}


def same(a: dict, b: dict) -> bool:
    """Equal, with NaN equal to NaN and ints distinct from floats (as json gives them)."""
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y or type(x) is not type(y):
            return False
    return True


def scan_lines(tmp_path: Path, lines: list[str], columns=COLUMNS) -> tuple[list[dict], list[int]]:
    path = tmp_path / "result.json"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    bad: list[int] = []
    return list(scan_rows(path, ColumnScanner(columns), bad.append)), bad


def row(i: int, **extra) -> dict:
    base = {
        "timers": {"training_iteration": 0.5 * i, "env_runners": {"episode_return_mean": -1}},
        "env_runners": {
            "num_env_steps_sampled_lifetime": 100 * i,
            "agent_episode_return_mean": {"default_agent": 1.0},
            "episode_return_mean": 10.0 + i,
        },
        "learners": {"default_policy": {"total_loss": 0.1 * i}, "__all_modules__": {"n": i}},
        "num_env_steps_sampled_lifetime": 400 * i,
        "training_iteration": i,
        "trial_id": "abc_00000",
        "config": {"lr": 0.001, "env_config": {"training_iteration": 99}},
    }
    base.update(extra)
    return base


TRICKY = [
    # the same key names nested elsewhere, before and after the wanted ones
    row(1),
    # a wanted key missing, then present (RLlib omits the return until an episode ends)
    {**row(2), "env_runners": {"num_env_steps_sampled_lifetime": 200}},
    # brackets and quotes inside strings, before the wanted keys
    {"note": 'a {weird" [string}', **row(3)},
    {"path": "C:\\runs\\{x}", **row(4)},
    # non-finite values, nulls, booleans, strings, exponents, negative numbers
    row(5, training_iteration=5, env_runners={"episode_return_mean": float("nan")}),
    row(6, env_runners={"episode_return_mean": float("inf")}),
    row(7, env_runners={"episode_return_mean": float("-inf")}),
    row(8, env_runners={"episode_return_mean": None}),
    row(9, env_runners={"episode_return_mean": -1.5e-07}),
    row(10, env_runners={"episode_return_mean": True}),
    row(11, env_runners={"episode_return_mean": "text"}),
    # evaluation appears on some rows only, in the middle or at the end
    {**row(12), "evaluation": {"env_runners": {"episode_return_mean": 77.0}}},
    {"evaluation": {"env_runners": {"episode_return_mean": 78.0}}, **row(13)},
    # a wanted key whose value is an object or a list
    row(14, training_iteration=[1, 2]),
    row(15, env_runners=[{"episode_return_mean": 3}]),
    # keys reordered, wanted keys inside lists of objects
    {"training_iteration": 16, "env_runners": {"x": [{"episode_return_mean": 1}], "episode_return_mean": 2.5}},
    # unicode
    row(17, trial_id="überlauf_✓"),
    # escaped key names
    {'say "hi"': {"training_iteration": 1}, **row(18)},
    # empty objects and lists everywhere
    {"a": {}, "b": [], "c": [[], {}], **row(19), "env_runners": {}},
]


def test_tricky_rows_match_json(tmp_path):
    lines = [json.dumps(r) for r in TRICKY]
    got, bad = scan_lines(tmp_path, lines)
    assert bad == []
    for line, values in zip(lines, got, strict=True):
        assert same(values, expected(line)), line


def test_layout_is_learned_and_replayed(tmp_path):
    """Many rows of one layout (the common case), with different number widths, then a change."""
    lines = [json.dumps(row(i, env_runners={"episode_return_mean": 1 / (i + 1), "x": 10**i})) for i in range(30)]
    lines += [json.dumps({**row(31), "evaluation": {"env_runners": {"episode_return_mean": 5}}})]
    lines += [json.dumps(row(32))]
    got, _ = scan_lines(tmp_path, lines)
    assert all(same(v, expected(line)) for v, line in zip(got, lines, strict=True))
    assert got[-2]["evaluation/env_runners/episode_return_mean"] == 5
    assert got[-1]["evaluation/env_runners/episode_return_mean"] is None


def test_broken_lines_are_reported_and_skipped(tmp_path):
    good = [json.dumps(row(i)) for i in range(1, 4)]
    killed = good[1][: len(good[1]) // 2]  # a write cut short, the next row appended to it
    lines = [good[0], killed + good[2], "{not json}", "", good[2], good[2][:-30]]
    got, bad = scan_lines(tmp_path, lines)
    assert bad == [2, 3, 6]
    assert [r["training_iteration"] for r in got] == [1, 3]


def test_killed_write_after_the_wanted_keys_is_not_read_as_a_row(tmp_path):
    """The cut falls in the config, after every wanted key: the line still holds two rows."""
    rows = [json.dumps(row(i, config={"lr": 0.001, "blob": "x" * 2000})) for i in range(1, 6)]
    cut = rows[3][: len(rows[3]) - 500]
    got, bad = scan_lines(tmp_path, [*rows[:3], cut + rows[4]], ("training_iteration",))
    assert [r["training_iteration"] for r in got] == [1, 2, 3] and bad == [4]


def test_rows_longer_than_the_mapped_window(tmp_path, monkeypatch):
    import rlcli.core.store.rowscan as rowscan

    monkeypatch.setattr(rowscan, "WINDOW", 4096)
    lines = [json.dumps(row(i, config={"blob": "y" * (3000 * i)})) for i in range(1, 8)]
    got, bad = scan_lines(tmp_path, lines)
    assert bad == [] and [r["training_iteration"] for r in got] == list(range(1, 8))


def test_last_line_without_newline_and_crlf(tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes((json.dumps(row(1)) + "\r\n" + json.dumps(row(2))).encode())
    got = list(scan_rows(path, ColumnScanner(COLUMNS)))
    assert [r["training_iteration"] for r in got] == [1, 2]


def test_missing_file_yields_nothing(tmp_path):
    assert list(result_columns(tmp_path, COLUMNS)) == []


def _random_value(rng: random.Random, depth: int):
    kind = rng.random()
    if depth > 3 or kind < 0.5:
        return rng.choice(
            [
                rng.randint(-(10**6), 10**6),
                rng.uniform(-1e3, 1e3),
                rng.choice([float("nan"), float("inf"), None, True, False]),
                rng.choice(["", "a{", "}]", '"q"', "back\\slash", "x" * rng.randint(0, 40)]),
            ]
        )
    if kind < 0.8:
        return {_random_key(rng): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


def _random_key(rng: random.Random) -> str:
    return rng.choice(["training_iteration", "env_runners", "episode_return_mean", "evaluation", "lr", "k", "a b"])


@pytest.mark.parametrize("seed", range(5))
def test_random_rows_match_json(tmp_path, seed):
    rng = random.Random(seed)
    lines = []
    for _ in range(300):
        value = {_random_key(rng): _random_value(rng, 0) for _ in range(rng.randint(1, 6))}
        if rng.random() < 0.5:  # runs of the same layout, as real trials write
            lines.extend([json.dumps(value)] * rng.randint(1, 3))
        lines.append(json.dumps(value))
    got, bad = scan_lines(tmp_path, lines)
    assert bad == []
    for line, values in zip(lines, got, strict=True):
        assert same(values, expected(line)), line
