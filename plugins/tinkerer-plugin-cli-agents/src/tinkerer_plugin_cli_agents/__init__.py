"""Coding agents that drive vendor CLIs (Claude Code, Codex, Gemini) non-interactively in a workspace."""
