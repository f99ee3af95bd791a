-- 0004: approval gates that wait for decisions, one row per promotion and
-- environment, written by the promotion workflow when a gate starts and after
-- each approval, and deleted when the gate ends. GET /api/v1/approvals reads
-- them with one query instead of listing Temporal visibility. The JSON columns
-- hold lists as written: approvers ("alice", "group:release"), approved_by
-- (actors, in order) and earlier (the earlier environments' results).

CREATE TABLE pending_approvals (
    promotion_id  TEXT NOT NULL,
    environment   TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    project       TEXT NOT NULL,
    version       TEXT NOT NULL,
    commit_sha    TEXT NOT NULL DEFAULT '',
    branch        TEXT NOT NULL DEFAULT '',
    triggered_by  TEXT NOT NULL DEFAULT '',
    approvers     TEXT NOT NULL DEFAULT '[]',
    required      INTEGER NOT NULL,
    approved_by   TEXT NOT NULL DEFAULT '[]',
    waiting_since {{timestamp}} NOT NULL,
    deadline      {{timestamp}} NOT NULL,
    earlier       TEXT NOT NULL DEFAULT '[]',
    updated_at    {{timestamp}} NOT NULL,
    PRIMARY KEY (promotion_id, environment)
);

CREATE INDEX pending_approvals_waiting_since ON pending_approvals (waiting_since);
