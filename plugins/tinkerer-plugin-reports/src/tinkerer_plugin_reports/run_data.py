"""Everything a report shows about a run, read from its store as plain JSON-ready data."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from tinkerer_core import ConfigError, Direction, Experiment, RunStore
from tinkerer_core.workspace_files import LEFT_OUT_NOTE

OUTPUT_TAIL_CHARS = 4000
DIFF_CHARS = 20000


def open_store(run_dir: Path) -> RunStore:
    """The run store of ``run_dir``; a clear error when there is none (nothing is created)."""
    if not RunStore.exists(run_dir):
        raise ConfigError(f"{run_dir} is not a run directory (no run.sqlite); `tinkerer runs` lists the runs")
    return RunStore(run_dir)


def run_data(run_dir: Path) -> dict[str, Any]:
    """The run's summary, experiments, best score over time, cost by component and training metrics."""
    store = open_store(run_dir)
    try:
        summary = store.summary()
        meta = store.meta()
        experiments = store.experiments()
        calls = store.llm_calls()
        metrics = store.metrics()
        events = store.events("bench_result")
    finally:
        store.close()
    direction = Direction(summary["direction"])
    return {
        "run_dir": str(Path(run_dir).resolve()),
        "goal": summary["goal"],
        "status": summary["status"],
        "direction": direction.value,
        "best_score": summary["best_score"],
        "best_experiment": meta.get("best_experiment"),
        "stop_reason": summary["stop_reason"],
        "cost": summary["cost"],
        "elapsed_s": meta.get("elapsed_s"),
        "started_at": summary["started_at"],
        "generated_at": time.time(),
        "experiments": [_experiment(e) for e in experiments],
        "best_over_time": best_over_time(experiments, direction),
        "cost_by_component": cost_by_component(calls),
        "metrics": {name: [[step, value] for step, value in series] for name, series in metrics.items()},
        "bench": bench_results(events, meta),
    }


def bench_results(events: list[dict[str, Any]], meta: dict[str, Any]) -> list[dict[str, Any]]:
    """A benchmark's results (``tinkerer bench``): the latest ``bench_result`` event of each problem, in order;
    for one problem's evolve run, the grade it holds (``bench_grade``); else none."""
    latest = {event["data"]["problem"]: event["data"] for event in events if "problem" in event["data"]}
    if latest:
        return list(latest.values())
    grade = meta.get("bench_grade")
    return [grade] if isinstance(grade, dict) else []


def _experiment(experiment: Experiment) -> dict[str, Any]:
    result = experiment.result
    return {
        "id": experiment.id,
        "parent_id": experiment.parent_id,
        "iteration": experiment.iteration,
        "kind": experiment.kind,
        "status": experiment.status.value,
        "idea": experiment.idea,
        "score": experiment.score,
        "feedback": experiment.evaluation.feedback if experiment.evaluation else "",
        "error": experiment.error,
        "diff": shown_diff(experiment.diff),
        "output_tail": result.output_tail(OUTPUT_TAIL_CHARS) if result else "",
        "exit_code": result.exit_code if result else None,
        "duration_s": result.duration_s if result else None,
        "cost": experiment.cost,
        "finished_at": experiment.finished_at,
    }


def shown_diff(diff: str) -> str:
    """The diff cut to ``DIFF_CHARS``; the large files left out of git (listed at its end) are always shown."""
    if len(diff) <= DIFF_CHARS:
        return diff
    notes = [line for line in diff.splitlines() if line.startswith(LEFT_OUT_NOTE)]
    return diff[:DIFF_CHARS] + "\n... [diff cut] ...\n" + "".join(note + "\n" for note in notes)


def best_over_time(experiments: list[Experiment], direction: Direction) -> list[dict[str, Any]]:
    """One point per finished experiment, in the order they finished: its score and the best so far."""
    finished = sorted((e for e in experiments if e.finished_at is not None), key=lambda e: e.finished_at or 0.0)
    points = []
    best: float | None = None
    for order, experiment in enumerate(finished, start=1):
        if direction.is_better(experiment.score, best):
            best = experiment.score
        points.append({"order": order, "experiment": experiment.id, "score": experiment.score, "best": best})
    return points


def cost_by_component(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """LLM calls grouped by purpose and model: calls, tokens, cost (and whether every cost is known)."""
    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0, "cost_known": True}
    )
    for call in calls:
        group = groups[(call["purpose"], call["model"])]
        group["calls"] += 1
        group["prompt_tokens"] += call["prompt_tokens"]
        group["completion_tokens"] += call["completion_tokens"]
        group["cost"] += call["cost"]
        group["cost_known"] = group["cost_known"] and bool(call["cost_known"])
    rows = [{"purpose": purpose, "model": model, **values} for (purpose, model), values in groups.items()]
    return sorted(rows, key=lambda row: (-row["cost"], -row["calls"], row["purpose"]))
