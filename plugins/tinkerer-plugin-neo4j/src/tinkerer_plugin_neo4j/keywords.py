"""Query keywords, and how many of them a text contains."""

from __future__ import annotations

import re
from collections.abc import Sequence

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "for",
        "from",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "use",
        "using",
        "what",
        "when",
        "which",
        "with",
        "without",
    ]
)


def keywords(query: str) -> list[str]:
    """The distinct lower-case words of ``query`` worth matching: three letters or more, no stopwords."""
    words = re.findall(r"[a-z0-9_][a-z0-9_\-.]{2,}", query.lower())
    return list(dict.fromkeys(word for word in words if word not in STOPWORDS))


def keyword_hits(text: str, terms: Sequence[str]) -> int:
    """How many of ``terms`` occur in ``text`` (case-insensitive)."""
    lowered = text.lower()
    return sum(term in lowered for term in terms)
