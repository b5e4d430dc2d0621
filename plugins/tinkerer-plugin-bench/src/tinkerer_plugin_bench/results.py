"""A benchmark run's results: one row per graded problem, read from the run store, shown as a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tinkerer_core import RunStore
from tinkerer_core.formatting import format_cost

RESULT_EVENT = "bench_result"  # one per graded problem in the benchmark's store (a re-grade replaces it)
GRADE_META = "bench_grade"  # the grade, in the problem's own run store
COLUMNS = ("problem", "valid", "score", "verdict", "validation", "experiments", "cost", "wall")


def results(store: RunStore) -> list[dict[str, Any]]:
    """The latest result of each graded problem, in the order the benchmark runs them."""
    latest = {event["data"]["problem"]: event["data"] for event in store.events(RESULT_EVENT)}
    order = store.meta().get("bench", {}).get("problems", [])
    return [latest[problem] for problem in order if problem in latest] + [
        row for problem, row in latest.items() if problem not in order
    ]


def format_seconds(seconds: float | None) -> str:
    """``42s``, ``3m05s`` or ``1h02m``."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.5g}"


def cells(row: Mapping[str, Any]) -> list[str]:
    """A result row as the table's cells."""
    return [
        str(row["problem"]),
        "yes" if row["valid_submission"] else "no",
        _number(row["score"]),
        str(row["verdict"]),
        _number(row.get("validation_score")),
        str(row.get("experiments", "-")),
        format_cost(float(row.get("cost", 0.0))),
        format_seconds(row.get("wall_s")),
    ]


def table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The results as an aligned text table, with the summary beneath."""
    lines = [list(COLUMNS), *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines]
    return "\n".join([*text, summary(rows)])


def summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """Valid submissions, medals or mean relative score, cost and wall time over every row."""
    if not rows:
        return "no problem graded yet"
    parts = [f"valid submissions {sum(bool(row['valid_submission']) for row in rows)}/{len(rows)}"]
    details = [row.get("details", {}) for row in rows]
    if any("any_medal" in detail for detail in details):
        medal_counts = {
            medal: sum(bool(detail.get(f"{medal}_medal")) for detail in details)
            for medal in ("gold", "silver", "bronze")
        }
        parts.append(f"medals {sum(medal_counts.values())} ({', '.join(f'{m} {n}' for m, n in medal_counts.items())})")
        parts.append(f"above median {sum(bool(detail.get('above_median')) for detail in details)}")
    relative = [detail["relative_score"] for detail in details if "relative_score" in detail]
    if relative:
        parts.append(f"mean relative score {sum(relative) / len(relative):.2f}")
    parts.append(f"cost {format_cost(sum(float(row.get('cost', 0.0)) for row in rows))}")
    parts.append(f"wall {format_seconds(sum(float(row.get('wall_s') or 0.0) for row in rows))}")
    return " · ".join(parts)
