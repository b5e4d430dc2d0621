"""mle-lite's graders: a submission read against the private answers and scored by the competition's metric.

As MLE-bench's graders do, a submission that cannot be scored (wrong ids, values that are not numbers, a
non-positive price under a log metric) is invalid: ``SubmissionError`` says why, and it has no score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from tinkerer_plugin_bench.mle.competitions import Cell, Competition, Metric
from tinkerer_plugin_bench.submission import SubmissionError, Table, read_table


def score(metric: Metric, predictions: Sequence[Cell], truth: Sequence[Cell]) -> float:
    """``metric`` of ``predictions`` against ``truth`` (same order, same length)."""
    if metric.name == "accuracy":
        return sum(_label(p) == _label(t) for p, t in zip(predictions, truth, strict=True)) / len(truth)
    values, targets = _numbers(predictions), [float(t) for t in truth]
    if metric.name == "rmse_log":
        if min(values) <= 0:
            raise SubmissionError("every prediction must be above 0: the metric takes their logarithm")
        values, targets = [math.log(v) for v in values], [math.log(t) for t in targets]
    return math.sqrt(sum((v - t) ** 2 for v, t in zip(values, targets, strict=True)) / len(targets))


def grade_file(competition: Competition, submission: Path, answers: Path) -> float:
    """The score of the submission CSV against the answers CSV; ``SubmissionError`` when it is invalid."""
    table, expected = read_table(submission), read_table(answers, "answers")
    for column in (competition.id_column, competition.target):
        if column not in table.header:
            raise SubmissionError(f"it has no {column} column (its columns: {table.header})")
    predicted = _by_id(table, competition)
    truth = _by_id(expected, competition)
    if predicted.keys() != truth.keys():
        missing, extra = len(truth.keys() - predicted.keys()), len(predicted.keys() - truth.keys())
        raise SubmissionError(
            f"its {competition.id_column}s are not the test rows': {missing} missing, {extra} unknown"
        )
    order = sorted(truth)
    return score(competition.metric, [predicted[key] for key in order], [truth[key] for key in order])


def _by_id(table: Table, competition: Competition) -> dict[str, str]:
    ids, values = table.column(competition.id_column), table.column(competition.target)
    if len(set(ids)) != len(ids):
        raise SubmissionError(f"{competition.id_column} repeats: {len(ids) - len(set(ids))} duplicate rows")
    return {key.strip(): value.strip() for key, value in zip(ids, values, strict=True)}


def _numbers(values: Sequence[Cell]) -> list[float]:
    numbers = []
    for value in values:
        try:
            number = float(value)
        except ValueError:
            raise SubmissionError(f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise SubmissionError(f"{value!r} is not a finite number")
        numbers.append(number)
    return numbers


def _label(value: Cell) -> str:
    """A class label compared as text, with numbers written alike (``3``, ``3.0`` and ``3.00`` are one label)."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return repr(number) if math.isfinite(number) else text
