"""Errors that carry a message meant for the user; the CLI prints them without a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TinkererError(Exception):
    """An error the user can fix; its message says what was wrong and what would be right."""


class ConfigError(TinkererError):
    """A configuration value is missing, unknown or of the wrong type."""


class UnknownComponentError(ConfigError):
    """No installed plugin provides a component of that name; the message lists those that do."""

    def __init__(self, kind_label: str, plural_label: str, name: str, installed: Iterable[str]) -> None:
        names = sorted(installed)
        listing = ", ".join(names) if names else "none (install a plugin that provides one)"
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        super().__init__(f"unknown {kind_label} {name!r}; installed {plural_label}: {listing}{hint}")
        self.name = name
        self.installed = names


class MissingPluginError(TinkererError):
    """A feature needs a kind of plugin that is not installed."""


class DiskFullError(TinkererError):
    """The disk that holds a run directory is full: the run stopped, and resumes once space is back."""
