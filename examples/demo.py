"""The main job of `make demo`: a real evolve run on the embedded model, offline.

The embedded SmolLM2-135M writes `solution.py` until the tests in `demo_tests/` pass, guided by
tree search, scored by the pass rate of the tests, stopped at a perfect score or after the budget.
A 135M model is for plumbing and demos: expect partial scores, and try a hosted model with
`llm.model=openai/gpt-4o-mini` (set OPENAI_API_KEY) to see it solve the goal.

    .venv/bin/tinkerer evolve examples/demo.py [max_iterations=8] [llm.model=...]
"""

from pathlib import Path

HERE = Path(__file__).parent

config = {
    "goal": (
        "Write solution.py defining three functions: add(a, b) returns a + b; is_even(n) returns "
        "True when the integer n is even, else False; reverse(s) returns the string s reversed."
    ),
    "starting_repo": str(HERE / "demo_repo"),
    "main_file": "solution.py",
    "command": "python -c 'import solution'",
    "max_iterations": 3,
    "timeout_s": 60,
    "evaluator": "pytest",
    "evaluator.timeout_s": 60,
    # the tests live outside the workspace: the agent cannot edit them
    "evaluator.args": (str(HERE / "demo_tests" / "test_solution.py"),),
    "search": "llm_tree_search",
    "search.preset": "MINIMAL",
    "stop": "threshold",
    "stop.threshold": 1.0,
    "agent": "llm_edit",
    "llm.model": "local/smollm2-135m",
    "llm.max_tokens": 400,
}
