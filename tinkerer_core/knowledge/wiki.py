"""Wiki pages as Markdown files: a small front matter, the overview, then content with typed links.

    ---
    id: Principle/lora_learning_rate
    title: Learning rate for LoRA
    type: Principle
    domains: llm_finetuning, peft
    source: https://github.com/huggingface/peft
    ---
    LoRA adapters train best at 1e-4 to 2e-4.

    Start at 2e-4 ... see [[uses::Implementation:peft_lora_config]].

A link ``[[edge::Type:Target]]`` is an edge of type ``edge`` to the page ``Type/Target``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from tinkerer_core.components import PAGE_TYPES, KnowledgePage
from tinkerer_core.errors import ConfigError
from tinkerer_core.workspace_files import read_file_text

LINK = re.compile(r"\[\[([A-Za-z_][A-Za-z0-9_]*)::([A-Za-z]+):([^\]\n]+?)\]\]")
SLUG = re.compile(r"[^A-Za-z0-9_.-]+")
WIKI_SUFFIXES = (".md", ".mediawiki")


def slug(text: str) -> str:
    """A file- and id-safe name: letters, digits, '_', '.', '-'."""
    return SLUG.sub("_", text.strip()).strip("_")[:80] or "page"


def page_id(page_type: str, name: str) -> str:
    return f"{page_type}/{slug(name)}"


def link(edge: str, target_id: str) -> str:
    """The link markup for an edge to ``target_id`` (``Type/Name``)."""
    page_type, _, name = target_id.partition("/")
    return f"[[{edge}::{page_type}:{name}]]"


def links(text: str) -> list[tuple[str, str]]:
    """The (edge type, target id) pairs linked from ``text``, in order, without repeats."""
    found = [(edge, page_id(kind, target)) for edge, kind, target in LINK.findall(text) if kind in PAGE_TYPES]
    return list(dict.fromkeys(found))


def to_markdown(page: KnowledgePage) -> str:
    """The page as a wiki file; its edges not already linked in the content are listed at the end."""
    linked = set(links(page.content))
    extra = [link(edge, target) for edge, target in page.edges if (edge, target) not in linked]
    related = "\n\n## Related\n" + "\n".join(f"- {item}" for item in extra) if extra else ""
    return (
        f"---\nid: {page.id}\ntitle: {page.title}\ntype: {page.page_type}\n"
        f"domains: {', '.join(page.domains)}\nsource: {page.source}\n---\n"
        f"{page.overview.strip()}\n\n{page.content.strip()}{related}\n"
    )


def from_markdown(text: str, fallback_id: str = "") -> KnowledgePage:
    """Parse a wiki file; raises ``ConfigError`` saying what is missing or wrong."""
    meta: dict[str, str] = {}
    body = text
    if text.startswith("---\n"):
        header, separator, body = text[4:].partition("\n---\n")
        if not separator:
            raise ConfigError("the front matter opened with --- is never closed with ---")
        for line in header.splitlines():
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip()
    page_type = meta.get("type", "")
    if page_type not in PAGE_TYPES:
        raise ConfigError(f"page type {page_type!r} is not one of {', '.join(PAGE_TYPES)}")
    title = meta.get("title") or fallback_id.rpartition("/")[2]
    overview, _, content = body.strip().partition("\n\n")
    return KnowledgePage(
        id=meta.get("id") or page_id(page_type, title),
        title=title,
        page_type=page_type,
        overview=overview.strip(),
        content=content.strip(),
        domains=tuple(d.strip() for d in meta.get("domains", "").split(",") if d.strip()),
        edges=tuple(links(body)),
        source=meta.get("source", ""),
    )


def write_pages(pages: Iterable[KnowledgePage], wiki_dir: Path) -> list[Path]:
    """Write each page to ``wiki_dir/<Type>/<name>.md`` and return the paths."""
    paths = []
    for page in pages:
        path = Path(wiki_dir) / f"{page.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(page), encoding="utf-8")
        paths.append(path)
    return paths


def read_wiki(wiki_dir: Path) -> list[KnowledgePage]:
    """Every page under ``wiki_dir``; a broken or binary file is reported by path (text that is not UTF-8 is
    read with replacement characters)."""
    wiki_dir = Path(wiki_dir)
    if not wiki_dir.is_dir():
        raise ConfigError(f"wiki_dir {str(wiki_dir)!r} is not a directory")
    pages = []
    for path in sorted(p for p in wiki_dir.rglob("*") if p.suffix in WIKI_SUFFIXES and p.is_file()):
        text = read_file_text(path)
        if text is None:
            raise ConfigError(f"{path}: a binary file, not a wiki page")
        try:
            pages.append(from_markdown(text, path.relative_to(wiki_dir).with_suffix("").as_posix()))
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None
    return pages
