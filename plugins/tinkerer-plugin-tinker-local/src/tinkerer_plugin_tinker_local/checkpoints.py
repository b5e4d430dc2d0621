"""Training runs and their checkpoints on disk, addressed by Tinker paths.

``tinker://<run>/weights/<name>`` is a training checkpoint (adapter and optimizer state),
``tinker://<run>/sampler_weights/<name>`` a sampler checkpoint (adapter only). A run's directory
holds ``run.json`` (base model, LoRA config) and one folder per checkpoint with ``meta.json``.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinkerer_core.errors import TinkererError

_KIND_SEGMENTS = {"training": "weights", "sampler": "sampler_weights"}
_SEGMENT_KINDS = {segment: kind for kind, segment in _KIND_SEGMENTS.items()}
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


class CheckpointError(TinkererError):
    """A checkpoint path that is malformed, unknown, or already taken."""


@dataclass(frozen=True)
class CheckpointPath:
    """A parsed ``tinker://run/segment/name`` path."""

    run_id: str
    kind: str  # "training" or "sampler"
    name: str

    @classmethod
    def parse(cls, path: str) -> CheckpointPath:
        """Parse a Tinker path, saying what a valid one looks like when it is not."""
        parts = path.removeprefix("tinker://").split("/")
        if not path.startswith("tinker://") or len(parts) != 3 or parts[1] not in _SEGMENT_KINDS:
            raise CheckpointError(
                f"{path!r} is not a checkpoint path; expected tinker://<run>/weights/<name> "
                "or tinker://<run>/sampler_weights/<name>"
            )
        return cls(parts[0], _SEGMENT_KINDS[parts[1]], parts[2])

    def __str__(self) -> str:
        return f"tinker://{self.run_id}/{_KIND_SEGMENTS[self.kind]}/{self.name}"


class CheckpointStore:
    """Runs and checkpoints under one root directory; the server writes it, one request at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def create_run(self, run_id: str, record: dict[str, Any]) -> None:
        """Record a new training run (its base model, LoRA settings, owner session)."""
        directory = self.root / run_id
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "run.json").write_text(json.dumps({"created": time.time(), **record}, indent=2))

    def run(self, run_id: str) -> dict[str, Any]:
        """A run's record; unknown runs raise."""
        file = self.root / run_id / "run.json"
        if not file.exists():
            raise CheckpointError(f"no training run {run_id!r} on this server")
        return {"training_run_id": run_id, **json.loads(file.read_text())}

    def runs(self) -> list[dict[str, Any]]:
        """Every run, newest first."""
        records = [self.run(file.parent.name) for file in self.root.glob("*/run.json")]
        return sorted(records, key=lambda record: record["created"], reverse=True)

    def directory(self, path: CheckpointPath) -> Path:
        """Where a checkpoint's files live."""
        return self.root / path.run_id / _KIND_SEGMENTS[path.kind] / path.name

    def new(self, run_id: str, kind: str, name: str, overwrite: bool = False) -> CheckpointPath:
        """Reserve a checkpoint path for writing; a taken name raises unless ``overwrite``."""
        if not _NAME.match(name):
            raise CheckpointError(f"checkpoint name {name!r} may hold only letters, digits, '.', '_' and '-'")
        self.run(run_id)
        path = CheckpointPath(run_id, kind, name)
        directory = self.directory(path)
        if directory.exists():
            if not overwrite:
                raise CheckpointError(f"checkpoint {path} already exists; choose another name or overwrite")
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        return path

    def finish(self, path: CheckpointPath, user_metadata: dict[str, str] | None) -> None:
        """Mark a written checkpoint complete (only complete ones are listed or loaded)."""
        directory = self.directory(path)
        size = sum(file.stat().st_size for file in directory.iterdir())
        meta = {"time": time.time(), "size_bytes": size, "user_metadata": user_metadata}
        (directory / "meta.json").write_text(json.dumps(meta))

    def existing(self, tinker_path: str) -> tuple[CheckpointPath, Path]:
        """A complete checkpoint's parsed path and directory; missing ones raise."""
        path = CheckpointPath.parse(tinker_path)
        directory = self.directory(path)
        if not (directory / "meta.json").exists():
            raise CheckpointError(f"no checkpoint {tinker_path} on this server")
        return path, directory

    def checkpoints(self, run_id: str) -> list[dict[str, Any]]:
        """A run's complete checkpoints as ``tinker.types.Checkpoint`` fields, oldest first."""
        self.run(run_id)
        found = []
        for kind, segment in _KIND_SEGMENTS.items():
            for meta_file in (self.root / run_id / segment).glob("*/meta.json"):
                meta = json.loads(meta_file.read_text())
                path = CheckpointPath(run_id, kind, meta_file.parent.name)
                found.append(
                    {
                        "checkpoint_id": f"{segment}/{path.name}",
                        "checkpoint_type": kind,
                        "time": meta["time"],
                        "tinker_path": str(path),
                        "size_bytes": meta["size_bytes"],
                        "user_metadata": meta["user_metadata"],
                    }
                )
        return sorted(found, key=lambda checkpoint: checkpoint["time"])

    def delete(self, tinker_path: str) -> None:
        """Delete one checkpoint this server wrote."""
        _, directory = self.existing(tinker_path)
        shutil.rmtree(directory)
