"""Workspace files: safe relative paths, reading them, and content snapshots that tell what changed."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SKIPPED_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
HASH_LIMIT_BYTES = 64 * 1024 * 1024  # bigger files (data) are compared by size and mtime only
CHUNK_BYTES = 1024 * 1024


class UnsafePathError(ValueError):
    """A path that could leave the workspace or touch ``.git``; the message says why."""


def safe_path(workspace: Path, relative: str) -> Path:
    """The file ``relative`` names inside ``workspace``; raises for paths that could leave it or touch ``.git``."""
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith(("/", "~")) or "\\" in relative or ".." in parts or ".git" in parts:
        raise UnsafePathError(
            f"unsafe path {relative!r}: use a relative path inside the workspace, without '..' or .git"
        )
    root = workspace.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or target == root or ".git" in target.relative_to(root).parts:
        raise UnsafePathError(f"unsafe path {relative!r}: it leads outside the workspace")
    return target


def read_text(workspace: Path, relative: str) -> str | None:
    """The content of a workspace file, or None when it does not exist; raises ``UnsafePathError``."""
    target = safe_path(workspace, relative)
    return target.read_text(encoding="utf-8", errors="replace") if target.is_file() else None


@dataclass(frozen=True)
class FileState:
    """A file's stat signature and content digest."""

    signature: tuple[int, int, int]  # size, mtime_ns, inode
    digest: str


Snapshot = dict[str, FileState]


def snapshot(root: Path, previous: Mapping[str, FileState] | None = None) -> Snapshot:
    """Every file under ``root`` (relative POSIX path -> state), skipping ``.git`` and caches.

    Symlinked directories are not followed; a symlink counts by its target path. A file whose
    stat signature equals its entry in ``previous`` keeps that digest instead of being re-read.
    """
    previous = previous or {}
    files: Snapshot = {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if name not in SKIPPED_DIRS)
        for name in filenames:
            path = os.path.join(directory, name)
            relative = Path(path).relative_to(root).as_posix()
            try:
                info = os.lstat(path)
                signature = (info.st_size, info.st_mtime_ns, info.st_ino)
                known = previous.get(relative)
                if known is not None and known.signature == signature:
                    files[relative] = known
                elif stat.S_ISLNK(info.st_mode):
                    files[relative] = FileState(signature, "link:" + os.readlink(path))
                elif stat.S_ISREG(info.st_mode):
                    files[relative] = FileState(signature, _digest(path, info.st_size, info.st_mtime_ns))
            except OSError:  # vanished or unreadable between listing and reading
                continue
    return files


def changed_files(root: Path, before: Mapping[str, FileState]) -> list[str]:
    """The files under ``root`` created, deleted or whose content differs from ``before``, sorted."""
    return changed_between(before, snapshot(root, before))


def changed_between(before: Mapping[str, FileState], after: Mapping[str, FileState]) -> list[str]:
    """The paths created, modified or deleted between two snapshots, sorted."""
    paths = before.keys() | after.keys()
    return sorted(path for path in paths if _digest_of(before, path) != _digest_of(after, path))


def _digest_of(files: Mapping[str, FileState], path: str) -> str | None:
    state = files.get(path)
    return state.digest if state else None


def _digest(path: str, size: int, mtime_ns: int) -> str:
    if size > HASH_LIMIT_BYTES:
        return f"stat:{size}:{mtime_ns}"
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            sha.update(chunk)
    return sha.hexdigest()
