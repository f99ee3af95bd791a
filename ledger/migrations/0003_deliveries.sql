-- 0003: deliveries to notification sinks (outgoing webhooks, Slack, commit
-- statuses). One row per attempt; a sink that keeps failing shows as rows with
-- ok false. Keyed by the run's workflow and run IDs without a foreign key: a
-- delivery is recorded by the notification activity and must never fail for
-- the lack of a build or promotion row.

CREATE TABLE deliveries (
    workflow_id TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    sink        TEXT NOT NULL,
    event       TEXT NOT NULL,
    delivery_id TEXT NOT NULL DEFAULT '',
    attempt     INTEGER NOT NULL,
    ok          BOOLEAN NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    at          {{timestamp}} NOT NULL
);

CREATE INDEX deliveries_workflow_at ON deliveries (workflow_id, at);
