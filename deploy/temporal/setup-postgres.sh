#!/bin/sh
# Creates or upgrades Temporal's two PostgreSQL schemas (temporal and
# temporal_visibility, postgres12 plugin) with temporal-sql-tool. Runs in the
# temporalio/admin-tools image, once per `docker compose up`; idempotent: an
# existing schema is only brought up to this Temporal version's schema, which
# is also how a Temporal upgrade updates it.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port=${DB_PORT:-5432}
schema_dir=/etc/temporal/schema/postgresql/v12
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"; }

setup() { # setup <database> <schema subdirectory>
  db=$1 dir=$schema_dir/$2/versioned
  if tool --db "$db" update-schema -d "$dir" 2>/dev/null; then
    echo "temporal schema setup: $db is up to date"
    return
  fi
  echo "temporal schema setup: creating $db"
  tool --db "$db" create || echo "temporal schema setup: $db exists already"
  tool --db "$db" setup-schema -v 0.0
  tool --db "$db" update-schema -d "$dir"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo "temporal schema setup: done"
