"""The run store: one SQLite file (WAL) per run directory, written by the engine alone.

It holds the run's config, every experiment, every LLM call and a stream of events, so a run
can be listed, reported on and resumed after it was killed. Text is stored as valid UTF-8 whatever
a run produced: bytes smuggled into strings (file names ``os`` decoded with surrogate escapes) are
replaced by U+FFFD instead of failing the write.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinkerer_core.errors import ConfigError
from tinkerer_core.llm import Completion, LLMLedger, Messages
from tinkerer_core.secrets import redact
from tinkerer_core.types import Direction, Evaluation, Experiment, ExperimentStatus, RunResult

STORE_FILE = "run.sqlite"
_SURROGATES = re.compile("[\ud800-\udfff]")
SCHEMA_VERSION = 1
LLM_TEXT_CHARS = 200_000  # the most characters of one call's messages and reply the store keeps
LOCK_FILE = "run.lock"  # written first by every start: a store beside it is ours, even an empty one

_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS experiments (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER,
    iteration INTEGER NOT NULL,
    idea TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    branch TEXT NOT NULL DEFAULT '',
    commit_sha TEXT NOT NULL DEFAULT '',
    diff TEXT NOT NULL DEFAULT '',
    command TEXT,
    exit_code INTEGER,
    duration_s REAL,
    peak_memory_mb REAL,
    output TEXT,
    timed_out INTEGER,
    truncated INTEGER,
    produced_files TEXT,
    score REAL,
    feedback TEXT,
    metrics TEXT,
    error TEXT NOT NULL DEFAULT '',
    cost REAL NOT NULL DEFAULT 0,
    agent_seconds REAL NOT NULL DEFAULT 0,
    started_at REAL,
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id INTEGER,
    purpose TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost REAL NOT NULL,
    cost_known INTEGER NOT NULL,
    cached INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS llm_texts (
    call_id INTEGER PRIMARY KEY REFERENCES llm_calls(id),
    messages TEXT NOT NULL,
    reply TEXT NOT NULL,
    truncated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
    step INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (step, name)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    experiment_id INTEGER,
    data TEXT NOT NULL
);
"""
_TABLES = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _SCHEMA)


class NotARunStoreError(ConfigError):
    """A ``run.sqlite`` that is empty, corrupt or another program's database; nothing was written to it."""


def check_store(path: Path) -> None:
    """Refuse ``path`` unless it is a run store (or an empty one a start of ours left), reading it only."""
    what_to_do = f"move it away to start a new run in {path.parent}, or give another run directory"
    if path.stat().st_size == 0:
        if (path.parent / LOCK_FILE).exists():
            return
        raise NotARunStoreError(f"run store {path} is empty (0 bytes), not a Tinkerer run: {what_to_do}")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise NotARunStoreError(
            f"run store {path} is not an SQLite database ({error}): it is corrupt or another program's file; "
            f"{what_to_do}"
        ) from None
    theirs = sorted(tables - set(_TABLES) - {"sqlite_sequence"})
    if "run" not in tables and theirs:
        raise NotARunStoreError(
            f"run store {path} holds another program's tables ({', '.join(theirs)}), not a Tinkerer run: {what_to_do}"
        )


class RunStore:
    """Read and write one run's SQLite file; an existing file that is not a run store is refused unread."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / STORE_FILE
        if self.path.is_file():
            check_store(self.path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def exists(cls, run_dir: Path) -> bool:
        return (Path(run_dir) / STORE_FILE).is_file()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- run metadata ----------------------------------------------------------------------

    def set_meta(self, **values: Any) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO run(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [(key, json.dumps(value)) for key, value in values.items()],
            )

    def meta(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM run").fetchall()
        return {row["key"]: json.loads(row["value"]) for row in rows}

    # --- experiments -----------------------------------------------------------------------

    def add_experiment(self, parent_id: int | None, iteration: int, idea: str, kind: str) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO experiments(parent_id, iteration, idea, kind, status, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                (parent_id, iteration, valid_text(idea), kind, ExperimentStatus.RUNNING.value, time.time()),
            )
            experiment_id = cursor.lastrowid
            assert experiment_id is not None
            return experiment_id

    def restart_experiment(self, experiment_id: int) -> None:
        """Mark an interrupted experiment as running again (resume redoes it)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE experiments SET status = ?, started_at = ? WHERE id = ?",
                (ExperimentStatus.RUNNING.value, time.time(), experiment_id),
            )

    def interrupt_experiment(self, experiment_id: int) -> None:
        """Mark one running experiment interrupted (its worker died; the engine runs it again)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE experiments SET status = ? WHERE id = ?", (ExperimentStatus.INTERRUPTED.value, experiment_id)
            )

    def finish_experiment(self, experiment: Experiment) -> None:
        result, evaluation = experiment.result, experiment.evaluation
        with self._transaction() as db:
            db.execute(
                """UPDATE experiments SET status=?, branch=?, commit_sha=?, diff=?, command=?, exit_code=?,
                   duration_s=?, peak_memory_mb=?, output=?, timed_out=?, truncated=?, produced_files=?, score=?,
                   feedback=?, metrics=?, error=?, cost=?, agent_seconds=?, finished_at=? WHERE id=?""",
                (
                    experiment.status.value,
                    experiment.branch,
                    experiment.commit,
                    valid_text(experiment.diff),
                    valid_text(result.command) if result else None,
                    result.exit_code if result else None,
                    result.duration_s if result else None,
                    result.peak_memory_mb if result else None,
                    valid_text(result.output) if result else None,
                    int(result.timed_out) if result else None,
                    int(result.truncated) if result else None,
                    json.dumps(list(result.produced_files)) if result else None,
                    evaluation.score if evaluation else None,
                    valid_text(evaluation.feedback) if evaluation else None,
                    json.dumps(dict(evaluation.metrics)) if evaluation else None,
                    valid_text(experiment.error),
                    experiment.cost,
                    experiment.agent_seconds,
                    experiment.finished_at or time.time(),
                    experiment.id,
                ),
            )

    def mark_interrupted(self) -> list[int]:
        """Experiments left running by a killed process become interrupted; returns their ids."""
        with self._transaction() as db:
            rows = db.execute("SELECT id FROM experiments WHERE status = ?", (ExperimentStatus.RUNNING.value,))
            ids = [row["id"] for row in rows.fetchall()]
            db.execute(
                "UPDATE experiments SET status = ? WHERE status = ?",
                (ExperimentStatus.INTERRUPTED.value, ExperimentStatus.RUNNING.value),
            )
            return ids

    def experiments(self) -> list[Experiment]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM experiments ORDER BY id").fetchall()
        return [_experiment_from_row(row) for row in rows]

    def experiment(self, experiment_id: int) -> Experiment:
        with self._lock:
            row = self._db.execute("SELECT * FROM experiments WHERE id = ?", (experiment_id,)).fetchone()
        if row is None:
            raise KeyError(experiment_id)
        return _experiment_from_row(row)

    # --- LLM calls and events --------------------------------------------------------------

    def record_llm_call(self, purpose: str, completion: Completion, experiment_id: int | None = None) -> None:
        """Store one call: what it cost in ``llm_calls``, its messages and reply (secrets redacted, at most
        ``LLM_TEXT_CHARS``) in ``llm_texts``."""
        messages, reply, truncated = _bounded_text(completion.messages, completion.text)
        with self._transaction() as db:
            cursor = db.execute(
                """INSERT INTO llm_calls(experiment_id, purpose, model, prompt_tokens, completion_tokens, cost,
                   cost_known, cached, duration_s, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    experiment_id,
                    purpose,
                    completion.model,
                    completion.prompt_tokens,
                    completion.completion_tokens,
                    completion.cost,
                    int(completion.cost_known),
                    int(completion.cached),
                    completion.duration_s,
                    time.time(),
                ),
            )
            db.execute(
                "INSERT INTO llm_texts(call_id, messages, reply, truncated) VALUES (?, ?, ?, ?)",
                (cursor.lastrowid, json.dumps(messages), reply, int(truncated)),
            )

    def llm_totals(self) -> dict[str, float]:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) AS calls, COALESCE(SUM(cost), 0) AS cost, "
                "COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS tokens FROM llm_calls"
            ).fetchone()
        return {"calls": row["calls"], "cost": row["cost"], "tokens": row["tokens"]}

    def llm_calls(self, texts: bool = False) -> list[dict[str, Any]]:
        """Every LLM call in order; with ``texts`` also its ``messages``, ``reply`` and ``truncated`` (None for a
        call stored before the store kept texts)."""
        query = "SELECT * FROM llm_calls ORDER BY id"
        if texts:
            query = (
                "SELECT llm_calls.*, messages, reply, truncated FROM llm_calls "
                "LEFT JOIN llm_texts ON llm_texts.call_id = llm_calls.id ORDER BY llm_calls.id"
            )
        with self._lock:
            rows = [dict(row) for row in self._db.execute(query).fetchall()]
        for row in rows:
            if texts and row["messages"] is not None:
                row["messages"] = json.loads(row["messages"])
                row["truncated"] = bool(row["truncated"])
        return rows

    def log_event(self, kind: str, experiment_id: int | None = None, **data: Any) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO events(at, kind, experiment_id, data) VALUES (?, ?, ?, ?)",
                (time.time(), kind, experiment_id, json.dumps(data, default=str)),
            )

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        args: tuple[str, ...]
        query, args = "SELECT * FROM events ORDER BY id", ()
        if kind is not None:
            query, args = "SELECT * FROM events WHERE kind = ? ORDER BY id", (kind,)
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [{**dict(row), "data": json.loads(row["data"])} for row in rows]

    def failure_counts(self) -> dict[str, int]:
        """How many ``failure`` events each cause has (no_code, identical, edit_mismatch, crash, ...), most first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT json_extract(data, '$.cause') AS cause, COUNT(*) AS n FROM events WHERE kind = 'failure' "
                "GROUP BY cause ORDER BY n DESC, cause"
            ).fetchall()
        return {row["cause"] or "unknown": row["n"] for row in rows}

    # --- training metrics ------------------------------------------------------------------

    def record_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        """Store one step's metrics (a re-recorded step overwrites its values)."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO metrics(step, name, value, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(step, name) DO UPDATE SET value = excluded.value, at = excluded.at",
                [(step, name, float(value), now) for name, value in metrics.items()],
            )

    def metrics(self) -> dict[str, list[tuple[int, float]]]:
        """Every recorded metric as ``name -> [(step, value), ...]`` in step order."""
        with self._lock:
            rows = self._db.execute("SELECT step, name, value FROM metrics ORDER BY step, name").fetchall()
        series: dict[str, list[tuple[int, float]]] = {}
        for row in rows:
            series.setdefault(row["name"], []).append((row["step"], row["value"]))
        return series

    def summary(self) -> dict[str, Any]:
        """What ``tinkerer runs`` shows: status, best score, experiments, cost."""
        meta = self.meta()
        direction = Direction(meta.get("direction", Direction.MAXIMIZE.value))
        experiments = self.experiments()
        best = direction.best(e.score for e in experiments)
        return {
            "run_dir": str(self.run_dir),
            "goal": meta.get("goal", ""),
            "status": meta.get("status", "unknown"),
            "direction": direction.value,
            "best_score": best,
            "experiments": len(experiments),
            "cost": self.total_cost(),
            "started_at": meta.get("started_at"),
            "stop_reason": meta.get("stop_reason", ""),
        }

    def total_cost(self) -> float:
        """What the run has cost: its experiments plus the LLM calls made outside them (search, judges)."""
        with self._lock:
            row = self._db.execute(
                "SELECT (SELECT COALESCE(SUM(cost), 0) FROM experiments) + "
                "(SELECT COALESCE(SUM(cost), 0) FROM llm_calls WHERE experiment_id IS NULL)"
            ).fetchone()
        return float(row[0])


def valid_text(text: str) -> str:
    """``text`` as valid UTF-8: lone surrogates (bytes ``os`` could not decode) become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def _bounded_text(messages: Messages, reply: str) -> tuple[list[dict[str, str]], str, bool]:
    """``messages`` and ``reply`` redacted of secrets and cut to ``LLM_TEXT_CHARS`` in all; whether any was cut."""
    texts = [valid_text(redact(str(message.get("content", "")))) for message in messages] + [valid_text(redact(reply))]
    budget, kept = LLM_TEXT_CHARS, []
    for text in texts:
        kept.append(text[:budget])
        budget -= len(kept[-1])
    cut = [
        {"role": str(message.get("role", "")), "content": text}
        for message, text in zip(messages, kept[:-1], strict=True)
    ]
    return cut, kept[-1], kept != texts


class StoreLedger(LLMLedger):
    """An LLM ledger that also writes every call to the run store (engine-side calls)."""

    def __init__(self, store: RunStore) -> None:
        super().__init__()
        self.store = store

    def record(self, purpose: str, completion: Completion) -> None:
        super().record(purpose, completion)
        self.store.record_llm_call(purpose, completion)

    def log_event(self, kind: str, **data: Any) -> None:
        super().log_event(kind, **data)
        self.store.log_event(kind, **data)


def _experiment_from_row(row: sqlite3.Row) -> Experiment:
    result = None
    if row["command"] is not None:
        result = RunResult(
            command=row["command"],
            exit_code=row["exit_code"],
            duration_s=row["duration_s"] or 0.0,
            output=row["output"] or "",
            timed_out=bool(row["timed_out"]),
            peak_memory_mb=row["peak_memory_mb"],
            produced_files=tuple(json.loads(row["produced_files"] or "[]")),
            truncated=bool(row["truncated"]),
        )
    evaluation = None
    if row["feedback"] is not None or row["score"] is not None:
        metrics: Mapping[str, float] = json.loads(row["metrics"] or "{}")
        evaluation = Evaluation(score=row["score"], feedback=row["feedback"] or "", metrics=metrics)
    return Experiment(
        id=row["id"],
        parent_id=row["parent_id"],
        iteration=row["iteration"],
        idea=row["idea"],
        status=ExperimentStatus(row["status"]),
        kind=row["kind"],
        branch=row["branch"],
        commit=row["commit_sha"],
        diff=row["diff"],
        result=result,
        evaluation=evaluation,
        error=row["error"],
        cost=row["cost"],
        agent_seconds=row["agent_seconds"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )
