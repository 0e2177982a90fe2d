#!/usr/bin/env bash
# CreateOrder through the whole path against the database's own ceiling
# for the same work (`make bench-order`).
#
#   scripts/bench-order.sh
#   CLIENTS=100 SECONDS_RUN=30 scripts/bench-order.sh
#
# 1. fresh schemas for the catalog, order and analytics roles on the
#    throwaway cluster (started if needed, stopped again only if this script
#    started it);
# 2. catalog-service, analytics-service and order-service (release builds);
#    three products in the catalog;
# 3. order-bench: CLIENTS clients place 3-item orders for SECONDS_RUN seconds
#    (each a fresh idempotency key): orders/s, p50/p90/p99, errors;
# 4. the order service is stopped and pgbench runs, with the same number of
#    clients on the same schema, the statements one CreateOrder runs
#    (idempotency check, key, order, items, history, the order read back,
#    outbox row, notifications, key response, and the read of the result;
#    order numbers get 12 random characters there, as pgbench cannot retry a
#    collision the way the service does):
#    the database's ceiling for this work. Target: ratio >= 0.5;
# 5. the services are stopped and the schemas dropped, whatever happened.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="${CLIENTS:-100}"
SECONDS_RUN="${SECONDS_RUN:-30}"
SCRATCH="${SCRATCH:-$ROOT/.build-release}"
log() { echo "bench-order: $*" >&2; }

. "$ROOT/scripts/lib.sh"
use_postgres

log "building the services and order-bench (release, $SCRATCH)"
for product in catalog-service analytics-service order-service order-bench; do
    (cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null)
done
BIN="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

suffix="$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
RUN_DIR="$(mktemp -d)"
pids=()
schemas=()
psql_admin() { "$PGBIN/psql" "$PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
role_of() { echo "$1" | sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#'; }

cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do stop_process "$pid" 10 || true; done
    if [ "$status" -ne 0 ]; then
        for f in "$RUN_DIR"/*.log; do [ -f "$f" ] && { log "$(basename "$f") (last 20 lines):"; tail -n 20 "$f" >&2; }; done
    fi
    for schema in "${schemas[@]}"; do
        psql_admin -c "DROP SCHEMA IF EXISTS \"$schema\" CASCADE" >/dev/null 2>&1 || log "could not drop schema $schema"
    done
    rm -rf "$RUN_DIR"
    release_postgres
}
trap cleanup EXIT

# start NAME URL-VARIABLE: a service on a fresh schema of its role; sets $port.
start() {
    local name=$1 url=$2
    local schema="${name}_bench_$suffix"
    psql_admin -c "CREATE SCHEMA \"$schema\" AUTHORIZATION \"$(role_of "${!url}")\""
    schemas+=("$schema")
    start_ready_server "$RUN_DIR/$name.log" env DATABASE_URL="${!url}" DB_SCHEMA="$schema" LISTEN_ADDR=127.0.0.1:0 \
        AUTH_TOKENS=bench UPSTREAM_TOKEN=bench DB_POOL_MIN=4 DB_POOL_MAX=20 LOG_LEVEL=warning \
        CATALOG_ADDR="${CATALOG:-}" ANALYTICS_ADDR="${ANALYTICS:-}" "$BIN/$name-service"
    for _ in $(seq 1 600); do "$BIN/restaurantctl" health "127.0.0.1:$port" >/dev/null 2>&1 && return 0; sleep 0.2; done
    log "$name-service did not become SERVING"
    return 1
}

start catalog CATALOG_DATABASE_URL; CATALOG="127.0.0.1:$port"
start analytics ANALYTICS_DATABASE_URL; ANALYTICS="127.0.0.1:$port"
start order ORDER_DATABASE_URL; ORDER="127.0.0.1:$port"; ORDER_PID=${pids[-1]}
ORDER_SCHEMA="order_bench_$suffix"

ctl() { "$BIN/restaurantctl" "$@" --token bench -o json; }
category=$(ctl catalog category create Bench --addr "$CATALOG" | sed -n 's/.*"id": "\([0-9]*\)".*/\1/p')
products=()
for name in Soup Steak Pie; do
    products+=("$(ctl catalog product create --category "$category" --name "$name" --price 9.50 --prep-minutes 10 \
                 --addr "$CATALOG" | sed -n 's/^  "id": "\([0-9]*\)".*/\1/p')")
done
log "products ${products[*]}"

echo
"$BIN/order-bench" --target "$ORDER" --products "$(IFS=,; echo "${products[*]}")" --clients "$CLIENTS" \
    --seconds "$SECONDS_RUN" --token bench | tee "$RUN_DIR/order-bench.out"
ours=$(sed -n 's/.*: \([0-9]*\) orders\/s.*/\1/p' "$RUN_DIR/order-bench.out")

stop_process "$ORDER_PID" 15 || true
# The same statements, as the order role on the same schema.
cat > "$RUN_DIR/create-order.sql" <<SQL
\\set customer random(1, 100)
SELECT gen_random_uuid() AS id, 'ORD' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || upper(substr(md5(random()::text), 1, 12)) AS number,
       gen_random_uuid()::text AS key, gen_random_uuid() AS event \\gset
SELECT request_hash = sha256('\\x0a0b'::bytea), response FROM idempotency_keys WHERE scope = 'bench-' || :customer::text AND key = :key;
BEGIN;
INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('bench-' || :customer::text, :key, sha256('\\x0a0b'::bytea))
    ON CONFLICT (scope, key) DO NOTHING RETURNING 1;
INSERT INTO orders (id, order_number, customer_id, status, total_cents, notes, created_at, updated_at, estimated_ready_at)
    VALUES (:id::uuid, :number, 'bench-' || :customer::text, 1, 2850, '', now(), now(), now() + interval '10 minutes')
    ON CONFLICT (order_number) DO NOTHING RETURNING 1;
INSERT INTO order_items (order_id, line, product_id, product_name, quantity, unit_price_cents, subtotal_cents, notes)
    SELECT :id::uuid, line - 1, product, name, quantity, price, quantity * price, notes
    FROM unnest('{1,2,3}'::bigint[], '{Soup,Steak,Pie}'::text[], '{1,1,1}'::int[], '{950,950,950}'::bigint[], '{"","",""}'::text[])
         WITH ORDINALITY AS i(product, name, quantity, price, notes, line);
INSERT INTO order_status_history (order_id, sequence, from_status, to_status, changed_at, changed_by)
    VALUES (:id::uuid, 1, 0, 1, now(), '');
SELECT id, order_number, customer_id, status, total_cents, notes, created_at, updated_at, estimated_ready_at, cancellation_reason
    FROM orders WHERE id = :id::uuid;
SELECT order_id, product_id, product_name, quantity, unit_price_cents, subtotal_cents, notes
    FROM order_items WHERE order_id = :id::uuid ORDER BY order_id, line;
SELECT order_id, from_status, to_status, changed_at, changed_by, reason
    FROM order_status_history WHERE order_id = :id::uuid ORDER BY order_id, sequence;
INSERT INTO outbox (event_id, topic, key, payload) VALUES (:event::uuid, 'pgbench', :id::text, decode(repeat('ab', 200), 'hex'));
SELECT pg_notify('$ORDER_SCHEMA.outbox', '');
SELECT pg_notify('$ORDER_SCHEMA.orders', :id::text || ':1');
UPDATE idempotency_keys SET response = '\\x0a24'::bytea WHERE scope = 'bench-' || :customer::text AND key = :key;
COMMIT;
SQL
echo
log "pgbench: the same statements, $CLIENTS clients, ${SECONDS_RUN}s"
PGOPTIONS="-c search_path=$ORDER_SCHEMA" "$PGBIN/pgbench" "$ORDER_DATABASE_URL" -n -M prepared -c "$CLIENTS" -j 2 \
    -T "$SECONDS_RUN" -f "$RUN_DIR/create-order.sql" | tee "$RUN_DIR/pgbench.out"
ceiling=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$RUN_DIR/pgbench.out" | cut -d. -f1)
echo
awk -v ours="$ours" -v ceiling="$ceiling" 'BEGIN {
    ratio = ours / ceiling
    printf "CreateOrder: %d orders/s through the services; pgbench with the same SQL: %d tps; ratio %.2f (target >= 0.5): %s\n",
           ours, ceiling, ratio, (ratio >= 0.5 ? "meets" : "MISSES")
    exit (ratio >= 0.5 ? 0 : 1)
}'
