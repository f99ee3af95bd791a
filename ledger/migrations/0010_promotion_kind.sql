-- 0010: redeploys and rollbacks started by hand. A promotion run records its
-- kind ('' a promotion of a new version, 'redeploy', 'rollback'), why, and the
-- promotion it follows (of_promotion); each of its deployments carries the
-- same kind, so an environment's history tells them apart.

ALTER TABLE promotions ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE promotions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE promotions ADD COLUMN of_promotion TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN kind TEXT NOT NULL DEFAULT '';
