"""Optional LLM rerank of fused candidates: the model orders page ids; junk answers keep the fused order."""

from __future__ import annotations

import logging
from typing import Any

from tinkerer_core import LLM, LLMError

logger = logging.getLogger(__name__)
OVERVIEW_CHARS = 300


def rerank(query: str, candidates: list[tuple[str, float]], index: Any, llm: LLM | None) -> list[tuple[str, float]]:
    """``candidates`` reordered by the model's judgement of relevance to ``query``."""
    if llm is None:
        return candidates
    pages = index.pages(page_id for page_id, _ in candidates)
    listing = "\n".join(
        f"- {page_id}: {pages[page_id].title}: {pages[page_id].overview[:OVERVIEW_CHARS]}"
        for page_id, _ in candidates
        if page_id in pages
    )
    prompt = (
        f"Query: {query}\n\nPages:\n{listing}\n\n"
        'Order the page ids from most to least relevant to the query. Answer JSON: {"ids": ["...", ...]}'
    )
    known = {page_id for page_id, _ in candidates}

    def validate(answer: Any) -> list[str]:
        ids = answer.get("ids") if isinstance(answer, dict) else None
        if not isinstance(ids, list) or not ids or not set(ids) <= known:
            raise ValueError("ids must be a non-empty list of the given page ids")
        return list(dict.fromkeys(ids))

    try:
        order = llm.complete_json([{"role": "user", "content": prompt}], validate, purpose="kg_sqlite: rerank")
    except (LLMError, ValueError) as error:
        logger.warning("kg_sqlite rerank: keeping the fused order (%s)", error)
        return candidates
    scores = dict(candidates)
    rest = [page_id for page_id, _ in candidates if page_id not in order]
    return [(page_id, scores[page_id]) for page_id in [*order, *rest]]
