"""Training runs and their checkpoints on disk, addressed by Tinker paths.

``tinker://<run>/weights/<name>`` is a training checkpoint (adapter and optimizer state),
``tinker://<run>/sampler_weights/<name>`` a sampler checkpoint (adapter only) and
``tinker://<run>/external_weights/<name>`` an export in the PEFT layout (``adapter_model.safetensors`` and
``adapter_config.json``, age-encrypted when asked). A run's directory holds ``run.json`` (base model, LoRA and
optimizer config, user metadata) and one folder per checkpoint with ``meta.json`` (time, size, user metadata,
public flag, expiry). A checkpoint past its expiry is deleted the next time the store looks at it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinkerer_core import TinkererError

_KIND_SEGMENTS = {"training": "weights", "sampler": "sampler_weights", "external": "external_weights"}
_SEGMENT_KINDS = {segment: kind for kind, segment in _KIND_SEGMENTS.items()}
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
MIN_TTL_S = 3600  # the service's bounds: 1 hour to 10 years
MAX_TTL_S = 10 * 365 * 24 * 3600


class CheckpointError(TinkererError):
    """A checkpoint path that is malformed, unknown, or already taken."""


@dataclass(frozen=True)
class CheckpointPath:
    """A parsed ``tinker://run/segment/name`` path."""

    run_id: str
    kind: str  # "training", "sampler" or "external"
    name: str

    @classmethod
    def parse(cls, path: str) -> CheckpointPath:
        """Parse a Tinker path, saying what a valid one looks like when it is not."""
        parts = path.removeprefix("tinker://").split("/")
        if not path.startswith("tinker://") or len(parts) != 3 or parts[1] not in _SEGMENT_KINDS:
            raise CheckpointError(
                f"{path!r} is not a checkpoint path; expected tinker://<run>/weights/<name>, "
                "tinker://<run>/sampler_weights/<name> or tinker://<run>/external_weights/<name>"
            )
        return cls(parts[0], _SEGMENT_KINDS[parts[1]], parts[2])

    @classmethod
    def of(cls, run_id: str, checkpoint_id: str) -> CheckpointPath:
        """The path of ``checkpoint_id`` (``weights/<name>`` and the like) in run ``run_id``."""
        return cls.parse(f"tinker://{run_id}/{checkpoint_id}")

    @property
    def checkpoint_id(self) -> str:
        return f"{_KIND_SEGMENTS[self.kind]}/{self.name}"

    def __str__(self) -> str:
        return f"tinker://{self.run_id}/{self.checkpoint_id}"


def check_ttl(ttl_seconds: int | None) -> int | None:
    """``ttl_seconds`` if it is None or within the service's bounds; otherwise the error says what is allowed."""
    if ttl_seconds is not None and not MIN_TTL_S <= int(ttl_seconds) <= MAX_TTL_S:
        raise CheckpointError(
            f"ttl_seconds={ttl_seconds} is out of range; it must be between {MIN_TTL_S} (1 hour) and "
            f"{MAX_TTL_S} (10 years), or None for no expiry"
        )
    return ttl_seconds


class CheckpointStore:
    """Runs and checkpoints under one root directory; the server writes it, one request at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    # --- runs -------------------------------------------------------------------------------

    def create_run(self, run_id: str, record: dict[str, Any]) -> None:
        """Record a new training run (its base model, LoRA and optimizer settings, owner session, user metadata)."""
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

    # --- checkpoints ------------------------------------------------------------------------

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
        if self._meta_file(path).exists() and not self._expire(path) and not overwrite:
            raise CheckpointError(f"checkpoint {path} already exists; choose another name or overwrite")
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        return path

    def finish(self, path: CheckpointPath, user_metadata: dict[str, str] | None, ttl_seconds: int | None) -> None:
        """Mark a written checkpoint complete (only complete ones are listed or loaded)."""
        now = time.time()
        meta = {
            "time": now,
            "size_bytes": _size(self.directory(path)),
            "user_metadata": user_metadata,
            "public": False,
            "expires_at": None if ttl_seconds is None else now + ttl_seconds,
        }
        self._write_meta(path, meta)

    def existing(self, tinker_path: str) -> tuple[CheckpointPath, Path]:
        """A complete, unexpired checkpoint's parsed path and directory; missing ones raise."""
        path = CheckpointPath.parse(tinker_path)
        if not self._meta_file(path).exists() or self._expire(path):
            raise CheckpointError(f"no checkpoint {tinker_path} on this server")
        return path, self.directory(path)

    def meta(self, path: CheckpointPath) -> dict[str, Any]:
        """A checkpoint's metadata as ``tinker.types.Checkpoint`` fields (times as Unix seconds)."""
        self.existing(str(path))
        meta = json.loads(self._meta_file(path).read_text())
        return {
            "checkpoint_id": path.checkpoint_id,
            "checkpoint_type": path.kind,
            "tinker_path": str(path),
            "time": meta["time"],
            "size_bytes": meta["size_bytes"],
            "user_metadata": meta.get("user_metadata"),
            "public": meta.get("public", False),
            "expires_at": meta.get("expires_at"),
        }

    def checkpoints(self, run_id: str) -> list[dict[str, Any]]:
        """A run's complete, unexpired checkpoints, oldest first."""
        self.run(run_id)
        found = []
        for kind, segment in _KIND_SEGMENTS.items():
            for meta_file in (self.root / run_id / segment).glob("*/meta.json"):
                path = CheckpointPath(run_id, kind, meta_file.parent.name)
                if not self._expire(path):
                    found.append(self.meta(path))
        return sorted(found, key=lambda checkpoint: checkpoint["time"])

    def all_checkpoints(self) -> list[dict[str, Any]]:
        """Every run's checkpoints, newest first."""
        found = [checkpoint for run in self.runs() for checkpoint in self.checkpoints(run["training_run_id"])]
        return sorted(found, key=lambda checkpoint: checkpoint["time"], reverse=True)

    def delete(self, tinker_path: str) -> None:
        """Delete one checkpoint this server wrote."""
        _, directory = self.existing(tinker_path)
        shutil.rmtree(directory)

    def set_ttl(self, tinker_path: str, ttl_seconds: int | None) -> None:
        """Expire a checkpoint ``ttl_seconds`` from now (between 1 hour and 10 years), or never (None)."""
        check_ttl(ttl_seconds)
        path, _ = self.existing(tinker_path)
        self._update(path, expires_at=None if ttl_seconds is None else time.time() + ttl_seconds)

    def set_public(self, tinker_path: str, public: bool) -> None:
        """Mark a checkpoint public or private (a local flag: nobody else reaches this server)."""
        path, _ = self.existing(tinker_path)
        if self.meta(path)["public"] == public:
            raise CheckpointError(f"checkpoint {tinker_path} is already {'public' if public else 'private'}")
        self._update(path, public=public)

    def copy(self, tinker_path: str, run_id: str, record: dict[str, Any], ttl_seconds: int | None) -> str:
        """Copy a checkpoint into a new run ``run_id`` (its files hard-linked: no bytes are duplicated)."""
        check_ttl(ttl_seconds)
        source, directory = self.existing(tinker_path)
        self.create_run(run_id, record)
        target = self.new(run_id, source.kind, source.name)
        for file in directory.iterdir():
            if file.name != "meta.json":
                os.link(file, self.directory(target) / file.name)
        self.finish(target, self.meta(source)["user_metadata"], ttl_seconds)
        return str(target)

    def expire(self) -> list[str]:
        """Delete every checkpoint past its expiry; the paths deleted."""
        expired = []
        for meta_file in self.root.glob("*/*/*/meta.json"):
            segment = meta_file.parent.parent.name
            if segment in _SEGMENT_KINDS:
                path = CheckpointPath(
                    meta_file.parent.parent.parent.name, _SEGMENT_KINDS[segment], meta_file.parent.name
                )
                if self._expire(path):
                    expired.append(str(path))
        return expired

    # --- metadata files ---------------------------------------------------------------------

    def _meta_file(self, path: CheckpointPath) -> Path:
        return self.directory(path) / "meta.json"

    def _expire(self, path: CheckpointPath) -> bool:
        """Delete the checkpoint if it is past its expiry; whether it was."""
        try:
            expires_at = json.loads(self._meta_file(path).read_text()).get("expires_at")
        except FileNotFoundError:
            return False
        if expires_at is None or expires_at > time.time():
            return False
        shutil.rmtree(self.directory(path), ignore_errors=True)
        return True

    def _update(self, path: CheckpointPath, **changes: Any) -> None:
        self._write_meta(path, {**json.loads(self._meta_file(path).read_text()), **changes})

    def _write_meta(self, path: CheckpointPath, meta: dict[str, Any]) -> None:
        temporary = self._meta_file(path).with_suffix(".tmp")
        temporary.write_text(json.dumps(meta))
        temporary.replace(self._meta_file(path))  # readers see the old metadata or the new, never half


def _size(directory: Path) -> int:
    return sum(file.stat().st_size for file in directory.iterdir() if file.name != "meta.json")
