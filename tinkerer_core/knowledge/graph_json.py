"""A JSON graph (``{"nodes": [...], "edges": [...]}``, the kg_llm_navigation format) as wiki pages."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tinkerer_core.components import PAGE_TYPES, KnowledgePage
from tinkerer_core.errors import ConfigError
from tinkerer_core.knowledge.wiki import page_id

EDGE_TYPE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def graph_pages(path: Path) -> list[KnowledgePage]:
    """One page per node (id, name/title, type, description/content, domains), edges by source id."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"data_path {str(path)!r} is not a readable JSON graph: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise ConfigError(f'data_path {str(path)!r}: expected {{"nodes": [...], "edges": [...]}}')
    ids = {str(node.get("id")): _node_id(node) for node in data["nodes"] if isinstance(node, dict) and "id" in node}
    edges: dict[str, list[tuple[str, str]]] = {}
    for edge in data.get("edges", []):
        kind = str(edge.get("type") or edge.get("relation") or "related_to")
        if not EDGE_TYPE.match(kind):
            raise ConfigError(f"edge type {kind!r} in {path} is not an identifier (letters, digits, '_')")
        source, target = ids.get(str(edge.get("source"))), ids.get(str(edge.get("target")))
        if source and target:
            edges.setdefault(source, []).append((kind, target))
    return [
        _page(node, ids[str(node["id"])], edges.get(ids[str(node["id"])], []), str(path))
        for node in data["nodes"]
        if str(node.get("id")) in ids
    ]


def _node_id(node: dict[str, Any]) -> str:
    return page_id(_page_type(node), str(node.get("name") or node.get("title") or node["id"]))


def _page_type(node: dict[str, Any]) -> str:
    kind = str(node.get("type") or node.get("page_type") or "")
    return kind if kind in PAGE_TYPES else "Principle"


def _page(node: dict[str, Any], node_id: str, edges: list[tuple[str, str]], source: str) -> KnowledgePage:
    description = str(node.get("description") or node.get("overview") or "")
    content = str(node.get("content") or node.get("text") or description)
    domains = node.get("domains") or ([node["domain"]] if node.get("domain") else [])
    return KnowledgePage(
        id=node_id,
        title=str(node.get("name") or node.get("title") or node["id"]),
        page_type=_page_type(node),
        overview=description or content[:300],
        content=content,
        domains=tuple(str(d) for d in domains),
        edges=tuple(edges),
        source=source,
    )
