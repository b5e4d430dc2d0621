"""The pytest evaluator: the score is the share of the workspace's tests that pass."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

import chz

from tinkerer_core import Evaluation, EvaluationContext, Evaluator
from tinkerer_core.validation import positive
from tinkerer_plugin_evaluators.parsing import tail
from tinkerer_plugin_evaluators.process import run_process

NO_TESTS_COLLECTED = 5  # pytest's exit code
SHOWN_FAILURES = 10


@chz.chz
class Pytest(Evaluator):
    """Runs pytest in the workspace; the score is passed / collected tests."""

    args: tuple[str, ...] = chz.field(default=(), doc="extra pytest arguments: test paths, -k expressions, ...")
    timeout_s: float = chz.field(
        default=300.0, validator=positive(), doc="kill pytest (and everything it started) after this long"
    )

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        with tempfile.TemporaryDirectory(prefix="tinkerer-pytest-") as tmp:
            report = Path(tmp) / "junit.xml"
            argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *self.args]
            run = run_process(argv, ctx.workspace, self.timeout_s, merge_stderr=True)
            outcomes = read_junit(report) if run.exit_code in (0, 1) else {}
        if run.start_error:
            return Evaluation(score=None, feedback=run.start_error)
        if run.timed_out:
            return Evaluation(score=None, feedback=f"pytest timed out after {self.timeout_s:g} s:\n{tail(run.stdout)}")
        if run.exit_code == NO_TESTS_COLLECTED:
            return Evaluation(score=None, feedback=f"pytest collected no tests:\n{tail(run.stdout)}")
        if not outcomes:
            why = f"pytest could not run the tests (exit code {run.exit_code}); its output ends with:"
            return Evaluation(score=None, feedback=f"{why}\n{tail(run.stdout, 1500)}")
        return _score(outcomes, run.stdout)


def read_junit(report: Path) -> dict[str, str]:
    """Each test's outcome (passed, failed or skipped) from a JUnit XML report; empty if unreadable."""
    try:
        cases = ElementTree.parse(report).iter("testcase")
    except (OSError, ElementTree.ParseError):
        return {}
    outcomes: dict[str, str] = {}
    for case in cases:
        test = f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(":")
        tags = {child.tag for child in case}
        outcome = "failed" if tags & {"failure", "error"} else "skipped" if "skipped" in tags else "passed"
        if outcomes.get(test) in (None, "passed"):  # a teardown error reports the test a second time
            outcomes[test] = outcome
    return outcomes


def _score(outcomes: dict[str, str], output: str) -> Evaluation:
    counts = {kind: sum(1 for o in outcomes.values() if o == kind) for kind in ("passed", "failed", "skipped")}
    collected = len(outcomes)
    score = counts["passed"] / collected
    feedback = f"{counts['passed']}/{collected} tests passed"
    not_passed = [test for test, outcome in outcomes.items() if outcome != "passed"]
    if not_passed:
        names = ", ".join(not_passed[:SHOWN_FAILURES]) + (" ..." if len(not_passed) > SHOWN_FAILURES else "")
        feedback += f"; not passed: {names}\n{tail(output, 1500)}"
    metrics = {**{kind: float(count) for kind, count in counts.items()}, "collected": float(collected)}
    return Evaluation(score=score, feedback=feedback, metrics=metrics)
