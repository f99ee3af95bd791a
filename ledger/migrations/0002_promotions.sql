-- 0002: promotions, their deployments per environment, approval decisions, and
-- one-time callback tokens. Deployments and decisions are keyed by the promotion's
-- workflow and run IDs but carry no foreign key to promotions: each is written by
-- its own local activity, and a write must never fail for the lack of another.

CREATE TABLE promotions (
    id           TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    project      TEXT NOT NULL REFERENCES projects (name),
    version      TEXT NOT NULL,
    commit_sha   TEXT NOT NULL DEFAULT '',
    branch       TEXT NOT NULL DEFAULT '',
    build_id     TEXT NOT NULL DEFAULT '',
    triggered_by TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    started_at   {{timestamp}} NOT NULL,
    finished_at  {{timestamp}},
    PRIMARY KEY (id, run_id)
);

CREATE INDEX promotions_started_at ON promotions (started_at);
CREATE INDEX promotions_project_started_at ON promotions (project, started_at);

CREATE TABLE deployments (
    promotion_id     TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    environment      TEXT NOT NULL,
    is_rollback      BOOLEAN NOT NULL DEFAULT FALSE,
    project          TEXT NOT NULL,
    version          TEXT NOT NULL,
    result           TEXT NOT NULL,
    actor            TEXT NOT NULL DEFAULT '',
    previous_version TEXT NOT NULL DEFAULT '',
    outputs          TEXT NOT NULL DEFAULT '{}',
    started_at       {{timestamp}} NOT NULL,
    finished_at      {{timestamp}},
    PRIMARY KEY (promotion_id, run_id, environment, is_rollback)
);

CREATE INDEX deployments_environment_started_at ON deployments (project, environment, started_at);
CREATE INDEX deployments_environment_result ON deployments (project, environment, result, finished_at);

CREATE TABLE decisions (
    promotion_id TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    environment  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    project      TEXT NOT NULL DEFAULT '',
    version      TEXT NOT NULL DEFAULT '',
    approve      BOOLEAN NOT NULL,
    channel      TEXT NOT NULL DEFAULT '',
    comment      TEXT NOT NULL DEFAULT '',
    decided_at   {{timestamp}} NOT NULL,
    PRIMARY KEY (promotion_id, run_id, environment, actor)
);

-- Only the SHA-256 of a callback token is stored: the ledger cannot hand out a
-- usable callback URL, only recognise one.
CREATE TABLE callbacks (
    token_sha256 TEXT NOT NULL PRIMARY KEY,
    task_token   {{blob}} NOT NULL,
    kind         TEXT NOT NULL DEFAULT '',
    promotion_id TEXT NOT NULL DEFAULT '',
    environment  TEXT NOT NULL DEFAULT '',
    created_at   {{timestamp}} NOT NULL,
    expires_at   {{timestamp}},
    used_at      {{timestamp}}
);
