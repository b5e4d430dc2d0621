"""Relationship types as validated Cypher identifiers, and parameter batches sized for the server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

IDENTIFIER = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
FALLBACK_TYPE = "RELATED"


def relationship_type(edge_type: str) -> str:
    """``edge_type`` as an upper-case identifier (``implemented by`` -> ``IMPLEMENTED_BY``), else ``RELATED``."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", edge_type).strip("_").upper()
    return name if IDENTIFIER.fullmatch(name) else FALLBACK_TYPE


def checked_identifier(name: str) -> str:
    """``name`` if it is safe to place in a query as a label or relationship type; else ValueError."""
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid relationship type: expected {IDENTIFIER.pattern}")
    return name


def param_bytes(value: Any) -> int:
    """The approximate size of ``value`` as a Bolt parameter."""
    return len(json.dumps(value, ensure_ascii=False).encode())


def batches(rows: Iterable[Any], max_bytes: int) -> Iterator[list[Any]]:
    """``rows`` grouped so that each group's parameters stay under ``max_bytes`` (a big row goes alone)."""
    batch: list[Any] = []
    size = 2  # the list's brackets; each row adds itself and a separator
    for row in rows:
        row_size = param_bytes(row) + 2
        if batch and size + row_size > max_bytes:
            yield batch
            batch, size = [], 2
        batch.append(row)
        size += row_size
    if batch:
        yield batch


def pieces(text: str, max_bytes: int) -> list[str]:
    """``text`` cut into pieces of at most ``max_bytes`` UTF-8 bytes, never inside a character."""
    out: list[str] = []
    piece: list[str] = []
    size = 0
    for char in text:
        width = len(char.encode())
        if piece and size + width > max_bytes:
            out.append("".join(piece))
            piece, size = [], 0
        piece.append(char)
        size += width
    if piece:
        out.append("".join(piece))
    return out
