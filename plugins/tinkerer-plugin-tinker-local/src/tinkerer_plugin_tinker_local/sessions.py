"""The server's sessions: who made what, under which project label, how they ended, and a timeline of their work.

Projects are labels here (one owner, nobody to share with): a session carries the one it was created or moved
into, and searches and listings filter on it. Each piece of model work a session queues is recorded with its
start and end, so ``export_session_trace`` can write the timeline as a Chrome trace-event JSON file, which
Perfetto (ui.perfetto.dev) and ``chrome://tracing`` open.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinkerer_core import TinkererError

MAX_EVENTS = 100_000  # per session; older events are dropped first


class SessionError(TinkererError):
    """An unknown session, or a search the server cannot run."""


@dataclass
class Event:
    """One piece of model work: what, when it started and ended (monotonic seconds), and whether it failed."""

    name: str
    started: float
    finished: float
    failed: bool = False


@dataclass
class Session:
    """One SDK session."""

    session_id: str
    created: float
    owner: str
    user_metadata: dict[str, str] | None = None
    display_name: str | None = None
    project_id: str | None = None
    training_run_ids: list[str] = field(default_factory=list)
    sampler_ids: list[str] = field(default_factory=list)
    finished: dict[str, Any] | None = None  # the client's finish reason and detail
    events: list[Event] = field(default_factory=list)

    def status(self) -> dict[str, Any]:
        """A ``SessionStatus``: active until the client finished it."""
        if self.finished is None:
            return {"type": "active"}
        return {"type": "client_finished", **self.finished}


class Sessions:
    """Every session of one server run, in memory."""

    def __init__(self, owner: str, traces: Path) -> None:
        self.owner = owner
        self.traces = traces
        self._sessions: dict[str, Session] = {}
        self._samplers: dict[str, str] = {}  # sampler id -> session id
        self._lock = threading.Lock()
        self._clock_origin = time.monotonic()

    def create(self, body: dict[str, Any]) -> Session:
        session = Session(
            f"session-{uuid.uuid4().hex[:12]}",
            time.time(),
            self.owner,
            body.get("user_metadata"),
            body.get("display_name"),
            body.get("project_id"),
        )
        self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str) -> Session:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise SessionError(f"unknown session {session_id!r}") from None

    def ids(self) -> list[str]:
        """Session ids, newest first."""
        return [s.session_id for s in sorted(self._sessions.values(), key=lambda s: s.created, reverse=True)]

    def add_sampler(self, session_id: str, sampler_id: str) -> None:
        self.get(session_id).sampler_ids.append(sampler_id)
        self._samplers[sampler_id] = session_id

    def of_model(self, model_id: str | None) -> Session | None:
        """The session a training model (``<session>:train:<n>``) or sampler belongs to, if it is this run's."""
        if not model_id:
            return None
        session_id = self._samplers.get(model_id) or model_id.split(":", 1)[0]
        return self._sessions.get(session_id)

    def record(self, session: Session | None, event: Event) -> None:
        if session is None:
            return
        with self._lock:
            session.events.append(event)
            del session.events[:-MAX_EVENTS]

    # --- search and export ------------------------------------------------------------------

    def search(self, request: dict[str, Any], checkpoints: dict[str, tuple[int, int]]) -> dict[str, Any]:
        """A ``SessionSearchResponse`` page, newest first; ``checkpoints`` maps a run to (count, bytes)."""
        found = [s for s in sorted(self._sessions.values(), key=_order, reverse=True) if _matches(s, request)]
        cursor = request.get("cursor")
        if cursor:
            after = (datetime.fromisoformat(cursor["last_created_at"]).timestamp(), cursor["last_session_id"])
            found = [s for s in found if _order(s) < after]
        limit = int(request.get("limit", 50))
        page = found[:limit]
        summaries = []
        for session in page:
            count = sum(checkpoints.get(run, (0, 0))[0] for run in session.training_run_ids)
            size = sum(checkpoints.get(run, (0, 0))[1] for run in session.training_run_ids)
            summaries.append(
                {
                    "session_id": session.session_id,
                    "created_at": _iso(session.created),
                    "owner": session.owner,
                    "project_id": session.project_id or "",
                    "status": session.status(),
                    "checkpoints_count": count,
                    "display_name": session.display_name,
                    "user_metadata": session.user_metadata,
                    "checkpoint_storage_bytes": size,
                }
            )
        next_cursor = None
        if len(found) > limit:
            last = page[-1]
            next_cursor = {"last_created_at": _iso(last.created), "last_session_id": last.session_id}
        return {"sessions": summaries, "next_cursor": next_cursor}

    def export_trace(self, session_id: str) -> Path:
        """Write the session's timeline as a Chrome trace-event file; its path."""
        session = self.get(session_id)
        with self._lock:
            events = list(session.events)
        trace = {
            "displayTimeUnit": "ms",
            "traceEvents": [
                {
                    "name": event.name,
                    "cat": "failed" if event.failed else "request",
                    "ph": "X",
                    "ts": round((event.started - self._clock_origin) * 1e6),
                    "dur": round((event.finished - event.started) * 1e6),
                    "pid": 1,
                    "tid": 1,
                }
                for event in events
            ],
            "metadata": {"session_id": session_id, "display_name": session.display_name},
        }
        self.traces.mkdir(parents=True, exist_ok=True)
        path = self.traces / f"{session_id}.json"
        path.write_text(json.dumps(trace))
        return path


def _order(session: Session) -> tuple[float, str]:
    return session.created, session.session_id


def _matches(session: Session, request: dict[str, Any]) -> bool:
    """Whether a session matches a ``SessionSearchRequest`` (all filters hold; id or name, either one)."""
    by_id, name = request.get("session_id"), request.get("display_name")
    if by_id or name:
        words = (name or "").lower().split()
        named = bool(words) and all(word in (session.display_name or "").lower() for word in words)
        if not (session.session_id == by_id or named):
            return False
    projects = request.get("project_ids")
    if projects is not None and session.project_id not in projects:
        return False
    wanted = request.get("user_metadata") or {}
    if any((session.user_metadata or {}).get(key) != value for key, value in wanted.items()):
        return False
    owner = request.get("owner") or {"type": "own"}
    if owner.get("type") == "user" and session.owner not in owner.get("owner_urns", []):
        return False
    statuses = request.get("statuses")
    return not (statuses is not None and not any(_status_matches(session, status) for status in statuses))


def _status_matches(session: Session, query: dict[str, Any]) -> bool:
    status = session.status()
    if query.get("type") != status["type"]:
        return False
    reasons = query.get("reasons")
    return reasons is None or status.get("reason", {}).get("type") in reasons


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
