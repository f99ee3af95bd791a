-- 0001: projects, builds and their tasks, artifact versions.

CREATE TABLE projects (
    name       TEXT NOT NULL PRIMARY KEY,
    repository TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

CREATE TABLE builds (
    id           TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    project      TEXT NOT NULL REFERENCES projects (name),
    repository   TEXT NOT NULL DEFAULT '',
    commit_sha   TEXT NOT NULL DEFAULT '',
    branch       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    triggered_by TEXT NOT NULL DEFAULT '',
    rerun        BOOLEAN NOT NULL DEFAULT FALSE,
    version      TEXT NOT NULL DEFAULT '',
    started_at   {{timestamp}} NOT NULL,
    finished_at  {{timestamp}},
    PRIMARY KEY (id, run_id)
);

CREATE INDEX builds_started_at ON builds (started_at);
CREATE INDEX builds_project_started_at ON builds (project, started_at);

CREATE TABLE tasks (
    build_id    TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    stage       TEXT NOT NULL,
    name        TEXT NOT NULL,
    stage_index INTEGER NOT NULL,
    task_index  INTEGER NOT NULL,
    status      TEXT NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 0,
    exit_code   INTEGER,
    started_at  {{timestamp}},
    finished_at {{timestamp}},
    error       TEXT NOT NULL DEFAULT '',
    log_key     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (build_id, run_id, stage, name),
    FOREIGN KEY (build_id, run_id) REFERENCES builds (id, run_id) ON DELETE CASCADE
);

CREATE TABLE artifact_versions (
    project    TEXT NOT NULL REFERENCES projects (name),
    version    TEXT NOT NULL,
    commit_sha TEXT NOT NULL DEFAULT '',
    branch     TEXT NOT NULL DEFAULT '',
    build_id   TEXT NOT NULL DEFAULT '',
    run_id     TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    PRIMARY KEY (project, version)
);

CREATE INDEX artifact_versions_project_created_at ON artifact_versions (project, created_at);

CREATE TABLE artifacts (
    project  TEXT NOT NULL,
    version  TEXT NOT NULL,
    position INTEGER NOT NULL,
    name     TEXT NOT NULL,
    path     TEXT NOT NULL DEFAULT '',
    blob_key TEXT NOT NULL DEFAULT '',
    sha256   TEXT NOT NULL DEFAULT '',
    size     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project, version, position),
    FOREIGN KEY (project, version) REFERENCES artifact_versions (project, version) ON DELETE CASCADE
);
