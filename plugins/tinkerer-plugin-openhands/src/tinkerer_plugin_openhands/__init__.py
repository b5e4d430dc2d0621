"""Tinkerer's ``openhands`` coding agent: the OpenHands software-agent SDK in its own virtual environment.

``setup`` creates that environment, ``agent`` holds the agent, ``driver`` runs inside the environment and
``confine`` keeps every write of the driver and its tools inside the worktree. Importing this package imports
neither OpenHands nor litellm.
"""
