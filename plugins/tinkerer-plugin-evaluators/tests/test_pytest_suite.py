"""pytest runs a real test suite in the workspace."""

from __future__ import annotations

import textwrap

import pytest

TESTS = """
def test_adds():
    assert 1 + 1 == 2

def test_multiplies():
    assert 2 * 3 == 6

def test_divides():
    assert 1 / 2 == 0.4, "half is not 0.4"
"""


def write(tmp_path, name: str, source: str) -> None:
    (tmp_path / name).write_text(textwrap.dedent(source))


def test_score_is_the_pass_rate(create, make_ctx, tmp_path) -> None:
    write(tmp_path, "test_math.py", TESTS)
    evaluation = create("pytest").evaluate(make_ctx())
    assert evaluation.score == pytest.approx(2 / 3)
    assert evaluation.feedback.startswith("2/3 tests passed; not passed: test_math::test_divides")
    assert "half is not 0.4" in evaluation.feedback
    assert evaluation.metrics == {"passed": 2.0, "failed": 1.0, "skipped": 0.0, "collected": 3.0}
    assert not (tmp_path / ".pytest_cache").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_math.py"]  # no report, no bytecode


def test_args_reach_pytest_and_skips_count_as_not_passed(create, make_ctx, tmp_path) -> None:
    write(tmp_path, "test_math.py", TESTS)
    write(tmp_path, "test_skip.py", "import pytest\n\n@pytest.mark.skip\ndef test_later():\n    pass\n")
    evaluation = create("pytest", args=("-k", "not divides")).evaluate(make_ctx())
    assert evaluation.score == pytest.approx(2 / 3)
    assert "not passed: test_skip::test_later" in evaluation.feedback


def test_no_tests_gives_no_score(create, make_ctx, tmp_path) -> None:
    write(tmp_path, "main.py", "print('hi')\n")
    evaluation = create("pytest").evaluate(make_ctx())
    assert evaluation.score is None
    assert "pytest collected no tests" in evaluation.feedback


def test_collection_error_gives_no_score_with_the_error(create, make_ctx, tmp_path) -> None:
    write(tmp_path, "test_broken.py", "import no_such_module_xyz\n\ndef test_x():\n    pass\n")
    evaluation = create("pytest").evaluate(make_ctx())
    assert evaluation.score is None
    assert "could not run the tests (exit code 2)" in evaluation.feedback
    assert "no_such_module_xyz" in evaluation.feedback


def test_timeout_gives_no_score(create, make_ctx, tmp_path) -> None:
    write(tmp_path, "test_slow.py", "import time\n\ndef test_slow():\n    time.sleep(30)\n")
    evaluation = create("pytest", timeout_s=0.5).evaluate(make_ctx())
    assert evaluation.score is None
    assert evaluation.feedback.startswith("pytest timed out after 0.5 s")
