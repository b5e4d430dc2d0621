"""Knowledge context for an experiment: the pages most relevant to the goal and idea, within a budget."""

from __future__ import annotations

from tinkerer_core.components import KnowledgeBackend
from tinkerer_core.prompts import bounded

PAGE_CHARS = 1200


def knowledge_context(backend: KnowledgeBackend, query: str, top_k: int = 4, max_chars: int = 6000) -> str:
    """The top pages for ``query`` (overview and content) and the titles of pages linked to them."""
    sections = []
    for hit in backend.search(query, top_k=top_k):
        page = hit.page
        related = ", ".join(f"{p.title} ({p.page_type})" for p in hit.connected)
        text = f"## {page.title} [{page.page_type}]\n{page.overview}\n\n{bounded(page.content, PAGE_CHARS)}"
        sections.append(text + (f"\nRelated: {related}" if related else ""))
    return bounded("\n\n".join(sections), max_chars)
