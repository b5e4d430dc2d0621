"""A stand-in for ``weaviate.WeaviateClient`` (no Weaviate server can run here): it records every call the
backend makes and answers with the SDK's own return shapes, searching stored vectors by cosine distance."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest


def cosine_distance(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return 1.0 - dot / norm if norm else 1.0


@dataclass
class RecordingCollection:
    name: str
    calls: list[tuple[str, Any]]
    objects: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = SimpleNamespace(delete_many=self._delete_many, insert_many=self._insert_many)
        self.query = SimpleNamespace(near_vector=self._near_vector, near_text=self._near_text)
        self.aggregate = SimpleNamespace(over_all=self._over_all)

    def _delete_many(self, where: Any) -> None:
        self.calls.append(("delete_many", where))
        ids = set(where.value)
        self.objects = {k: o for k, o in self.objects.items() if o.properties["page_id"] not in ids}

    def _insert_many(self, objects: list[Any]) -> Any:
        self.calls.append(("insert_many", objects))
        for obj in objects:
            self.objects[str(obj.uuid)] = obj
        return SimpleNamespace(errors={})

    def _near_vector(self, near_vector: list[float], limit: int, filters: Any, return_metadata: Any) -> Any:
        self.calls.append(("near_vector", {"near_vector": near_vector, "limit": limit, "filters": filters}))
        ranked = sorted(self.objects.values(), key=lambda o: cosine_distance(o.vector, near_vector))[:limit]
        return SimpleNamespace(
            objects=[
                SimpleNamespace(
                    properties=o.properties, metadata=SimpleNamespace(distance=cosine_distance(o.vector, near_vector))
                )
                for o in ranked
            ]
        )

    def _near_text(self, query: str, limit: int, filters: Any, return_metadata: Any) -> Any:
        self.calls.append(("near_text", {"query": query, "limit": limit, "filters": filters}))
        return SimpleNamespace(objects=[])

    def _over_all(self, total_count: bool) -> Any:
        return SimpleNamespace(total_count=len(self.objects))


@dataclass
class RecordingClient:
    calls: list[tuple[str, Any]] = field(default_factory=list)
    existing: dict[str, RecordingCollection] = field(default_factory=dict)
    closed: bool = False

    def __post_init__(self) -> None:
        self.collections = SimpleNamespace(
            exists=lambda name: name in self.existing, create=self._create, get=self.existing.__getitem__,
            delete=self._delete,
        )  # fmt: skip

    def _create(self, name: str, **config: Any) -> RecordingCollection:
        self.calls.append(("create", {"name": name, **config}))
        self.existing[name] = RecordingCollection(name, self.calls)
        return self.existing[name]

    def _delete(self, name: str) -> None:
        self.calls.append(("delete", name))
        del self.existing[name]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def client() -> RecordingClient:
    """A fresh recording stand-in for the Weaviate client."""
    return RecordingClient()
