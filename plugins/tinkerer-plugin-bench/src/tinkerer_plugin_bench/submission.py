"""Kaggle-style submissions: CSV tables read safely, and checked against the sample submission's shape.

The check is the one a contestant may run (MLE-bench's validation server answers valid or not, never a
score): the same columns as the sample, one row per id of the sample, no empty cell. It reads public files
only, so it can run in the workspace during a run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SUBMISSION = "submission/submission.csv"  # MLE-bench's /home/submission/submission.csv, in the workspace
MAX_FIELD_CHARS = 1_000_000  # one cell of a submission (csv's default of 131072 refuses long RLE masks)


class SubmissionError(ValueError):
    """A submission that cannot be graded; the message says what is wrong with it."""


@dataclass(frozen=True)
class Table:
    """A CSV file: its header and rows of text cells."""

    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]


def read_table(path: Path, what: str = "submission") -> Table:
    """``path`` as a ``Table``; ``SubmissionError`` when it is missing, empty, not text or ragged."""
    if not path.is_file():
        raise SubmissionError(f"{what} {path.name} was not written")
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        with path.open(newline="", encoding="utf-8") as file:
            lines = list(csv.reader(file))
    except (UnicodeDecodeError, csv.Error) as error:
        raise SubmissionError(f"{what} {path.name} is not a readable CSV file: {error}") from None
    if not lines:
        raise SubmissionError(f"{what} {path.name} is empty")
    header, rows = [cell.strip() for cell in lines[0]], [row for row in lines[1:] if row]
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise SubmissionError(f"{what} {path.name} line {number} has {len(row)} cells, the header {len(header)}")
    return Table(header, rows)


def check_shape(submission: Path, sample: Path) -> Table:
    """The submission, when it has the sample's columns and exactly its ids (first column); else ``SubmissionError``."""
    expected, table = read_table(sample, "sample submission"), read_table(submission)
    if sorted(table.header) != sorted(expected.header):
        raise SubmissionError(f"its columns are {table.header}; the sample submission's are {expected.header}")
    id_column = expected.header[0]
    ids = table.column(id_column)
    if len(set(ids)) != len(ids):
        raise SubmissionError(f"{id_column} repeats: {len(ids) - len(set(ids))} duplicate rows")
    wanted = set(expected.column(id_column))
    if set(ids) != wanted:
        missing, extra = sorted(wanted - set(ids)), sorted(set(ids) - wanted)
        raise SubmissionError(
            f"{id_column} must be the sample submission's {len(wanted)} ids: "
            f"{len(missing)} missing (e.g. {missing[:3]}), {len(extra)} unknown (e.g. {extra[:3]})"
        )
    empty = sum(1 for row in table.rows for cell in row if not cell.strip())
    if empty:
        raise SubmissionError(f"{empty} cells are empty")
    return table
