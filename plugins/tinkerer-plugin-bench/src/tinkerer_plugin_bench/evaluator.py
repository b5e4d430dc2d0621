"""The ``submission_check`` evaluator: a valid Kaggle-style submission, scored by the solution's own validation."""

from __future__ import annotations

import re

import chz

from tinkerer_core import Evaluation, EvaluationContext, Evaluator
from tinkerer_core.validation import not_empty, valid_regex
from tinkerer_core.workspace_files import UnsafePathError, safe_path
from tinkerer_plugin_bench.submission import SUBMISSION, SubmissionError, check_shape

VALIDATION_PATTERN = r"Validation score:\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
TAIL_CHARS = 600


@chz.chz
class SubmissionCheck(Evaluator):
    """A Kaggle-style submission in the sample's shape, scored by the validation score the solution prints.

    The test answers stay with the grader: a run never sees its real score.
    """

    submission: str = chz.field(default=SUBMISSION, validator=not_empty(), doc="the submission, in the workspace")
    sample: str = chz.field(
        default="data/sample_submission.csv", validator=not_empty(), doc="the sample submission, in the workspace"
    )
    pattern: str = chz.field(
        default=VALIDATION_PATTERN,
        validator=[not_empty(), valid_regex()],
        doc="the line the solution prints with its validation score; its first group is the score",
    )

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        try:
            table = check_shape(safe_path(ctx.workspace, self.submission), ctx.workspace / self.sample)  # data/: a link
        except (SubmissionError, UnsafePathError) as error:
            return Evaluation(score=None, feedback=f"{self.submission} is not a valid submission: {error}")
        matches = re.findall(self.pattern, ctx.result.output, re.IGNORECASE)
        if not matches:
            tail = ctx.result.output.rstrip()[-TAIL_CHARS:] or "(empty)"
            why = f"{self.submission} is valid ({len(table.rows)} rows), but pattern {self.pattern!r} did not match"
            return Evaluation(score=None, feedback=f"{why} the output; it ended with:\n{tail}")
        found = matches[-1] if isinstance(matches[-1], str) else matches[-1][0]
        try:
            score = float(found)
        except ValueError:
            return Evaluation(score=None, feedback=f"the validation score {found!r} is not a number")
        return Evaluation(
            score=score, feedback=f"valid submission ({len(table.rows)} rows); validation score {score:g}"
        )
