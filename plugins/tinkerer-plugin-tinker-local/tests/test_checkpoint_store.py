"""The checkpoint store on disk: expiry and its clean-up, the public flag, copies that share their files."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tinkerer_plugin_tinker_local.checkpoints import CheckpointError, CheckpointStore


def _store_with_checkpoint(root: Path, ttl_seconds: int | None = None) -> tuple[CheckpointStore, str]:
    store = CheckpointStore(root)
    store.create_run("run-1", {"base_model": "tinkerer/tiny-chat", "lora_config": {"rank": 4}})
    path = store.new("run-1", "sampler", "step-1")
    (store.directory(path) / "adapter.safetensors").write_bytes(b"weights")
    store.finish(path, {"step": "1"}, ttl_seconds)
    return store, str(path)


def _age(store: CheckpointStore, tinker_path: str, seconds: float) -> None:
    """Move a checkpoint's expiry ``seconds`` into the past, as time passing would."""
    _path, directory = store.existing(tinker_path)
    meta = json.loads((directory / "meta.json").read_text())
    meta["expires_at"] = time.time() - seconds
    (directory / "meta.json").write_text(json.dumps(meta))


def test_an_expired_checkpoint_is_gone_and_its_files_deleted(tmp_path: Path) -> None:
    store, path = _store_with_checkpoint(tmp_path, ttl_seconds=3600)
    assert store.meta(store.existing(path)[0])["expires_at"] == pytest.approx(time.time() + 3600, abs=5)
    directory = store.existing(path)[1]
    _age(store, path, 1)
    assert store.checkpoints("run-1") == []
    assert not directory.exists()
    with pytest.raises(CheckpointError, match="no checkpoint"):
        store.existing(path)


def test_the_sweep_deletes_every_expired_checkpoint_and_keeps_the_others(tmp_path: Path) -> None:
    store, expiring = _store_with_checkpoint(tmp_path, ttl_seconds=3600)
    kept = store.new("run-1", "training", "kept")
    store.finish(kept, None, None)
    _age(store, expiring, 10)
    assert store.expire() == [expiring]
    assert [c["tinker_path"] for c in store.checkpoints("run-1")] == [str(kept)]


def test_ttl_is_set_cleared_and_bounded(tmp_path: Path) -> None:
    store, path = _store_with_checkpoint(tmp_path)
    store.set_ttl(path, 7200)
    assert store.meta(store.existing(path)[0])["expires_at"] == pytest.approx(time.time() + 7200, abs=5)
    store.set_ttl(path, None)
    assert store.meta(store.existing(path)[0])["expires_at"] is None
    for wrong in (0, 59, 3599, 10 * 366 * 24 * 3600):
        with pytest.raises(CheckpointError, match="between 3600"):
            store.set_ttl(path, wrong)


def test_publishing_is_a_flag_and_twice_is_refused(tmp_path: Path) -> None:
    store, path = _store_with_checkpoint(tmp_path)
    store.set_public(path, True)
    assert store.meta(store.existing(path)[0])["public"]
    with pytest.raises(CheckpointError, match="already public"):
        store.set_public(path, True)
    store.set_public(path, False)
    with pytest.raises(CheckpointError, match="already private"):
        store.set_public(path, False)


def test_a_copy_shares_its_files_and_outlives_its_source(tmp_path: Path) -> None:
    store, path = _store_with_checkpoint(tmp_path)
    copied = store.copy(path, "run-2", store.run("run-1"), ttl_seconds=None)
    assert copied == "tinker://run-2/sampler_weights/step-1"
    source, target = store.existing(path)[1], store.existing(copied)[1]
    assert os.stat(source / "adapter.safetensors").st_ino == os.stat(target / "adapter.safetensors").st_ino
    assert store.meta(store.existing(copied)[0])["user_metadata"] == {"step": "1"}
    store.delete(path)
    assert (target / "adapter.safetensors").read_bytes() == b"weights"
