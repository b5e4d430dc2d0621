"""The workspace's source files as one bounded text, for an LLM to read."""

from __future__ import annotations

import os
from pathlib import Path

SOURCE_SUFFIXES = frozenset({".py", ".sh", ".js", ".ts", ".go", ".rs", ".java", ".c", ".cc", ".cpp", ".h"})
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "venv", "site-packages"})


def source_files(workspace: Path) -> list[Path]:
    """Source files under ``workspace``, sorted; skips symlinks, hidden and dependency folders."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(workspace):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        paths = (Path(folder, name) for name in files)
        found += [p for p in paths if p.suffix in SOURCE_SUFFIXES and p.is_file() and not p.is_symlink()]
    return sorted(found)


def workspace_sources(workspace: Path, max_chars: int = 20_000) -> str:
    """Each source file under a ``--- path ---`` header, cut off after ``max_chars`` characters in all."""
    parts: list[str] = []
    budget = max_chars
    files = source_files(workspace)
    for index, path in enumerate(files):
        if budget <= 0:
            parts.append(f"[{len(files) - index} more files not shown]")
            break
        text = path.read_text(encoding="utf-8", errors="replace")
        section = f"--- {path.relative_to(workspace)} ---\n{text}"
        if len(section) > budget:
            section = section[:budget] + "\n[cut]"
        parts.append(section)
        budget -= len(section)
    return "\n".join(parts)
