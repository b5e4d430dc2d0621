"""The SQLite schema: pages (with their vectors), an FTS5 index kept in sync by triggers, typed edges.

Every row carries its index's namespace, so several indexes share one file and ``clear`` deletes
exactly one of them. ``indexes.generation`` grows with every write: readers (in any process) compare
it to reload their in-memory vector matrix only when the index changed.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS indexes (
    namespace TEXT PRIMARY KEY,
    embedder TEXT NOT NULL,
    dimensions INTEGER NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
    rowid INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    page_type TEXT NOT NULL,
    overview TEXT NOT NULL,
    content TEXT NOT NULL,
    domains TEXT NOT NULL,
    source TEXT NOT NULL,
    vector BLOB,
    UNIQUE (namespace, id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(
    title, overview, content, content='pages', content_rowid='rowid', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS pages_fts_insert AFTER INSERT ON pages BEGIN
    INSERT INTO pages_fts(rowid, title, overview, content) VALUES (new.rowid, new.title, new.overview, new.content);
END;
CREATE TRIGGER IF NOT EXISTS pages_fts_delete AFTER DELETE ON pages BEGIN
    INSERT INTO pages_fts(pages_fts, rowid, title, overview, content)
    VALUES ('delete', old.rowid, old.title, old.overview, old.content);
END;
CREATE TRIGGER IF NOT EXISTS pages_fts_update AFTER UPDATE ON pages BEGIN
    INSERT INTO pages_fts(pages_fts, rowid, title, overview, content)
    VALUES ('delete', old.rowid, old.title, old.overview, old.content);
    INSERT INTO pages_fts(rowid, title, overview, content) VALUES (new.rowid, new.title, new.overview, new.content);
END;
CREATE TABLE IF NOT EXISTS edges (
    namespace TEXT NOT NULL,
    source_id TEXT NOT NULL,
    edge_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (namespace, source_id, edge_type, target_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (namespace, target_id, source_id);
"""
