"""Registers the ``claude_code``, ``codex`` and ``gemini`` coding agents with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl
from tinkerer_plugin_cli_agents.claude_code import ClaudeCodeAgent
from tinkerer_plugin_cli_agents.codex import CodexAgent
from tinkerer_plugin_cli_agents.gemini import GeminiAgent


@hookimpl
def tinkerer_register_coding_agents(register: Any) -> None:
    """Register the three CLI coding agents."""
    register("claude_code", ClaudeCodeAgent)
    register("codex", CodexAgent)
    register("gemini", GeminiAgent)
