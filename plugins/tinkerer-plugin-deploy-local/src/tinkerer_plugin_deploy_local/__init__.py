"""Tinkerer's local deployer: a solution's entry function served over HTTP on 127.0.0.1, or called in-process."""

from tinkerer_plugin_deploy_local.entry import Entry, EntryError, find_entry

__all__ = ["Entry", "EntryError", "find_entry"]
