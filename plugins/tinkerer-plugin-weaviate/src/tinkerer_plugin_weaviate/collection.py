"""The seed's Weaviate collection of wiki pages: schema, upserts in batches, near-vector / near-text queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tinkerer_core import KnowledgePage

TEXT_PROPERTIES = ("page_id", "page_title", "page_type", "overview", "content")


def page_properties(page: KnowledgePage) -> dict[str, Any]:
    """The seed's properties of ``page``."""
    return {
        "page_id": page.id,
        "page_title": page.title,
        "page_type": page.page_type,
        "overview": page.overview,
        "content": page.content,
        "domains": list(page.domains),
    }


def weaviate_filters(filters: Mapping[str, Any] | None) -> Any:
    """A Weaviate filter for ``page_types`` / ``domains``, or None."""
    from weaviate.classes.query import Filter

    filters = filters or {}
    unknown = set(filters) - {"page_types", "domains"}
    if unknown:
        raise ValueError(f"unknown filters {sorted(unknown)}: use page_types and/or domains")
    parts = []
    if filters.get("page_types"):
        parts.append(Filter.by_property("page_type").contains_any(list(filters["page_types"])))
    if filters.get("domains"):
        parts.append(Filter.by_property("domains").contains_any(list(filters["domains"])))
    return Filter.all_of(parts) if len(parts) > 1 else (parts[0] if parts else None)


class WeaviateCollection:
    """One collection (the index's namespace) in a Weaviate server reached through ``connect()``."""

    def __init__(self, connect: Callable[[], Any], name: str, vectorizer: str = "", batch_size: int = 100) -> None:
        self._connect, self.name, self.vectorizer, self.batch_size = connect, name, vectorizer, batch_size
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def attach(self, client: Any) -> None:
        """Use an already connected ``weaviate.WeaviateClient`` instead of connecting on first use."""
        self._client = client

    def _vector_config(self) -> Any:
        from weaviate.classes.config import Configure

        if not self.vectorizer:
            return Configure.Vectors.self_provided()
        factory = getattr(Configure.Vectors, self.vectorizer.replace("-", "_"), None)
        if factory is None or self.vectorizer.startswith("_"):
            raise ValueError(f"unknown Weaviate vectorizer {self.vectorizer!r}: e.g. text2vec-openai, or '' for ours")
        return factory(source_properties=["overview"])

    def ensure(self) -> Any:
        """The collection, created with the seed's schema when missing."""
        from weaviate.classes.config import DataType, Property

        if not self.client.collections.exists(self.name):
            properties = [Property(name=name, data_type=DataType.TEXT) for name in TEXT_PROPERTIES]
            properties.append(Property(name="domains", data_type=DataType.TEXT_ARRAY))
            self.client.collections.create(self.name, properties=properties, vector_config=self._vector_config())
        return self.client.collections.get(self.name)

    def upsert(self, pages: Sequence[KnowledgePage], vectors: Sequence[Sequence[float]] | None) -> int:
        """Replace ``pages`` (by deterministic uuid from the page id) in batches of ``batch_size``."""
        from weaviate.classes.data import DataObject
        from weaviate.classes.query import Filter
        from weaviate.util import generate_uuid5

        collection = self.ensure()
        for start in range(0, len(pages), self.batch_size):
            chunk = pages[start : start + self.batch_size]
            collection.data.delete_many(where=Filter.by_property("page_id").contains_any([p.id for p in chunk]))
            objects = [
                DataObject(
                    properties=page_properties(page),
                    uuid=generate_uuid5(page.id),
                    vector=list(vectors[start + offset]) if vectors is not None else None,
                )
                for offset, page in enumerate(chunk)
            ]
            result = collection.data.insert_many(objects)
            if result.errors:
                first = next(iter(result.errors.values()))
                raise RuntimeError(f"Weaviate rejected {len(result.errors)} page(s) of {self.name}: {first}")
        return len(pages)

    def query(
        self, text: str, vector: Sequence[float] | None, limit: int, filters: Mapping[str, Any] | None
    ) -> list[tuple[dict[str, Any], float]]:
        """(properties, similarity) of the nearest pages: by our vector, or by the server's vectorizer."""
        from weaviate.classes.query import MetadataQuery

        if not self.client.collections.exists(self.name):
            return []
        collection = self.client.collections.get(self.name)
        options = {
            "limit": limit,
            "filters": weaviate_filters(filters),
            "return_metadata": MetadataQuery(distance=True),
        }
        if vector is not None:
            response = collection.query.near_vector(near_vector=list(vector), **options)
        else:
            response = collection.query.near_text(query=text, **options)
        return [(dict(obj.properties), 1.0 - (obj.metadata.distance or 0.0)) for obj in response.objects]

    def count(self) -> int:
        if not self.client.collections.exists(self.name):
            return 0
        return self.client.collections.get(self.name).aggregate.over_all(total_count=True).total_count

    def clear(self) -> None:
        """Delete this collection, and nothing else."""
        if self.client.collections.exists(self.name):
            self.client.collections.delete(self.name)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
