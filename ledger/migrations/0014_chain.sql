-- 0014: chains across repositories. A build records the build upstream of
-- it: the one whose push step made its commit (kind 'push') or whose
-- success started it through triggers.upstream (kind 'trigger'); empty for
-- builds of their own and those recorded before this migration. Every
-- commit a push step made is kept, so that whatever starts its build (the
-- push itself, a webhook, a poll) attributes it to the chain.

ALTER TABLE builds ADD COLUMN upstream_build_id TEXT NOT NULL DEFAULT '';
ALTER TABLE builds ADD COLUMN upstream_kind TEXT NOT NULL DEFAULT '';
CREATE INDEX builds_upstream ON builds (upstream_build_id);

CREATE TABLE chain_pushes (
    target_project  TEXT NOT NULL,
    commit_sha      TEXT NOT NULL,
    repository      TEXT NOT NULL,
    branch          TEXT NOT NULL,
    parent_sha      TEXT NOT NULL,
    source_project  TEXT NOT NULL,
    source_build_id TEXT NOT NULL,
    source_run_id   TEXT NOT NULL,
    source_commit   TEXT NOT NULL,
    step            TEXT NOT NULL,
    pushed_at       {{timestamp}} NOT NULL,
    PRIMARY KEY (target_project, commit_sha)
);

CREATE INDEX chain_pushes_source ON chain_pushes (source_build_id);
