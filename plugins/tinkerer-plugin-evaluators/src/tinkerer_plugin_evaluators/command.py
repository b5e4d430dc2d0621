"""The command evaluator: runs a scoring command in the workspace and reads the score it prints."""

from __future__ import annotations

import contextlib
import json
import re

import chz

from tinkerer_core import Evaluation, EvaluationContext, Evaluator
from tinkerer_core.validation import not_empty, positive, valid_regex
from tinkerer_plugin_evaluators.parsing import (
    NUMBER,
    SCORE_PATTERN,
    as_number,
    compile_pattern,
    json_number,
    last_match,
    tail,
)
from tinkerer_plugin_evaluators.process import command_argv, run_process


@chz.chz
class Command(Evaluator):
    """Runs a command (no shell) in the workspace; the score is what it prints on stdout."""

    command: str = chz.field(
        validator=not_empty(), doc="e.g. 'python score.py'; a leading python is the interpreter Tinkerer runs in"
    )
    timeout_s: float = chz.field(
        default=300.0, validator=positive(), doc="kill the command (and everything it started) after this long"
    )
    pattern: str = chz.field(
        default=SCORE_PATTERN,
        validator=[not_empty(), valid_regex()],
        doc='the score line regex; without a match: JSON {"score": x}, else the last number on the last line',
    )

    @chz.init_property
    def argv(self) -> tuple[str, ...]:
        return command_argv(self.command)

    @chz.init_property
    def regex(self) -> re.Pattern[str]:
        return compile_pattern(self.pattern)

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        run = run_process(self.argv, ctx.workspace, self.timeout_s)
        if run.start_error:
            return Evaluation(score=None, feedback=run.start_error)
        if run.timed_out:
            return Evaluation(score=None, feedback=f"{self.command!r} timed out after {self.timeout_s:g} s")
        if run.exit_code != 0:
            why = f"{self.command!r} exited with code {run.exit_code}:\n{tail(run.stderr or run.stdout)}"
            return Evaluation(score=None, feedback=why)
        score, source = self._score(run.stdout)
        if score is None:
            return Evaluation(score=None, feedback=f"{self.command!r} printed no score; stdout:\n{tail(run.stdout)}")
        return Evaluation(score=score, feedback=f"score {score:g} from {source}")

    def _score(self, stdout: str) -> tuple[float | None, str]:
        """The score and where it came from: the pattern, a JSON object, or the last line's last number."""
        found = last_match(self.regex, stdout)
        if found is not None and found[1] is not None:
            return found[1], repr(found[0])
        lines = [line for line in stdout.splitlines() if line.strip()]
        last_line = lines[-1].strip() if lines else ""
        for candidate in dict.fromkeys((stdout.strip(), last_line)):
            with contextlib.suppress(json.JSONDecodeError):
                data = json.loads(candidate)
                if isinstance(data, dict) and (score := json_number(data.get("score"))) is not None:
                    return score, 'JSON "score"'
        numbers = NUMBER.findall(last_line)
        return (as_number(numbers[-1]), f"the last line {last_line!r}") if numbers else (None, "")
