"""Base models are placed in the Hugging Face hub cache under their names, so the SDK's and transformers'
lookups by name find them offline; a ref that names nothing is placed again, a model from the hub is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_plugin_tinker_local import catalog


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    return tmp_path / "hub" / f"models--{catalog.TINY_MODEL.replace('/', '--')}"


def test_the_tiny_model_is_found_by_name_and_an_empty_ref_is_placed_again(hub: Path) -> None:
    assert catalog.publish_to_hub_cache([catalog.TINY_MODEL]) == [catalog.TINY_MODEL]
    revision = (hub / "refs" / "main").read_text()
    assert (hub / "snapshots" / revision / "tokenizer_config.json").exists()
    (hub / "refs" / "main").write_text("")  # what a writer killed between truncating and writing left
    assert catalog.publish_to_hub_cache([catalog.TINY_MODEL]) == [catalog.TINY_MODEL]
    assert (hub / "refs" / "main").read_text() == revision
    assert sorted(p.name for p in (hub / "refs").iterdir()) == ["main"]  # no temporary file is left


def test_a_model_downloaded_from_the_hub_is_not_changed(hub: Path) -> None:
    (hub / "snapshots" / "abc123").mkdir(parents=True)
    (hub / "refs").mkdir()
    (hub / "refs" / "main").write_text("abc123")
    assert catalog.publish_to_hub_cache([catalog.TINY_MODEL]) == []
    assert (hub / "refs" / "main").read_text() == "abc123"
    assert [p.name for p in (hub / "snapshots").iterdir()] == ["abc123"]
