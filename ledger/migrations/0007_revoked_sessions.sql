-- 0007: web sessions ended by sign-out. A session cookie names its session
-- id; a revoked id is refused by every API replica until the session would
-- have expired anyway (expires_at), after which the row may be pruned.

CREATE TABLE revoked_sessions (
    id          TEXT PRIMARY KEY,
    revoked_at  {{timestamp}} NOT NULL,
    expires_at  {{timestamp}} NOT NULL
);

CREATE INDEX revoked_sessions_expires ON revoked_sessions (expires_at);
