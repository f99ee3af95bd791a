-- 0017: who pushed each commit of a project in a signed forge push that
-- built nothing (its drover.yaml's triggers did not match, "[skip ci]"),
-- each once. Every build of the commit, whatever starts it (a rerun, an
-- upstream build's triggers, a poll, the API, another push), and every
-- registration of its artifacts credits them and whoever triggered the
-- commit's earlier builds (read from builds by project and commit, hence
-- the index): with prevent_self_approval they may not approve its version.

CREATE TABLE commit_pushers (
    project    TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    actor      TEXT NOT NULL,
    pushed_at  {{timestamp}} NOT NULL,
    PRIMARY KEY (project, commit_sha, actor)
);

CREATE INDEX builds_project_commit ON builds (project, commit_sha);
