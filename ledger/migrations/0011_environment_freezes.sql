-- 0011: frozen environments. While a row is here (and until, when set, has
-- not passed) promotions wait at the environment's gate; who froze it, when
-- and why are shown wherever the environment is.

CREATE TABLE environment_freezes (
    project      TEXT NOT NULL,
    environment  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    frozen_by    TEXT NOT NULL DEFAULT '',
    frozen_at    {{timestamp}} NOT NULL,
    until_at     {{timestamp}},
    PRIMARY KEY (project, environment)
);
