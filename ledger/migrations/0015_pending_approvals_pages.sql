-- 0015: GET /api/v1/approvals reads pending approvals a page at a time, in
-- the order (waiting_since, promotion_id, environment) with a cursor after
-- the last row shown, and counts them. The first index serves that order
-- (and the cursor's row comparison) for every project, the second the same
-- order within one project; the index on waiting_since alone is a prefix of
-- the first, so it goes.

DROP INDEX pending_approvals_waiting_since;
CREATE INDEX pending_approvals_order ON pending_approvals (waiting_since, promotion_id, environment);
CREATE INDEX pending_approvals_project_order ON pending_approvals (project, waiting_since, promotion_id, environment);
