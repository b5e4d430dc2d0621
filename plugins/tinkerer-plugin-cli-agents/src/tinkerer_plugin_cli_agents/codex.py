"""The ``codex`` agent: ``codex exec --json --sandbox workspace-write <prompt>`` in the workspace."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import chz

from tinkerer_core.validation import not_empty, one_of
from tinkerer_plugin_cli_agents.base import CLIAgent, present
from tinkerer_plugin_cli_agents.streams import CodexStream, StreamState

API_KEY = "CODEX_API_KEY"  # what `codex exec` reads for one invocation
OPENAI_KEY = "OPENAI_API_KEY"  # not read by codex itself; passed on as CODEX_API_KEY when there is no login


def login_file(environ: Mapping[str, str]) -> Path:
    """Where ``codex login`` keeps its credentials: ``$CODEX_HOME/auth.json``, else ``~/.codex/auth.json``."""
    home = environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")
    return Path(home) / "auth.json"


@chz.chz
class CodexAgent(CLIAgent):
    """OpenAI's Codex CLI in exec mode, sandboxed to the workspace, streaming JSON events."""

    NAME = "codex"
    INSTALL = "npm install -g @openai/codex"

    executable: str = chz.field(
        default="codex", validator=not_empty(), doc="the Codex CLI: a name looked up on PATH, or a path"
    )
    sandbox: str = chz.field(
        default="workspace-write",
        validator=one_of("workspace-write", "danger-full-access"),
        doc="--sandbox: workspace-write (edit the workspace, run commands) or danger-full-access; read-only is "
        "refused: it cannot edit",
    )

    def arguments(self, prompt: str) -> list[str]:
        """``exec --json --sandbox <mode> --skip-git-repo-check`` plus the model, then the prompt."""
        args = ["exec", "--json", "--sandbox", self.sandbox, "--skip-git-repo-check"]
        if self.model:
            args += ["--model", self.model]
        return [*args, prompt]

    def credentials(self, environ: Mapping[str, str]) -> dict[str, str]:
        """CODEX_API_KEY; else the ``codex login``; else OPENAI_API_KEY, passed on as CODEX_API_KEY."""
        found = present(environ, (API_KEY, OPENAI_KEY))
        logged_in = login_file(environ).is_file()
        self.require(
            bool(found) or logged_in,
            f"{API_KEY} or {OPENAI_KEY} in the environment, or a `codex login` ({login_file(environ)})",
        )
        if API_KEY not in found and OPENAI_KEY in found and not logged_in:
            found[API_KEY] = found[OPENAI_KEY]
        return found

    def new_stream(self) -> StreamState:
        """A reader for ``codex exec --json`` thread events."""
        return CodexStream()
