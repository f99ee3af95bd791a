// Package ledger is Drover's record of what happened: projects, builds and their
// tasks, artifact versions, promotions with their deployments and approval
// decisions, and one-time callback tokens. Temporal runs the work; activities write
// its outcome here, so history and "what version is where" questions outlive
// Temporal's retention.
//
// The ledger is a SQL database: SQLite (modernc.org/sqlite, pure Go) by default and
// PostgreSQL (pgx) in production; Open picks the backend from the DSN. Every write is
// an idempotent upsert keyed by the workflow's identifiers, so a retried activity never
// duplicates a row or moves a finished build back to running.
//
// # Tables
//
//   - schema_migrations(version, name, applied_at): the migrations applied, one row each.
//   - projects(name PK, repository, created_at, updated_at): every project seen in a build,
//     an artifact version or a promotion.
//   - builds(id, run_id PK, project → projects, repository, commit_sha, branch, status,
//     triggered_by, rerun, version, started_at, finished_at, subject, author): one row per workflow run of
//     a build; id is the workflow ID (build/<project>/<commit>), run_id the Temporal run.
//   - tasks(build_id, run_id, stage, name PK → builds, stage_index, task_index, status,
//     attempt, exit_code, started_at, finished_at, error, log_key): the final state of each
//     task of a build run, ordered by (stage_index, task_index) as in the plan.
//   - artifact_versions(project, version PK → projects, commit_sha, branch, build_id,
//     run_id, created_at): a version registered by a successful build or an external CI.
//   - artifacts(project, version, position PK → artifact_versions, name, path, blob_key,
//     sha256, size): the blobs of a version, in the order they were given.
//   - artifact_registrants(project, version, actor PK → artifact_versions): who
//     registered artifacts of a version (the API's callers, and whoever triggered
//     the build that recorded it), each once; with prevent_self_approval none of
//     them may approve its promotions.
//   - promotions(id, run_id PK, project → projects, version, commit_sha, branch, build_id,
//     triggered_by, status, started_at, finished_at): one row per workflow run of a
//     promotion; id is the workflow ID (promote/<project>/<version>).
//   - deployments(promotion_id, run_id, environment, is_rollback PK, project, version,
//     result, actor, previous_version, outputs, started_at, finished_at): each deploy of a
//     version to an environment, and each rollback redeploy; outputs is JSON text. The
//     latest deployed row of an environment is what is there now (Environments).
//   - decisions(promotion_id, run_id, environment, actor PK, project, version, approve,
//     channel, comment, decided_at): every approval and rejection, with who and why.
//   - callbacks(token_sha256 PK, task_token, kind, promotion_id, environment, created_at,
//     expires_at, used_at): one-time callback tokens, stored hashed, that complete a
//     waiting activity by its task token.
//
// # Migrations
//
// Migrations are embedded files migrations/NNNN_name.sql, applied in version order,
// each in its own transaction, and recorded in schema_migrations. A file may be
// written for one backend only as NNNN_name.sqlite.sql or NNNN_name.postgres.sql;
// for a given version the backend's own file replaces the shared one. In every file
// {{timestamp}} stands for the timestamp column type: TEXT on SQLite (UTC,
// fixed-width RFC 3339 with microseconds, so text order is time order) and
// TIMESTAMPTZ on PostgreSQL, and {{blob}} for binary data: BLOB or BYTEA.
// Processes opening the ledger at once migrate one at a time: PostgreSQL under an
// advisory lock, SQLite under BEGIN IMMEDIATE.
//
// All timestamps are stored in UTC, truncated to microseconds (PostgreSQL's
// precision), so both backends return identical values.
package ledger
