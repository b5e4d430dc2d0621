"""Workspace files: safe relative paths, reading them as text (binaries told apart), and content snapshots
that tell what changed."""

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
BINARY_SNIFF_BYTES = 8000  # git's rule: a NUL byte among the first 8000 bytes makes a file binary
LEFT_OUT_NOTE = "Large file left out of git: "  # how an experiment's diff names each file too large to commit


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


def is_binary(data: bytes) -> bool:
    """Whether ``data`` is binary by git's rule: a NUL byte among its first 8000 bytes."""
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def decode_text(data: bytes) -> str | None:
    """``data`` as text (UTF-8, undecodable bytes replaced by U+FFFD), or None when it is binary."""
    return None if is_binary(data) else data.decode("utf-8", errors="replace")


def is_binary_file(path: Path) -> bool:
    """Whether the file at ``path`` is binary (only its first 8000 bytes are read)."""
    with open(path, "rb") as handle:
        return is_binary(handle.read(BINARY_SNIFF_BYTES))


def read_file_text(path: Path) -> str | None:
    """The text of the file at ``path`` (undecodable bytes replaced), or None when it is binary."""
    return decode_text(Path(path).read_bytes())


def read_text(workspace: Path, relative: str) -> str | None:
    """The text of a workspace file, or None when it does not exist or is binary (not text to show or edit);
    bytes that are not UTF-8 are replaced by U+FFFD. Raises ``UnsafePathError``."""
    target = safe_path(workspace, relative)
    return read_file_text(target) if target.is_file() else None


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
