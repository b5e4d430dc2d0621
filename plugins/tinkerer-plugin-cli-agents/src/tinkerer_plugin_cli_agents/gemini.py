"""The ``gemini`` agent: ``gemini -p <prompt> --output-format stream-json --approval-mode yolo`` in the workspace."""

from __future__ import annotations

from collections.abc import Mapping

import chz

from tinkerer_core.validation import not_empty, one_of
from tinkerer_plugin_cli_agents.base import CLIAgent, present
from tinkerer_plugin_cli_agents.streams import GeminiStream, StreamState

KEYS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


@chz.chz
class GeminiAgent(CLIAgent):
    """Google's Gemini CLI in headless mode, streaming JSON events."""

    NAME = "gemini"
    INSTALL = "npm install -g @google/gemini-cli"

    executable: str = chz.field(
        default="gemini", validator=not_empty(), doc="the Gemini CLI: a name looked up on PATH, or a path"
    )
    approval_mode: str = chz.field(
        default="yolo",
        validator=one_of("yolo", "auto_edit"),
        doc="--approval-mode: yolo (every tool runs) or auto_edit (edits only; shell commands are refused); "
        "default and plan are refused: headless, they cannot edit",
    )

    def arguments(self, prompt: str) -> list[str]:
        """``-p <prompt> --output-format stream-json --approval-mode <mode>`` plus the model."""
        args = ["-p", prompt, "--output-format", "stream-json", "--approval-mode", self.approval_mode]
        if self.model:
            args += ["--model", self.model]
        return args

    def credentials(self, environ: Mapping[str, str]) -> dict[str, str]:
        """GEMINI_API_KEY or GOOGLE_API_KEY from the environment."""
        found = present(environ, KEYS)
        self.require(bool(found), "GEMINI_API_KEY (or GOOGLE_API_KEY) in the environment")
        return found

    def new_stream(self) -> StreamState:
        """A reader for Gemini CLI's stream-json events."""
        return GeminiStream()
