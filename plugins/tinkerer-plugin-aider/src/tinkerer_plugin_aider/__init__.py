"""Tinkerer's ``aider`` coding agent: aider-chat, in its own virtual environment, driven through a subprocess.

``tinkerer_plugin_aider.setup`` creates that environment; ``tinkerer_plugin_aider.agent`` holds the agent.
Importing this package imports neither aider nor litellm.
"""
