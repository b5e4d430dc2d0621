"""A trivial real edit by each real CLI; skipped (with the reason printed) unless the CLI and a key are here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tinkerer_core import AgentRequest, create_component

REAL = {  # agent: (command, keys that let it run)
    "claude_code": ("claude", ("ANTHROPIC_API_KEY",)),
    "codex": ("codex", ("CODEX_API_KEY", "OPENAI_API_KEY")),
    "gemini": ("gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY")),
}


@pytest.mark.slow
@pytest.mark.parametrize("agent", sorted(REAL))
def test_a_real_cli_makes_a_trivial_edit(agent: str, tmp_path: Path) -> None:
    command, keys = REAL[agent]
    if not (shutil.which(command) and any(os.environ.get(key) for key in keys)):
        reason = f"real {command!r} CLI or {' / '.join(keys)} not available"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    (tmp_path / "main.py").write_text("print('hello')\n")
    request = AgentRequest(
        goal="main.py must print exactly: hello, world",
        workspace=tmp_path,
        idea="change the printed text",
        kind="improve",
        focus_files=("main.py",),
    )
    result = create_component("coding_agent", agent, {"timeout_s": 300}).implement(request)
    assert result.error == "", result.transcript[-3000:]
    assert "main.py" in result.changed_files
    assert "hello, world" in (tmp_path / "main.py").read_text()
    assert result.prompt_tokens > 0
