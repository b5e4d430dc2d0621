"""What is in a workspace: which files to hand aider, and which files changed (by content, not exit code)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

SKIP_DIRS = frozenset({".git", "__pycache__"})
HASH_MAX_BYTES = 16 * 1024 * 1024  # larger files are compared by size and mtime
CHAT_MAX_BYTES = 64 * 1024  # larger files are never added to aider's chat unasked
# fmt: off
SOURCE_SUFFIXES = frozenset({
    ".py", ".pyi", ".md", ".rst", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".json", ".sh", ".js", ".ts",
    ".tsx", ".jsx", ".html", ".css", ".c", ".h", ".cc", ".cpp", ".hpp", ".rs", ".go", ".java", ".kt", ".scala", ".rb",
    ".php", ".r", ".jl", ".sql", ".lua", ".swift", ".m", ".cs", ".zig", ".hs", ".ml", ".ex", ".exs",
})
# fmt: on
SOURCE_NAMES = frozenset({"Makefile", "Dockerfile", "requirements.txt", "pyproject.toml"})

Fingerprint = tuple[int, int, str]  # size, mtime_ns, content digest ("" when too large to hash)


def is_safe_relative(path: str) -> bool:
    """Whether ``path`` is relative, stays inside the workspace and is not under ``.git``."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and ".git" not in pure.parts


def _walk(root: Path) -> Iterable[tuple[str, Path]]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(name for name in dirs if name not in SKIP_DIRS)
        for name in sorted(names):
            path = Path(folder, name)
            yield path.relative_to(root).as_posix(), path


def _digest(path: Path, size: int) -> str:
    if path.is_symlink():
        return "link:" + os.readlink(path)
    if size > HASH_MAX_BYTES:
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(root: Path) -> dict[str, Fingerprint]:
    """Every file under ``root`` (but ``.git`` and ``__pycache__``) with its size, mtime and content digest."""
    files: dict[str, Fingerprint] = {}
    for relative, path in _walk(root):
        try:
            stat = path.lstat()
            files[relative] = (stat.st_size, stat.st_mtime_ns, _digest(path, stat.st_size))
        except OSError:
            continue
    return files


def changed_files(root: Path, before: Mapping[str, Fingerprint]) -> list[str]:
    """The files under ``root`` created, deleted or whose content differs from ``before``."""
    after = snapshot(root)
    changed = {path for path in before.keys() - after.keys()}
    for path, (size, mtime_ns, digest) in after.items():
        old = before.get(path)
        if old is None:
            changed.add(path)
        elif digest or old[2]:
            if digest != old[2]:
                changed.add(path)
        elif (size, mtime_ns) != old[:2]:
            changed.add(path)
    return sorted(changed)


def chat_candidates(root: Path, limit: int) -> list[str]:
    """Up to ``limit`` small source files of ``root`` (no hidden ones), for aider's chat when none is named."""
    chosen: list[str] = []
    for relative, path in _walk(root):
        if len(chosen) >= limit:
            break
        if any(part.startswith(".") for part in PurePosixPath(relative).parts):
            continue
        if path.suffix.lower() not in SOURCE_SUFFIXES and path.name not in SOURCE_NAMES:
            continue
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > CHAT_MAX_BYTES:
                continue
            if b"\0" in path.read_bytes()[:8192]:
                continue
        except OSError:
            continue
        chosen.append(relative)
    return chosen
