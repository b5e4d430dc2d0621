"""What is in a workspace: which files to hand aider (``tinkerer_core.workspace_files`` tells what changed)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

SKIP_DIRS = frozenset({".git", "__pycache__"})
CHAT_MAX_BYTES = 64 * 1024  # larger files are never added to aider's chat unasked
# fmt: off
SOURCE_SUFFIXES = frozenset({
    ".py", ".pyi", ".md", ".rst", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".json", ".sh", ".js", ".ts",
    ".tsx", ".jsx", ".html", ".css", ".c", ".h", ".cc", ".cpp", ".hpp", ".rs", ".go", ".java", ".kt", ".scala", ".rb",
    ".php", ".r", ".jl", ".sql", ".lua", ".swift", ".m", ".cs", ".zig", ".hs", ".ml", ".ex", ".exs",
})
# fmt: on
SOURCE_NAMES = frozenset({"Makefile", "Dockerfile", "requirements.txt", "pyproject.toml"})


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
