"""Ship an experiment's workspace to another machine and bring its changes back (for executors).

A remote executor packs a worktree (without ``.git``, ``data`` and ``__pycache__``) into a tar
archive, unpacks it in a temporary directory on the worker, and returns ``Changes``: the files
that are new or different there, and the ones that were deleted. ``apply_changes`` writes them
into the local worktree and refuses paths that would leave it. An experiment run elsewhere in full
(``ExperimentJob.run_elsewhere``) brings its commits back as ``Changes`` too: the engine replays them.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

DATA_LINK = "data"  # where an experiment sees the run's data_dir, at the top of its workspace
SKIPPED_AT_TOP = frozenset({".git", DATA_LINK})
SKIPPED_ANYWHERE = frozenset({"__pycache__"})


@dataclass(frozen=True)
class Changes:
    """Files a worker changed: a tar of the new or different ones, the deleted ones, and those left behind."""

    archive: bytes = b""
    deleted: tuple[str, ...] = ()
    left_behind: tuple[str, ...] = ()  # changed, but over the size limit: not brought back

    @property
    def empty(self) -> bool:
        return not self.archive and not self.deleted


def workspace_files(root: Path) -> Iterator[str]:
    """The relative paths of the files and symlinks a workspace ships (directory symlinks are not followed)."""
    for directory, subdirs, files in os.walk(root):
        here = Path(directory)
        at_top = here == root
        kept = []
        for name in subdirs:
            skipped = name in SKIPPED_ANYWHERE or (at_top and name in SKIPPED_AT_TOP)
            if (here / name).is_symlink():
                if not skipped:
                    yield str((here / name).relative_to(root))
            elif not skipped:
                kept.append(name)
        subdirs[:] = sorted(kept)
        for name in sorted(files):
            if at_top and name in SKIPPED_AT_TOP:
                continue
            yield str((here / name).relative_to(root))


def digests(root: Path) -> dict[str, str]:
    """Each shipped file's content hash (a symlink's is its target), to tell later what changed."""
    found: dict[str, str] = {}
    for name in workspace_files(root):
        path = root / name
        try:
            if path.is_symlink():
                found[name] = "link:" + os.readlink(path)
            else:
                found[name] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        except OSError:
            continue
    return found


def pack(root: Path, names: list[str] | None = None) -> bytes:
    """A gzipped tar of ``names`` (default: every shipped file) under ``root``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for name in workspace_files(root) if names is None else names:
            tar.add(root / name, arcname=name, recursive=False)
    return buffer.getvalue()


def pack_directory(root: Path) -> bytes:
    """A gzipped tar of everything under ``root`` (a data directory: nothing skipped, links followed at the top)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for child in sorted(Path(root).resolve().iterdir()):
            tar.add(child, arcname=child.name)
    return buffer.getvalue()


def changes_since(root: Path, before: Mapping[str, str], max_bytes: int | None = None) -> Changes:
    """What changed under ``root`` since ``before`` (from ``digests``); files past ``max_bytes`` stay behind."""
    now = digests(root)
    changed = [name for name, digest in now.items() if before.get(name) != digest]
    kept: list[str] = []
    left: list[str] = []
    budget = max_bytes
    for name in changed:
        size = (root / name).lstat().st_size
        if budget is not None and size > budget:
            left.append(name)
            continue
        kept.append(name)
        if budget is not None:
            budget -= size
    deleted = tuple(sorted(set(before) - set(now)))
    return Changes(archive=pack(root, kept) if kept else b"", deleted=deleted, left_behind=tuple(left))


def unpack(archive: bytes, root: Path) -> list[str]:
    """Extract ``archive`` into ``root``, never writing outside it; returns the members refused."""
    root.mkdir(parents=True, exist_ok=True)
    refused: list[str] = []
    if not archive:
        return refused
    destination = str(root.resolve())
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        for member in tar.getmembers():
            target = root / member.name
            if _inside(target.parent, destination) and (target.is_symlink() or target.is_file()):
                target.unlink()  # replaced, never written through (it may be a link pointing anywhere)
            try:
                safe = tarfile.data_filter(member, destination)
            except tarfile.FilterError:
                refused.append(member.name)
                continue
            tar.extract(safe, destination, filter="data")
    return refused


def _inside(path: Path, root: str) -> bool:
    """Whether ``path``, links resolved, is ``root`` or lies under it."""
    return Path(os.path.realpath(path)).is_relative_to(root)


def apply_changes(root: Path, changes: Changes) -> list[str]:
    """Write ``changes`` into the worktree at ``root``; returns the paths refused (they would leave it)."""
    refused = unpack(changes.archive, root)
    inside = str(root.resolve())
    for name in changes.deleted:
        path = root / name
        if os.path.isabs(name) or not _inside(path.parent, inside):
            refused.append(name)
            continue
        if path.is_symlink() or path.is_file():
            path.unlink()
    return refused
