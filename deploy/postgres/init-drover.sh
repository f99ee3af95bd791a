#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume:
# creates the role and database of Drover's ledger (Temporal's databases are
# created by deploy/temporal/setup-postgres.sh).
set -eu
: "${DROVER_DB_PASSWORD:?set DROVER_DB_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v pw="$DROVER_DB_PASSWORD" <<'SQL'
CREATE ROLE drover LOGIN PASSWORD :'pw';
CREATE DATABASE drover OWNER drover;
SQL
