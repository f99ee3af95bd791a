-- 0013: the source of each artifact of a version built from several
-- (foas from foas@abc123, puppet-foas from puppet-foas@def456), and on each
-- deployment the artifacts it deployed with their sources (a JSON array of
-- {"name", "source_repository", "source_version"}), '' for none (and for
-- deployments recorded before this migration).

ALTER TABLE artifacts ADD COLUMN source_repository TEXT NOT NULL DEFAULT '';
ALTER TABLE artifacts ADD COLUMN source_version TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN artifacts TEXT NOT NULL DEFAULT '';
