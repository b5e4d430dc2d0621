"""A training run's record: its run store (status, metrics), ``metrics.jsonl``, ``samples.jsonl`` and checkpoints.

The run store is the one evolve runs use, so ``tinkerer runs`` lists training runs and reports can chart them.
``metrics.jsonl`` and ``checkpoints.jsonl`` follow tinker-cookbook's formats, so cookbook tools read them too.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinkerer_core import Checkpoint, RunStore, get_manager

log = logging.getLogger(__name__)


class TrainingLog:
    """Writes one run directory's metrics, samples and status."""

    def __init__(self, run_dir: Path, goal: str, config: Mapping[str, Any], wandb: str | None = None) -> None:
        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        self._wandb = _wandb_logger(wandb_project(wandb), config, run_dir)
        self.store = RunStore(run_dir)
        self.store.set_meta(kind="train", goal=goal, config=dict(config), status="running")
        if "started_at" not in self.store.meta():
            self.store.set_meta(started_at=time.time())

    def metrics(self, step: int, values: Mapping[str, float], write_jsonl: bool = True) -> None:
        """Record one step's metrics in the store, ``metrics.jsonl`` and the ``tinkerer_train_metrics`` hook."""
        finite = {name: float(value) for name, value in values.items() if _is_number(value)}
        self.store.record_metrics(step, finite)
        if write_jsonl:
            with open(self.run_dir / "metrics.jsonl", "a") as file:
                file.write(json.dumps({"step": step, **finite}) + "\n")
        get_manager().hooks.hook.tinkerer_train_metrics(run_dir=str(self.run_dir), step=step, metrics=finite)
        if self._wandb is not None:
            self._wandb.log_metrics(finite, step=step)

    def import_metrics(self) -> dict[str, float]:
        """Load a cookbook loop's ``metrics.jsonl`` into the store; returns the last step's values."""
        last: dict[str, float] = {}
        file = self.run_dir / "metrics.jsonl"
        for line in file.read_text().splitlines() if file.exists() else ():
            row = json.loads(line)
            step = int(row.pop("step", 0))
            last = {name: float(value) for name, value in row.items() if _is_number(value)}
            self.metrics(step, last, write_jsonl=False)
        return last

    def samples(self, step: int, rows: list[dict[str, Any]]) -> None:
        """Append sampled outputs (prompt, completion, reward) for inspection."""
        with open(self.run_dir / "samples.jsonl", "a") as file:
            for row in rows:
                file.write(json.dumps({"step": step, **row}) + "\n")

    def add_checkpoint(
        self, name: str, step: int, paths: Mapping[str, str], metrics: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Append a cookbook checkpoint record (with the step's metrics) to ``checkpoints.jsonl``; returns it."""
        record = {"name": name, "batch": step, **paths, "metrics": dict(metrics), "time": time.time()}
        with open(self.run_dir / "checkpoints.jsonl", "a") as file:
            file.write(json.dumps(record) + "\n")
        return record

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint in ``checkpoints.jsonl`` (cookbook records), oldest first."""
        file = self.run_dir / "checkpoints.jsonl"
        found = []
        for line in file.read_text().splitlines() if file.exists() else ():
            record = json.loads(line)
            uri = record.get("state_path") or record.get("sampler_path", "")
            step = int(record.get("batch", record.get("step", 0)))
            metrics = {key: float(value) for key, value in record.get("metrics", {}).items()}
            found.append(Checkpoint(record["name"], uri, step, metrics, float(record.get("time", 0.0))))
        return found

    @contextmanager
    def status(self) -> Iterator[None]:
        """Mark the run finished, or failed with the error, however the block ends."""
        try:
            yield
        except BaseException as error:
            self.store.set_meta(status="failed", stop_reason=f"{type(error).__name__}: {error}")
            raise
        else:
            self.store.set_meta(status="finished", stop_reason="done")
        finally:
            self.store.close()
            if self._wandb is not None:
                self._wandb.close()


def wandb_project(requested: str | None) -> str | None:
    """The W&B project to log to: only when ``WANDB_API_KEY`` is set and ``wandb`` is installed (else a warning)."""
    if not os.environ.get("WANDB_API_KEY"):
        return None
    if importlib.util.find_spec("wandb") is None:
        log.warning("WANDB_API_KEY is set but wandb is not installed (pip install wandb): metrics stay local")
        return None
    return requested or "tinkerer"


def _wandb_logger(project: str | None, config: Mapping[str, Any], run_dir: Path) -> Any:
    """tinker-cookbook's W&B logger, for the loops that are not the cookbook's own."""
    if project is None:
        return None
    from tinker_cookbook.utils.ml_log import WandbLogger

    return WandbLogger(project=project, config=dict(config), log_dir=run_dir)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
