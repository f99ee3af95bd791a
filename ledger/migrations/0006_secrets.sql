-- 0006: secrets of projects and of their environments, sealed with
-- AES-256-GCM by package secrets (the ledger never sees a value).
-- environment is '' for a project-wide secret. set_by names who set it.

CREATE TABLE secrets (
    project     TEXT NOT NULL,
    environment TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    sealed      {{blob}} NOT NULL,
    set_by      TEXT NOT NULL DEFAULT '',
    set_at      {{timestamp}} NOT NULL,
    PRIMARY KEY (project, environment, name)
);

-- The fence of shell deploys: one attempt at a time per environment. holder
-- names an activity attempt; a later attempt takes the lease only once the
-- holder stopped renewing it (expires_at passed) or released it.
CREATE TABLE deploy_leases (
    project     TEXT NOT NULL,
    environment TEXT NOT NULL,
    holder      TEXT NOT NULL,
    expires_at  {{timestamp}} NOT NULL,
    PRIMARY KEY (project, environment)
);
