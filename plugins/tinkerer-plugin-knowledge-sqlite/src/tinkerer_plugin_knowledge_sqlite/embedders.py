"""The embedders a kg_sqlite index can use, by name."""

from __future__ import annotations

from typing import Any

from tinkerer_core import ConfigError, MissingPluginError

EMBEDDERS = ("static", "sentence_transformers", "none")


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 itself through sentence-transformers (opt-in: slower, a little more accurate)."""

    def __init__(self) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise MissingPluginError(
                "embedder sentence_transformers needs the package: pip install sentence-transformers"
            ) from None
        from tinkerer_plugin_knowledge_sqlite.static_embedder import source_model_dir

        self.model = SentenceTransformer(str(source_model_dir()), device="cpu")
        self.dimensions = int(self.model.get_sentence_embedding_dimension())
        self.name = "sentence_transformers:all-MiniLM-L6-v2"

    def embed(self, texts: list[str]) -> Any:
        return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype("float32")


def make_embedder(name: str) -> Any:
    """The embedder called ``name`` (None for ``none``: keyword search only)."""
    if name == "static":
        from tinkerer_plugin_knowledge_sqlite.static_embedder import StaticEmbedder

        return StaticEmbedder()
    if name == "sentence_transformers":
        return SentenceTransformerEmbedder()
    if name == "none":
        return None
    raise ConfigError(f"unknown embedder {name!r}; choose one of: {', '.join(EMBEDDERS)}")
