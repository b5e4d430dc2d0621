"""FizzBuzz against a test suite: the pytest evaluator scores the share of tests that pass.

The starting repository (`fizzbuzz_repo/`) holds a stub `fizzbuzz.py` and the tests in `tests/`;
the coding agent sees both and edits `fizzbuzz.py`. The run stops once every test passes.
A config file may also be a dict of fields with dotted keys for component parameters, as here.

    tinkerer evolve examples/fizzbuzz_pytest.py llm.model=openai/gpt-4o-mini
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

config = {
    "goal": (
        "Implement fizzbuzz.py: fizzbuzz(n) returns 'Fizz' for multiples of 3, 'Buzz' for multiples of 5, "
        "'FizzBuzz' for multiples of both and otherwise the number as a string; fizzbuzz_lines(count) "
        "returns [fizzbuzz(1), ..., fizzbuzz(count)]. The tests in tests/test_fizzbuzz.py must pass; "
        "do not change them."
    ),
    "starting_repo": str(HERE / "fizzbuzz_repo"),
    "main_file": "fizzbuzz.py",
    "command": "python -c 'import fizzbuzz'",  # the solution only has to import; pytest scores it
    "max_iterations": 6,
    "timeout_s": 60,
    "evaluator": "pytest",
    "evaluator.args": ("tests",),
    "evaluator.timeout_s": 60,
    "search_strategy": "linear_search",
    "stop_condition": "threshold",
    "stop_condition.threshold": 1.0,
    "coding_agent": "llm_edit",
}
