"""Live progress of evolve and train runs, drawn from the lifecycle hooks alone.

On a terminal: a rich display redrawn at every event (iteration, best score, cost, elapsed, what each
worker is doing). Elsewhere (CI logs, pipes): one plain line per finished experiment or training
step. ``TINKERER_QUIET=1`` (or ``tinkerer evolve --quiet``) turns it off.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tinkerer_core import Direction, Experiment, hookimpl
from tinkerer_core.formatting import format_cost

QUIET_ENV = "TINKERER_QUIET"
IDEA_CHARS = 70


@dataclass
class _Running:
    kind: str
    idea: str
    since: float


@dataclass
class _RunProgress:
    goal: str
    direction: Direction
    max_iterations: int | None
    started: float = field(default_factory=time.monotonic)
    finished: int = 0
    best: float | None = None
    best_id: int | None = None
    cost: float = 0.0
    running: dict[int, _Running] = field(default_factory=dict)
    live: Live | None = None


def _short(text: str, limit: int = IDEA_CHARS) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _score(value: float | None) -> str:
    return "none" if value is None else f"{value:.6g}"


class ProgressReporter:
    """Shows every run's progress on ``console`` (stderr by default)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.runs: dict[str, _RunProgress] = {}

    def _mode(self) -> str:
        if os.environ.get(QUIET_ENV, "") not in ("", "0"):
            return "quiet"
        return "live" if self.console.is_terminal else "lines"

    # --- evolve ----------------------------------------------------------------------------

    @hookimpl
    def tinkerer_run_start(self, run_dir: str, config: Any) -> None:
        mode = self._mode()
        if mode == "quiet":
            return
        run = _RunProgress(
            goal=str(getattr(config, "goal", "")),
            direction=Direction(getattr(config, "direction", Direction.MAXIMIZE)),
            max_iterations=getattr(config, "max_iterations", None),
        )
        self.runs[run_dir] = run
        if mode == "live":
            run.live = Live(self._render(run), console=self.console, auto_refresh=False, transient=False)
            run.live.start()
        else:
            self._line(f"[tinkerer] run {run_dir}: {_short(run.goal)}")

    @hookimpl
    def tinkerer_experiment_started(self, run_dir: str, experiment: Experiment) -> None:
        run = self.runs.get(run_dir)
        if run is None:
            return
        run.running[experiment.id] = _Running(experiment.kind, experiment.idea, time.monotonic())
        self._refresh(run)

    @hookimpl
    def tinkerer_experiment_finished(self, run_dir: str, experiment: Experiment) -> None:
        run = self.runs.get(run_dir)
        if run is None:
            return
        run.running.pop(experiment.id, None)
        run.finished += not experiment.baseline  # of the max_iterations, which the baseline is not one of
        run.cost += experiment.cost
        if run.direction.is_better(experiment.score, run.best):
            run.best, run.best_id = experiment.score, experiment.id
        if run.live is None:
            self._line(
                f"[tinkerer] experiment {experiment.id} ({'baseline' if experiment.baseline else experiment.kind}) "
                f"{experiment.status.value}: "
                f"score {_score(experiment.score)} · best {_score(run.best)} · {self._totals(run)}",
            )
        self._refresh(run)

    @hookimpl
    def tinkerer_run_end(self, run_dir: str, solution: Any, reason: str) -> None:
        run = self.runs.pop(run_dir, None)
        if run is None:
            return
        run.running.clear()
        if run.live is not None:
            run.live.update(self._render(run, reason), refresh=True)
            run.live.stop()
        else:
            self._line(f"[tinkerer] run finished: {reason} · best {_score(run.best)}")

    # --- training --------------------------------------------------------------------------

    @hookimpl
    def tinkerer_train_metrics(self, run_dir: str, step: int, metrics: dict[str, float]) -> None:
        if self._mode() == "quiet":
            return
        values = " · ".join(f"{name} {value:.4g}" for name, value in sorted(metrics.items()))
        self._line(f"[tinkerer] train step {step}: {values}")

    # --- drawing ---------------------------------------------------------------------------

    def _line(self, text: str) -> None:
        """One plain log line: no markup, no highlighting, never wrapped."""
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def _refresh(self, run: _RunProgress) -> None:
        if run.live is not None:
            run.live.update(self._render(run), refresh=True)

    def _totals(self, run: _RunProgress) -> str:
        budget = f"/{run.max_iterations}" if run.max_iterations else ""
        return f"{run.finished}{budget} done · cost {format_cost(run.cost)} · {time.monotonic() - run.started:.1f} s"

    def _render(self, run: _RunProgress, ended: str = "") -> Group:
        best = _score(run.best) + (f" (#{run.best_id})" if run.best_id is not None else "")
        head = Text.assemble(("tinkerer evolve", "bold"), f" · {_short(run.goal, 60)}")
        line = Text(f"best {best} ({run.direction.value}) · {self._totals(run)}")
        parts: list[Any] = [head, line]
        if run.running:
            table = Table("experiment", "kind", "idea", "for", box=None, pad_edge=False)
            now = time.monotonic()
            for experiment_id, work in sorted(run.running.items()):
                table.add_row(f"#{experiment_id}", work.kind, _short(work.idea), f"{now - work.since:.0f} s")
            parts.append(table)
        if ended:
            parts.append(Text(f"finished: {ended}", style="green"))
        return Group(*parts)
