#!/usr/bin/env bash
# Runs once when the postgres container initializes its data directory:
# one login role per service, owning one schema, with no access to the
# others' (the same layout scripts/postgres.sh makes for the local stack).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE "$POSTGRES_DB" FROM PUBLIC;
SQL
for pair in catalog:catalog order:orders rating:ratings analytics:analytics; do
  role=${pair%%:*}
  schema=${pair##*:}
  variable="$(echo "$role" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password=${!variable:-$role}
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
       -v role="$role" -v schema="$schema" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"role";
CREATE SCHEMA :"schema" AUTHORIZATION :"role";
ALTER ROLE :"role" SET search_path = :"schema";
SQL
done
