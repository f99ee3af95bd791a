-- 0012: the warnings and errors a task printed ("::warning::message",
-- "::error::message"), each a JSON array of strings, '' for none (and for
-- tasks recorded before this migration).

ALTER TABLE tasks ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN errors TEXT NOT NULL DEFAULT '';
