"""The ``aider`` agent with the real aider-chat in its own environment; scripted replies (mock_response) need no network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tinkerer_core import AgentRequest, LLMConfig, LLMLedger, Tinkerer
from tinkerer_core.gateway import LazyLLM
from tinkerer_plugin_aider.agent import NOTHING_CHANGED, AiderAgent

MakeRequest = Callable[..., AgentRequest]
FIXED = "def add(a, b):\n    return a + b\n"
WHOLE_REPLY = f"Fixed the sign.\n\ncalc.py\n```python\n{FIXED}```\n"
DIFF_REPLY = """Fixed the sign.

calc.py
```python
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE
```
"""


@pytest.mark.parametrize(
    ("edit_format", "reply"), [("whole", WHOLE_REPLY), ("diff", DIFF_REPLY)], ids=["whole", "diff"]
)
def test_a_scripted_edit_changes_the_file_and_reports_tokens_and_cost(
    aider_venv: Path, workspace: Path, make_request: MakeRequest, edit_format: str, reply: str
) -> None:
    agent = AiderAgent(model="gpt-4o-mini", edit_format=edit_format, mock_response=reply, venv=str(aider_venv))
    result = agent.implement(make_request())
    assert result.error == ""
    assert result.changed_files == ("calc.py",)
    assert (workspace / "calc.py").read_text() == FIXED
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    assert result.cost > 0  # gpt-4o-mini has a price in litellm's bundled list
    assert f"aider (gpt-4o-mini, {edit_format}) changed calc.py" == result.summary
    assert "Applied edit to calc.py" in result.transcript
    assert not any(path.name.startswith(".aider") for path in workspace.iterdir())  # no history, no cache files


def test_the_runs_model_is_used_and_the_call_recorded_in_its_ledger(
    aider_venv: Path, make_request: MakeRequest
) -> None:
    ledger = LLMLedger()
    llm = LazyLLM(LLMConfig(model="gpt-4o-mini"), ledger)  # never opened: aider calls the model itself
    agent = AiderAgent(edit_format="whole", mock_response=WHOLE_REPLY, venv=str(aider_venv))
    result = agent.implement(make_request(llm=llm))
    assert result.changed_files == ("calc.py",)
    [(purpose, completion)] = ledger.calls
    assert purpose == "agent:aider"
    assert completion.model == "gpt-4o-mini"
    assert (completion.cost, completion.prompt_tokens) == (result.cost, result.prompt_tokens)
    assert completion.cost_known


@pytest.mark.parametrize(
    "reply",
    [
        "The code looks right to me; I would not change anything.",
        f"calc.py\n```python\n{'def add(a, b):'}\n    return a - b\n```\n",  # the same content, rewritten
    ],
    ids=["no-edit", "identical-rewrite"],
)
def test_a_reply_that_changes_nothing_is_an_error(
    aider_venv: Path, workspace: Path, make_request: MakeRequest, reply: str
) -> None:
    agent = AiderAgent(model="gpt-4o-mini", edit_format="whole", mock_response=reply, venv=str(aider_venv))
    result = agent.implement(make_request())
    assert result.error == NOTHING_CHANGED
    assert result.changed_files == ()
    assert reply.splitlines()[0] in result.transcript


def test_new_files_land_in_the_workspace_root_and_never_outside_it(aider_venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "util.py").write_text("X = 1\n")
    reply = (
        "pkg/util.py\n```python\nX = 2\n```\n\n"
        "main.py\n```python\nfrom pkg.util import X\nprint(X)\n```\n\n"
        '../escape.py\n```python\nprint("out")\n```\n'
    )
    agent = AiderAgent(model="gpt-4o-mini", edit_format="whole", mock_response=reply, venv=str(aider_venv))
    request = AgentRequest(goal="print X", workspace=project, idea="", kind="draft", focus_files=("pkg/util.py",))
    result = agent.implement(request)
    assert result.changed_files == ("main.py", "pkg/util.py")  # main.py at the root, not beside pkg/util.py
    assert (project / "main.py").read_text() == "from pkg.util import X\nprint(X)\n"
    assert (project / "pkg" / "util.py").read_text() == "X = 2\n"
    assert not (tmp_path / "escape.py").exists()
    assert "escape.py: outside the workspace" in result.transcript


def test_a_timeout_kills_aider_and_is_an_error(aider_venv: Path, make_request: MakeRequest) -> None:
    agent = AiderAgent(model="gpt-4o-mini", mock_response=WHOLE_REPLY, timeout_s=0.5, venv=str(aider_venv))
    result = agent.implement(make_request())  # importing aider alone takes longer
    assert result.error == "aider timed out after 0.5 s"
    assert result.changed_files == ()


def test_an_evolve_run_scores_what_aider_edited(aider_venv: Path, tmp_path: Path) -> None:
    starting = tmp_path / "start"
    starting.mkdir()
    (starting / "main.py").write_text('print("SCORE: 0")\n')
    reply = 'main.py\n```python\nprint("SCORE: 7")\n```\n'
    solution = Tinkerer().evolve(
        "print a high SCORE",
        coding_agent="aider",
        coding_agent_params={"edit_format": "whole", "mock_response": reply, "venv": str(aider_venv)},
        search_strategy="linear_search",
        evaluator="regex_pattern",
        evaluator_params={"pattern": r"SCORE: (\d+)"},
        max_iterations=1,
        starting_repo=str(starting),
        run_dir=str(tmp_path / "run"),
        output_path=str(tmp_path / "out"),
        llm_params={"model": "gpt-4o-mini", "mock_responses": ("no ideas",)},  # aider uses the run's model
    )
    assert solution.score == 7
    assert solution.cost > 0  # aider's cost is the run's
    assert (solution.path / "main.py").read_text() == 'print("SCORE: 7")\n'


@pytest.mark.slow
def test_the_embedded_model_drives_aider_through_the_local_server(
    aider_venv: Path, workspace: Path, make_request: MakeRequest
) -> None:
    """Plumbing only: aider reaches the local model and a result comes back; never judged for quality."""
    from tinkerer_plugin_local_llm import LocalModelError, model_path

    try:
        model_path("smollm2-135m")
    except LocalModelError as error:
        pytest.skip(f"the embedded model is not installed: {error}")
    agent = AiderAgent(model="local/smollm2-135m", max_tokens=64, timeout_s=240, venv=str(aider_venv))
    result = agent.implement(make_request())
    assert "timed out" not in result.error and "without a result" not in result.error
    assert result.error in ("", NOTHING_CHANGED)
    assert "# Goal" in result.transcript  # aider's chat history came back
    assert result.prompt_tokens > 0
