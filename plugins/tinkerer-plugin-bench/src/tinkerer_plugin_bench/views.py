"""Where suites keep their prepared data, and the contestant's view a run's solutions see as ``./data``.

A view is a folder of its own, away from the private answers: a solution's ``data`` link (or ``data/..``)
leads nowhere near them. Its files are copies of the public files, or for large data sets (MLE-bench's) hard
links where both sit on one file system: no second copy, no path back to where they came from.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

DATA_ENV = "TINKERER_BENCH_DATA"  # where suites prepare their data (default: ~/.cache/tinkerer/bench)


def data_root(suite: str, configured: str | None = None) -> Path:
    """The folder a suite prepares its problems in: ``configured``, else ``$TINKERER_BENCH_DATA/<suite>``,
    else the user's cache."""
    if configured:
        return Path(configured).expanduser().resolve()
    base = (
        os.environ.get(DATA_ENV)
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tinkerer" / "bench"
    )
    return (Path(base) / suite).expanduser().resolve()


def shared_root(suite: str, configured: str | None = None) -> Path:
    """What a suite hides from solutions: its own ``configured`` folder, else the folder every suite prepares in
    (a solution of one suite must not read another's answers either)."""
    return data_root(suite, configured) if configured else data_root(suite).parent


def stage_view(public: Path, view: Path, hard_links: bool = False) -> Path:
    """Fill ``view`` with copies of ``public``'s files (``hard_links``: links where the file system allows, for
    large data; solutions then write through them unless sealed read-only) and return it; a view is kept."""
    if view.is_dir() and any(view.iterdir()):
        return view
    view.mkdir(parents=True, exist_ok=True)
    for source in sorted(public.rglob("*")):
        target = view / source.relative_to(public)
        if source.is_dir():
            target.mkdir(exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not hard_links:
                raise OSError("copies asked for")
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
    return view


def prepare_once(folder: Path, build: Callable[[Path], None]) -> Path:
    """``folder``, built by ``build(tmp)`` into a fresh sibling then renamed into place (once: two runs preparing
    at the same time leave one complete folder)."""
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        build(scratch)
        with contextlib.suppress(FileExistsError, OSError):
            scratch.rename(folder)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch)
    return folder
