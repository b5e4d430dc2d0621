"""A JSON graph as wiki pages: the seed's kg_llm_navigation format, ``{"nodes": {id: {name, type, content}},
"edges": [{source, target, relationship}]}``, or ``nodes`` as a list of objects with an ``id``."""

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
    except (OSError, ValueError) as error:  # ValueError: not JSON, or not UTF-8
        raise ConfigError(f"data_path {str(path)!r} is not a readable JSON graph: {error}") from None
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if isinstance(nodes, dict):  # the seed's form: nodes keyed by id
        nodes = [{"id": key, **value} for key, value in nodes.items() if isinstance(value, dict)]
    if not isinstance(nodes, list):
        raise ConfigError(f'data_path {str(path)!r}: expected {{"nodes": {{id: {{...}}}} or [...], "edges": [...]}}')
    ids = {str(node.get("id")): _node_id(node) for node in nodes if isinstance(node, dict) and "id" in node}
    edges: dict[str, list[tuple[str, str]]] = {}
    for edge in data.get("edges", []):
        kind = str(edge.get("relationship") or edge.get("type") or edge.get("relation") or "related_to")
        if not EDGE_TYPE.match(kind):
            raise ConfigError(f"edge type {kind!r} in {path} is not an identifier (letters, digits, '_')")
        source, target = ids.get(str(edge.get("source"))), ids.get(str(edge.get("target")))
        if source and target:
            edges.setdefault(source, []).append((kind, target))
    return [
        _page(node, ids[str(node["id"])], edges.get(ids[str(node["id"])], []), str(path))
        for node in nodes
        if str(node.get("id")) in ids
    ]


def _node_id(node: dict[str, Any]) -> str:
    return page_id(_page_type(node), str(node.get("name") or node.get("title") or node["id"]))


def _page_type(node: dict[str, Any]) -> str:
    kind = str(node.get("type") or node.get("page_type") or "")
    return kind if kind in PAGE_TYPES else "Principle"


def _page(node: dict[str, Any], node_id: str, edges: list[tuple[str, str]], source: str) -> KnowledgePage:
    content = str(node.get("content") or node.get("text") or node.get("description") or "")
    description = str(node.get("description") or node.get("overview") or content.split("\n", 1)[0])
    domains = list(node.get("domains") or ([node["domain"]] if node.get("domain") else []))
    kind = str(node.get("type") or "")
    if kind and kind not in PAGE_TYPES:  # the seed's own node types (technique, specialization ...) stay findable
        domains.append(kind)
    return KnowledgePage(
        id=node_id,
        title=str(node.get("name") or node.get("title") or node["id"]),
        page_type=_page_type(node),
        overview=description[:300],
        content=content,
        domains=tuple(str(d) for d in domains),
        edges=tuple(edges),
        source=source,
    )
