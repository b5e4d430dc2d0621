"""The ``claude_code`` agent: ``claude -p <prompt> --output-format stream-json --verbose`` in the workspace."""

from __future__ import annotations

from collections.abc import Mapping

import chz

from tinkerer_core.validation import Rule, not_empty, one_of
from tinkerer_plugin_cli_agents.base import CLIAgent, present
from tinkerer_plugin_cli_agents.streams import ClaudeStream, StreamState

KEYS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN")
CLOUD_SWITCHES = ("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX")  # credentials then come via pass_env
PERMISSION_MODES = ("acceptEdits", "auto", "bypassPermissions", "default", "dontAsk")  # the CLI's modes that edit
TOOL_NAMES = Rule(
    "tool names (or rules like Bash(git:*)), none of them empty",
    test=lambda tools: all(isinstance(tool, str) and tool.strip() for tool in tools),
)


@chz.chz
class ClaudeCodeAgent(CLIAgent):
    """Anthropic's Claude Code CLI in print mode, editing with its own tools, streaming JSON events."""

    NAME = "claude_code"
    INSTALL = "npm install -g @anthropic-ai/claude-code"

    executable: str = chz.field(
        default="claude", validator=not_empty(), doc="the Claude Code CLI: a name looked up on PATH, or a path"
    )
    permission_mode: str = chz.field(
        default="acceptEdits",
        validator=one_of(*PERMISSION_MODES),
        doc="--permission-mode: acceptEdits (edits auto-approved, tools as allowed_tools say), auto, "
        "bypassPermissions, or default / dontAsk (only allowed_tools run); plan is refused: it never edits",
    )
    allowed_tools: tuple[str, ...] = chz.field(
        default=("Read", "Edit", "Write", "Bash", "Glob", "Grep"),
        validator=TOOL_NAMES,
        doc="--allowedTools: the tools that run without asking (nobody can answer in print mode)",
    )

    def arguments(self, prompt: str) -> list[str]:
        """``-p <prompt> --output-format stream-json --verbose`` plus permissions and the model."""
        args = ["-p", prompt, "--output-format", "stream-json", "--verbose", "--permission-mode", self.permission_mode]
        if self.allowed_tools:
            args += ["--allowedTools", ",".join(self.allowed_tools)]
        if self.model:
            args += ["--model", self.model]
        return args

    def credentials(self, environ: Mapping[str, str]) -> dict[str, str]:
        """An Anthropic API key or token from the environment (a cloud switch needs none)."""
        found = present(environ, KEYS)
        self.require(
            bool(found or present(environ, CLOUD_SWITCHES)),
            "ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN from `claude setup-token`) in the environment",
        )
        return found

    def new_stream(self) -> StreamState:
        """A reader for Claude Code's stream-json messages."""
        return ClaudeStream()
