"""The ``.index`` file: which backend holds a knowledge graph and how to reopen it (the seed's format)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tinkerer_core.components import KnowledgeBackend
from tinkerer_core.config import create_component
from tinkerer_core.errors import ConfigError, UnknownComponentError

VERSION = "1.0"


def write_index(path: Path, backend_name: str, backend: KnowledgeBackend, data_source: str) -> Path:
    """Write the ``.index`` JSON for ``backend`` (registered as ``backend_name``) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "version": VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "data_source": data_source,
        "search_backend": backend_name,
        "backend_refs": backend.refs(),
        "page_count": backend.count(),
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def read_index(path: Path) -> dict[str, Any]:
    """The ``.index`` record; a clear error for a missing or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"kg_index {str(path)!r} does not exist; create it with Tinkerer().index_kg(...)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:  # not JSON, or not UTF-8
        raise ConfigError(f"kg_index {str(path)!r} is not valid JSON: {error}") from None
    missing = [key for key in ("search_backend", "backend_refs") if key not in record]
    if missing:
        raise ConfigError(f"kg_index {str(path)!r} lacks {', '.join(missing)}; rebuild it with index_kg(force=True)")
    return record


def open_index(path: Path) -> KnowledgeBackend:
    """The backend an ``.index`` file names, reopened from its refs."""

    record = read_index(path)
    try:
        return create_component("knowledge_backend", record["search_backend"], record["backend_refs"])
    except UnknownComponentError as error:
        raise ConfigError(f"kg_index {str(path)!r}: {error}") from None
