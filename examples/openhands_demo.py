"""The demo's task with the `openhands` coding agent: the OpenHands SDK, in its own virtual environment, writes
`solution.py` with its file editor and terminal, confined to the experiment's worktree, until the tests in
`demo_tests/` pass.

    .venv/bin/tinkerer openhands setup          # once: OpenHands' own venv (a Python 3.12+; 1-5 min, 657 MB)
    OPENAI_API_KEY=... .venv/bin/tinkerer evolve examples/openhands_demo.py llm.model=openai/gpt-4o-mini

With no override the run's model is the embedded SmolLM2-135M (no key, no service): OpenHands reaches it through
the local model's OpenAI-compatible server, with tool calls, but its system prompt and tools alone take about
6,500 of the model's 8,192 tokens and a 135M model seldom calls a tool: that is plumbing, not a solution.
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
    # the tests live outside the workspace: the agent can neither edit nor see them
    "evaluator.args": (str(HERE / "demo_tests" / "test_solution.py"),),
    "search_strategy": "linear_search",
    "search_strategy.preset": "MINIMAL",
    "stop_condition": "threshold",
    "stop_condition.threshold": 1.0,
    "coding_agent": "openhands",
    "coding_agent.max_iterations": 20,
    "coding_agent.timeout_s": 900,
    "llm.model": "local/smollm2-135m",
    "llm.max_tokens": 400,
}
