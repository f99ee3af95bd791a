-- 0008: the commit a build ran, as people recognise it: the first line of
-- its message and its author, read from git when the build starts. Empty for
-- builds recorded before this migration.

ALTER TABLE builds ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE builds ADD COLUMN author TEXT NOT NULL DEFAULT '';
