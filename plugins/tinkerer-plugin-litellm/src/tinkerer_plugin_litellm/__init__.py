"""Tinkerer's LLM gateway over litellm, and the ``llm_edit`` coding agent."""
