"""A training run's record: store status on failure, cookbook metrics imported, W&B only with key and package."""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

import pytest

from tinkerer_core import RunStore
from tinkerer_plugin_tinker.runlog import TrainingLog, wandb_project


def test_a_failed_run_is_marked_failed_with_its_error(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path, "goal", {"a": 1})
    with pytest.raises(RuntimeError), log.status():
        raise RuntimeError("server went away")
    store = RunStore(tmp_path)
    try:
        assert store.meta()["status"] == "failed" and "server went away" in store.meta()["stop_reason"]
    finally:
        store.close()


def test_cookbook_metrics_and_checkpoints_are_read_back(tmp_path: Path) -> None:
    (tmp_path / "metrics.jsonl").write_text(
        json.dumps({"step": 0, "train_mean_nll": 2.5, "note": "text is skipped"}) + "\n"
        + json.dumps({"step": 1, "train_mean_nll": 2.0}) + "\n"
    )  # fmt: skip
    (tmp_path / "checkpoints.jsonl").write_text(
        json.dumps({"name": "000001", "batch": 1, "state_path": "tinker://r/weights/000001"}) + "\n"
    )
    log = TrainingLog(tmp_path, "goal", {})
    with log.status():
        assert log.import_metrics() == {"train_mean_nll": 2.0}
    [checkpoint] = log.checkpoints()
    assert (checkpoint.name, checkpoint.step, checkpoint.uri) == ("000001", 1, "tinker://r/weights/000001")
    store = RunStore(tmp_path)
    try:
        assert store.metrics()["train_mean_nll"] == [(0, 2.5), (1, 2.0)]
    finally:
        store.close()


def test_wandb_needs_the_key_and_the_package(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    assert wandb_project("p") is None
    monkeypatch.setenv("WANDB_API_KEY", "k")
    if importlib.util.find_spec("wandb") is not None:
        assert wandb_project(None) == "tinkerer"
        return
    with caplog.at_level(logging.WARNING):
        assert wandb_project("p") is None
    assert "pip install wandb" in caplog.text
