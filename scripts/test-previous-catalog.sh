#!/usr/bin/env bash
# Runs the previous catalog release's own tests (its CatalogTests, from the
# tree scripts/build-previous-catalog.sh unpacked) against the schema this
# release migrates to. They create their schemas with their own migrations,
# so they run in a database of their own where an event trigger applies this
# release's expand, index and validate migrations (0003, 0005 without
# CONCURRENTLY, 0006) right after their last migration (0002): every schema
# they test is the expanded one, as a replica still on the previous release
# sees it during a rolling deploy. (0004, the backfill, has no rows to fill.)
#
# Needs the PostgreSQL variables of .data/postgres.env (URLs ending in the
# database name), as scripts/test.sh exports them.
set -euo pipefail
cd "$(dirname "$0")/.."

src=.build-previous/src
[ -d "$src" ] || { echo "test-previous-catalog.sh: run scripts/build-previous-catalog.sh first" >&2; exit 1; }
migrations=Services/Catalog/Catalog/Migrations
compat=restaurant_compat

in_compat() {  # the URL $1 with its database replaced by $compat
    case "$1" in
        postgresql://*/restaurant) echo "${1%/restaurant}/$compat" ;;
        *) echo "test-previous-catalog.sh: expected a postgresql://…/restaurant URL" >&2; exit 1 ;;
    esac
}
admin_compat=$(in_compat "$PG_ADMIN_URL")
psql_admin() { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -v ON_ERROR_STOP=1 -q -X "$@"; }

psql_admin "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $compat" -c "CREATE DATABASE $compat"
# The services' schemas, as scripts/postgres.sh makes them in the main
# database (the roles are the cluster's): the role-isolation tests need them.
psql_admin "$admin_compat" -c "REVOKE ALL ON SCHEMA public FROM PUBLIC"
for pair in catalog:catalog order:orders rating:ratings analytics:analytics; do
    psql_admin "$admin_compat" -c "CREATE SCHEMA \"${pair##*:}\" AUTHORIZATION \"${pair%%:*}\"" \
        -c "REVOKE ALL ON SCHEMA \"${pair##*:}\" FROM PUBLIC"
done
expand=$(cat "$migrations"/0003_*.sql)
index=$(grep -v '^--' "$migrations"/0005_*.sql | sed 's/ CONCURRENTLY//')
validate=$(cat "$migrations"/0006_*.sql)
psql_admin "$admin_compat" <<SQL
-- Which schemas were expanded (the tests drop theirs when done), in a
-- schema of its own that the service roles may use.
CREATE SCHEMA compat;
GRANT USAGE ON SCHEMA compat TO PUBLIC;
CREATE TABLE compat.expanded (schema text NOT NULL);
CREATE FUNCTION compat.note_expanded(name text) RETURNS void LANGUAGE sql SECURITY DEFINER
    AS \$\$ INSERT INTO compat.expanded VALUES (name) \$\$;
CREATE FUNCTION compat.expand_catalog_schema() RETURNS event_trigger LANGUAGE plpgsql AS \$compat\$
DECLARE
    command record;
BEGIN
    FOR command IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
        IF command.object_identity LIKE '%.products'
            AND EXISTS (SELECT FROM pg_attribute WHERE attrelid = command.objid AND attname = 'rating_version')
            AND NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = command.objid AND attname = 'dietary_restrictions')
        THEN
            EXECUTE \$sql\$ $expand \$sql\$;
            EXECUTE \$sql\$ $index \$sql\$;
            EXECUTE \$sql\$ $validate \$sql\$;
            PERFORM compat.note_expanded(command.schema_name);
        END IF;
    END LOOP;
END
\$compat\$;
CREATE EVENT TRIGGER expand_catalog_schema ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION compat.expand_catalog_schema();
SQL

status=0
(
    cd "$src"
    swift build --build-tests --scratch-path ../build >&2
    export PG_ADMIN_URL="$admin_compat"
    for var in CATALOG_DATABASE_URL ORDER_DATABASE_URL RATING_DATABASE_URL ANALYTICS_DATABASE_URL; do
        export "$var=$(in_compat "${!var}")"
    done
    # The Python client test needs a Python environment in that tree; the
    # schema plays no part in it.
    swift test --skip-build --scratch-path ../build --filter CatalogTests --skip PythonClientTests
) || status=$?
# Every schema those tests made really was the expanded one.
expanded=$(psql_admin "$admin_compat" -At -c "SELECT count(*) FROM compat.expanded")
psql_admin "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $compat WITH (FORCE)"
[ "$status" -eq 0 ] || exit "$status"
if [ "$expanded" -lt 10 ]; then
    echo "test-previous-catalog.sh: FAILED, only $expanded catalog schemas were expanded: the trigger did not fire" >&2
    exit 1
fi
echo "test-previous-catalog.sh: the previous release's CatalogTests passed on $expanded expanded catalog schemas"
