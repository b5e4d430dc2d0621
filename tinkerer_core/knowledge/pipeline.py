"""``KnowledgePipeline``: sources -> wiki pages (written as Markdown) -> merged into a knowledge backend."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tinkerer_core.components import KnowledgeBackend, KnowledgePage
from tinkerer_core.errors import ConfigError
from tinkerer_core.knowledge import sources
from tinkerer_core.knowledge.wiki import links, slug, write_pages
from tinkerer_core.llm import LLM
from tinkerer_core.types import Solution, Source


def repo_cache_dir() -> Path:
    base = os.environ.get("TINKERER_CACHE") or Path.home() / ".cache" / "tinkerer"
    return Path(base) / "repos"


@dataclass(frozen=True)
class PipelineResult:
    """What one ``run`` extracted, where it wrote the pages, and how many the backend took."""

    pages: list[KnowledgePage]
    paths: list[Path]
    merged: int = 0
    sources: list[str] = field(default_factory=list)

    @property
    def total_pages_extracted(self) -> int:
        return len(self.pages)


class KnowledgePipeline:
    """Extracts wiki pages from sources into ``wiki_dir`` and merges them into ``backend``."""

    def __init__(
        self, wiki_dir: str | Path = "data/wikis", backend: KnowledgeBackend | None = None, llm: LLM | None = None
    ) -> None:
        self.wiki_dir = Path(wiki_dir)
        self.backend = backend
        self.llm = llm  # used where parsing cannot say it: the lessons of a solution

    def run(self, *items: Any, skip_merge: bool = False) -> PipelineResult:
        """Extract pages from every source; merge them unless ``skip_merge`` (or no backend is given)."""
        pages: list[KnowledgePage] = []
        for item in items:
            pages += [_with_linked_edges(page) for page in extract(item, self.llm)]
        paths = write_pages(pages, self.wiki_dir)
        merged = 0 if skip_merge or self.backend is None else self.backend.index(pages)
        return PipelineResult(pages, paths, merged, [describe(item) for item in items])


def extract(item: Any, llm: LLM | None = None) -> list[KnowledgePage]:
    """The pages one source yields; a clear error for something that is not a source."""
    if isinstance(item, Source.Repo):
        root = sources.repo_checkout(item, repo_cache_dir())
        name = slug(item.url.rstrip("/").rpartition("/")[2].removesuffix(".git")) or root.name
        return sources.repo_pages(root, name, item.url)
    if isinstance(item, Source.File):
        return sources.file_pages(Path(item.path))
    if isinstance(item, Source.Paper):
        return sources.paper_pages(item.location)
    if isinstance(item, Source.Research):
        return sources.research_pages(item)
    if isinstance(item, Source.Solution | Solution):
        return sources.solution_pages(item.solution if isinstance(item, Source.Solution) else item, llm)
    raise ConfigError(
        f"cannot learn from {type(item).__name__}: pass Source.Repo, Source.File, Source.Paper, "
        "Source.Solution or a research result"
    )


def describe(item: Any) -> str:
    for attribute in ("url", "path", "location", "objective"):
        if hasattr(item, attribute):
            return f"{type(item).__name__}({getattr(item, attribute)})"
    return type(item).__name__


def _with_linked_edges(page: KnowledgePage) -> KnowledgePage:
    return replace(page, edges=tuple(dict.fromkeys([*page.edges, *links(page.content)])))
