-- 0009: the environments a promotion walks, in its pipeline's order (a JSON
-- array of names), so "what is where" can show them in that order. Empty for
-- promotions recorded before this migration.

ALTER TABLE promotions ADD COLUMN environments TEXT NOT NULL DEFAULT '';
