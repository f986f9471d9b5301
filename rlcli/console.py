"""The only module that writes to the terminal.

Data (summaries, ``--dry-run`` YAML, JSON) goes to stdout; notices, progress and errors go to
stderr, so ``-q`` and ``--json`` output pipes cleanly.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console as RichConsole
from rich.live import Live
from rich.table import Table

from rlcli.core.spec import EARLY_STOPPED, ExperimentResult, ProgressRow

if TYPE_CHECKING:
    from rlcli.core.rollout.result import RolloutResult


def error_line(message: str) -> None:
    """``Error: ...`` as exactly one line on stderr (never wrapped)."""
    sys.stderr.write("Error: " + " ".join(str(message).split()) + "\n")
    sys.stderr.flush()


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """While user code runs (env constructors, reset/step, RLlib itself), whatever it prints goes
    to stderr, at the file-descriptor level too (C extensions, subprocesses), so stdout carries
    only rlcli's data and ``--json`` / ``-q`` output still parses."""
    sys.stdout.flush()
    saved_stream = sys.stdout
    try:
        saved_fd = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no real fd 1 or 2 (embedded): redirecting Python's stream is all we can do
        saved_fd = None
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stdout = saved_stream
        if saved_fd is not None:
            os.dup2(saved_fd, 1)
            os.close(saved_fd)


@dataclass
class Console:
    """Verbosity-aware output; ``quiet`` keeps only the data on stdout."""

    quiet: bool = False
    verbose: bool = False
    as_json: bool = False
    out: RichConsole = field(default_factory=lambda: RichConsole(soft_wrap=True))
    err: RichConsole = field(default_factory=lambda: RichConsole(stderr=True, soft_wrap=True))

    def notice(self, message: str) -> None:
        if not self.quiet:
            self.err.print(f"[cyan]notice:[/] {message}", highlight=False, markup=True)

    def warn(self, message: str) -> None:
        """Something the user must know even with ``-q`` (stderr keeps stdout clean)."""
        self.err.print(f"[yellow]warning:[/] {message}", highlight=False, markup=True)

    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message, highlight=False, markup=False)

    def data(self, text: str) -> None:
        """Raw text to stdout (YAML, paths) with no markup or wrapping."""
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    def styled_lines(self, lines: list[list[tuple[str, str | None]]]) -> None:
        """Lines of (text, style) segments to stdout: colored on a terminal, plain in pipes."""
        from rich.text import Text

        for segments in lines:
            parts = [(text, style or "") for text, style in segments]
            self.out.print(Text.assemble(*parts), soft_wrap=True, highlight=False)

    def json(self, payload: Any) -> None:
        self.data(json.dumps(payload, indent=2, default=str))

    def table(self, columns: list[str], rows: list[dict[str, Any]], fmt: str = "table", title: str = "") -> None:
        """Rows as a rich table, CSV or JSON (the last two for scripts, on stdout)."""
        if fmt == "json":
            self.json([{c: r.get(c) for c in columns} for r in rows])
            return
        if fmt == "csv":
            import csv
            import io

            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            self.data(buffer.getvalue().rstrip("\n"))
            return
        table = Table(*columns, title=title or None)
        for row in rows:
            table.add_row(*(_cell(row.get(c)) for c in columns))
        target = self.out if self.out.is_terminal else RichConsole(width=1000)  # logs and pipes: never truncate
        target.print(table)

    def rollout_episodes(self, result: RolloutResult) -> None:
        """The old ``rllib rollout`` line per episode on stdout, which scripts parse:
        ``Episode #N: reward: R``, N from 0 in the order of ``returns``, R as Python prints a
        float (the sum over agents for multi-agent envs). Not with ``-q`` or ``--json``."""
        returns = [*result.returns, *result.unfinished_returns]  # the old tool also printed the cut-short one
        if not self.quiet and returns:
            self.data("\n".join(f"Episode #{i}: reward: {float(r)}" for i, r in enumerate(returns)))

    def rollout_summary(self, result: RolloutResult) -> None:
        """Episodes, mean ± std, min/max return, mean length, throughput; per-agent and
        per-policy returns for multi-agent runs (the same fields ``--json`` prints)."""
        s = result.as_dict()
        mode = "explore (sampled actions)" if s["explore"] else "greedy (deterministic actions)"
        seed = f", seed {s['seed']}" if s.get("seed") is not None else ""
        rows = [
            ("checkpoint", s["checkpoint"]),
            ("env", f"{s['env']} × {s['num_envs']} envs, {mode}{seed}"),
            ("inference", s["path"]),
            ("episodes", str(s["episodes"])),
        ]
        if s["unfinished_returns"]:
            rows.append(
                ("unfinished", f"{len(s['unfinished_returns'])} episode(s) cut by --steps (not in the statistics)")
            )
        if s["episodes"]:
            rows += [
                ("return", _return_cell(s["return_mean"], s["return_std"], s["return_min"], s["return_max"])),
                ("episode length", f"{s['length_mean']:.1f} (mean)"),
            ]
        rows += _agent_rows(s.get("agents") or {}, s.get("policies") or {})
        rows.append(("env steps", f"{s['env_steps']:,} in {s['seconds']:.2f} s = {s['env_steps_per_s']:,.0f} steps/s"))
        if s["out"]:
            rows.append(("episodes written", s["out"]))
        rows += [("video", video) for video in s["videos"]]
        self.data("\n".join(f"{key:<16} {value}" for key, value in rows))


def _return_cell(mean: float, std: float, low: float, high: float) -> str:
    return f"{mean:.2f} ± {std:.2f}  (min {low:.2f}, max {high:.2f})"


def _agent_rows(agents: dict[str, dict[str, Any]], policies: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """One row per agent (with its policy), then one per policy: the per-episode sum of its agents."""
    rows = []
    for agent, a in agents.items():
        cell = _return_cell(a["mean"], a["std"], a["min"], a["max"])
        rows.append((f"agent {agent}", f"{cell}  policy {a['module']}, {a['episodes']} episodes"))
    for policy, p in policies.items():
        cell = _return_cell(p["mean"], p["std"], p["min"], p["max"])
        rows.append((f"policy {policy}", f"{cell}  agents {', '.join(p['agents'])}"))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def _num(value: float | None) -> str:
    """A metric for a table cell or progress line: two decimals, or "-" when there is none."""
    return "-" if value is None else f"{value:.2f}"


def _rolling_label(row: ProgressRow) -> str:
    """'last-N': N is the episodes the rolling mean covers now (the file's window once full)."""
    return f"last-{row.rolling_episodes}" if row.rolling_episodes else "last-N"


_COLUMNS = ("trial", "status", "iter", "return (mean)", "rolling (episodes)", "env steps", "time")


@dataclass
class _TrialState:
    status: str = "PENDING"
    row: ProgressRow | None = None


class TrainProgress:
    """Live progress of a ``train`` run: a rich table on a terminal, one line per result
    otherwise (CI logs), nothing with ``-q``. Also the summary at the end."""

    def __init__(self, console: Console, live: bool = True) -> None:
        self.console = console
        self.trials: dict[str, _TrialState] = {}
        self.live: Live | None = None
        self.interactive = live and console.err.is_terminal and not console.quiet

    # -- lifecycle ---------------------------------------------------------------------------
    def experiment_started(self, name: str, path: str, num_trials: int, resume: bool) -> None:
        verb = "Resuming" if resume else "Training"
        self.console.info(f"{verb} {name}: {num_trials} trial(s) → {path}")
        self.trials = {}
        if self.interactive:
            self.live = Live(self._table(), console=self.console.err, refresh_per_second=4, transient=False)
            self.live.start()

    def interrupting(self, signum: int) -> None:
        self.console.err.print(
            "\n[yellow]Stopping: saving the experiment's state (press Ctrl-C again to force quit)…[/]", highlight=False
        )

    def experiment_finished(self, result: ExperimentResult) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.stop()
            self.live = None
        self.summary(result)

    # -- ProgressSink ---------------------------------------------------------------------------
    def progress(self, row: ProgressRow) -> None:
        state = self.trials.setdefault(row.trial, _TrialState())
        state.row, state.status = row, "RUNNING"
        if self.live is not None:
            self.live.update(self._table())
        elif not self.console.quiet:
            self.console.err.print(
                f"{row.trial}  iter {row.iteration:4d}  return {_num(row.episode_return):>8}  "
                f"{_rolling_label(row):<8} {_num(row.rolling_return):>8}  "
                f"env steps {row.env_steps:>9,}  time {row.time_s:7.1f}s"
                + "".join(f"  {name} {_num(value)}" for name, value in row.extra),
                highlight=False,
                markup=False,
            )

    def trial_status(self, trial: str, status: str) -> None:
        self.trials.setdefault(trial, _TrialState()).status = status
        if self.live is not None:
            self.live.update(self._table())
        elif status == EARLY_STOPPED and not self.console.quiet:
            self.console.err.print(f"{trial}  stopped early by the scheduler", highlight=False, markup=False)

    def _table(self) -> Table:
        extra = next((tuple(n for n, _ in s.row.extra) for s in self.trials.values() if s.row), ())
        table = Table(*_COLUMNS, *extra, title=None, expand=False)
        for name, state in sorted(self.trials.items()):
            row = state.row
            cells = (
                ["-"] * (len(_COLUMNS) - 2 + len(extra))
                if row is None
                else [
                    str(row.iteration),
                    _num(row.episode_return),
                    _num(row.rolling_return) + (f" ({row.rolling_episodes})" if row.rolling_episodes else ""),
                    f"{row.env_steps:,}",
                    f"{row.time_s:.1f}s",
                    *(_num(value) for _, value in row.extra),
                ]
            )
            table.add_row(name, state.status, *cells)
        return table

    # -- summary ----------------------------------------------------------------------------
    def summary(self, result: ExperimentResult) -> None:
        spec = result.spec
        out = self.console
        errored = len(result.errored)
        state = "already finished" if result.already_finished else ("interrupted" if result.interrupted else "done")
        lines = [
            f"Experiment {spec.name}: {state}, {len(result.trials)} trial(s), {errored} errored",
            f"  results:          {spec.location}",
        ]
        best = result.best
        if best is not None:
            lines += [
                f"  best trial:       {best.name}",
                f"  best mean return: {best.best_return:.2f} "
                f"(iterations {best.iterations}, env steps {best.env_steps:,})",
            ]
        ckpt = result.best_checkpoint
        if ckpt:
            lines += [f"  best checkpoint:  {ckpt}", f"  roll it out:      rlcli rollout {shlex.quote(ckpt)}"]
        early = result.stopped_early
        if early:
            used = ", ".join(str(t.iterations) for t in early)
            lines.append(f"  stopped early:    {len(early)} trial(s) by the scheduler (iterations used: {used})")
        for trial in result.errored:
            lines.append(
                f"  ERROR in {trial.name}: {trial.error or 'see error file'} ({trial.error_file or 'no error file'})"
            )
        out.data("\n".join(lines))

    def overall(self, results: list[ExperimentResult]) -> None:
        """One table over all experiments of a multi-experiment run."""
        if len(results) < 2:
            return
        table = Table("experiment", "trials", "errored", "best return", "best checkpoint", title="All experiments")
        for result in results:
            best = result.best
            table.add_row(
                result.spec.name,
                str(len(result.trials)),
                str(len(result.errored)),
                _num(best.best_return if best else None),
                result.best_checkpoint or "-",
            )
        self.console.out.print(table)
