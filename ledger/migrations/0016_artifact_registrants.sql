-- 0016: who registered artifacts of each version (POST /api/v1/artifacts),
-- each once. A version registered artifact by artifact is promoted by the
-- registration that completes it; prevent_self_approval refuses every one of
-- its registrants, not only that last one.

CREATE TABLE artifact_registrants (
    project TEXT NOT NULL,
    version TEXT NOT NULL,
    actor   TEXT NOT NULL,
    PRIMARY KEY (project, version, actor),
    FOREIGN KEY (project, version) REFERENCES artifact_versions (project, version) ON DELETE CASCADE
);
