-- 0017: who pushed each commit of a project in a signed forge push, each
-- once, whether the push built it or not (its drover.yaml's triggers did
-- not match, "[skip ci]"). Every build of the commit, whatever starts it (a
-- rerun, an upstream build's triggers, a poll, the API), and every
-- registration of its artifacts credits them: with prevent_self_approval
-- they may not approve its version.

CREATE TABLE commit_pushers (
    project    TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    actor      TEXT NOT NULL,
    pushed_at  {{timestamp}} NOT NULL,
    PRIMARY KEY (project, commit_sha, actor)
);
