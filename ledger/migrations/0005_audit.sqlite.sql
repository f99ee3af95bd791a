-- 0005: the audit log of refused attempts (wrong role, unregistered project,
-- foreign repository, a definition posted by a non-admin, forged or unsigned
-- decisions) and of audited admin actions. One row per attempt, numbered in
-- the order written (the sequence column differs per dialect, hence two files).
-- key is an idempotency key chosen by the writer (empty: every write is a new
-- row), so a retried activity that records an attempt does not duplicate it.

CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    key      TEXT NOT NULL DEFAULT '',
    at       {{timestamp}} NOT NULL,
    actor    TEXT NOT NULL DEFAULT '',
    action   TEXT NOT NULL,
    project  TEXT NOT NULL DEFAULT '',
    target   TEXT NOT NULL DEFAULT '',
    channel  TEXT NOT NULL DEFAULT '',
    outcome  TEXT NOT NULL,
    reason   TEXT NOT NULL DEFAULT ''
);

CREATE UNIQUE INDEX audit_key ON audit (key) WHERE key <> '';
CREATE INDEX audit_project_seq ON audit (project, seq);
