#!/usr/bin/env bash
# Analytics ingest against the database's ceiling for the same work, and
# dashboards as history grows (`make bench-analytics`).
#
#   scripts/bench-analytics.sh
#   EVENTS=1000000 CONCURRENCY=2 SECONDS_RUN=30 scripts/bench-analytics.sh
#
# 1. a fresh schema (owned by the analytics role) on the throwaway cluster;
#    analytics-service (release) on it;
# 2. analytics-bench: GetDashboard(days: 366) p50 after 1,000 events; then
#    EVENTS events in batches of 100 (CONCURRENCY at once), events/s; then
#    GetDashboard p50 again (target: at most 2x the first);
# 3. pgbench, CONCURRENCY clients for SECONDS_RUN s on the same schema,
#    running the statements one IngestOrderEvents batch of 100 events runs
#    (25 orders, 4 events each; the reports' lock, event ids, snapshots read
#    and written, items replaced, the five aggregates moved): the database's
#    ceiling for that work. Target: events/s >= 0.5x of it;
# 4. the service is stopped and the schema dropped, whatever happened.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVENTS="${EVENTS:-1000000}"
CONCURRENCY="${CONCURRENCY:-2}"
SECONDS_RUN="${SECONDS_RUN:-30}"
SCRATCH="${SCRATCH:-$ROOT/.build-release}"
log() { echo "bench-analytics: $*" >&2; }

. "$ROOT/scripts/lib.sh"
use_postgres

log "building analytics-service and analytics-bench (release, $SCRATCH)"
for product in analytics-service analytics-bench restaurantctl; do
    (cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null)
done
BIN="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

SCHEMA="analytics_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ROLE="$(echo "$ANALYTICS_DATABASE_URL" | sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#')"
RUN_DIR="$(mktemp -d)"
pids=()
psql_admin() { "$PGBIN/psql" "$PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do stop_process "$pid" 10 || true; done
    if [ "$status" -ne 0 ] && [ -f "$RUN_DIR/service.log" ]; then
        log "analytics-service log (last 20 lines):"
        tail -n 20 "$RUN_DIR/service.log" >&2
    fi
    psql_admin -c "DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" >/dev/null 2>&1 || log "could not drop schema $SCHEMA"
    rm -rf "$RUN_DIR"
    release_postgres
}
trap cleanup EXIT

psql_admin -c "CREATE SCHEMA \"$SCHEMA\" AUTHORIZATION \"$ROLE\""
start_ready_server "$RUN_DIR/service.log" env DATABASE_URL="$ANALYTICS_DATABASE_URL" DB_SCHEMA="$SCHEMA" \
    LISTEN_ADDR=127.0.0.1:0 AUTH_TOKENS=bench DB_POOL_MIN=2 DB_POOL_MAX=10 LOG_LEVEL=warning "$BIN/analytics-service"
PORT=$port
for _ in $(seq 1 600); do "$BIN/restaurantctl" health "127.0.0.1:$PORT" >/dev/null 2>&1 && break; sleep 0.2; done

echo
bench_status=0
"$BIN/analytics-bench" --target "127.0.0.1:$PORT" --events "$EVENTS" --batch 100 --concurrency "$CONCURRENCY" \
    | tee "$RUN_DIR/bench.out" || bench_status=$?
ours=$(sed -n 's/^INGEST_EVENTS_PER_SECOND \([0-9]*\)$/\1/p' "$RUN_DIR/bench.out")

# One batch of 100 events for 25 new orders, as the service ingests it.
cat > "$RUN_DIR/ingest.sql" <<'SQL'
SELECT array_agg(e)::text AS events FROM (SELECT gen_random_uuid()::text || '-' || n AS e FROM generate_series(1, 100) n) x \gset
SELECT array_agg(id ORDER BY id::text)::text AS orders, array_agg(day)::text AS days, array_agg(hour)::text AS hours,
       array_agg(created)::text AS created
FROM (SELECT gen_random_uuid() AS id, (current_date - (random() * 365)::int)::text AS day, (random() * 23)::int AS hour,
             (extract(epoch FROM now()) * 1000000)::bigint AS created FROM generate_series(1, 25)) o \gset
SELECT array_agg(o)::text AS item_orders, array_agg(p)::text AS item_products
FROM (SELECT o, (random() * 499)::int + 1 AS p FROM unnest(:orders::uuid[]) o, generate_series(1, 2)) i \gset
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '.analytics-reports', 0));
INSERT INTO processed_events (event_id) SELECT DISTINCT unnest(:events::text[]) ON CONFLICT (event_id) DO NOTHING RETURNING event_id;
SELECT order_id, sequence, occurred_us, counted, business_day - DATE '1970-01-01', created_hour, total_cents
    FROM orders WHERE order_id = ANY(:orders::uuid[]);
SELECT order_id, product_id, quantity, subtotal_cents FROM order_items WHERE order_id = ANY(:orders::uuid[]) ORDER BY order_id, line;
INSERT INTO orders (order_id, sequence, occurred_us, status, counted, created_at, business_day, created_hour, total_cents)
    SELECT id, 4, created, 4, true, 'epoch'::timestamptz + created * interval '1 microsecond', day::date, hour, 1600
    FROM unnest(:orders::uuid[], :created::bigint[], :days::text[], :hours::int[]) AS s(id, created, day, hour)
    ON CONFLICT (order_id) DO UPDATE SET sequence = EXCLUDED.sequence, occurred_us = EXCLUDED.occurred_us,
        status = EXCLUDED.status, counted = EXCLUDED.counted, created_at = EXCLUDED.created_at,
        business_day = EXCLUDED.business_day, created_hour = EXCLUDED.created_hour, total_cents = EXCLUDED.total_cents;
DELETE FROM order_items WHERE order_id = ANY(:orders::uuid[]);
INSERT INTO order_items (order_id, line, product_id, product_name, quantity, subtotal_cents, created_at, counted)
    SELECT id, line::int, product, 'Dish ' || product, 1, 800, now(), true
    FROM unnest(:item_orders::uuid[], :item_products::bigint[]) WITH ORDINALITY AS i(id, product, line);
WITH delta AS (SELECT day::date, 1::bigint AS orders, 1600::bigint AS revenue FROM unnest(:days::text[]) AS d(day)),
updated AS (UPDATE daily_sales s SET orders = s.orders + delta.orders, revenue_cents = s.revenue_cents + delta.revenue
            FROM delta WHERE s.day = delta.day RETURNING s.day)
INSERT INTO daily_sales (day, orders, revenue_cents)
SELECT DISTINCT ON (day) day, orders, revenue FROM delta WHERE day NOT IN (SELECT day FROM updated)
ON CONFLICT (day) DO UPDATE SET orders = daily_sales.orders + EXCLUDED.orders, revenue_cents = daily_sales.revenue_cents + EXCLUDED.revenue_cents;
WITH delta AS (SELECT day::date, hour, 1::bigint AS orders FROM unnest(:days::text[], :hours::int[]) AS h(day, hour)),
updated AS (UPDATE hourly_orders h SET orders = h.orders + delta.orders FROM delta
            WHERE h.day = delta.day AND h.hour = delta.hour RETURNING h.day, h.hour)
INSERT INTO hourly_orders (day, hour, orders)
SELECT DISTINCT ON (day, hour) day, hour, orders FROM delta WHERE (day, hour) NOT IN (SELECT day, hour FROM updated)
ON CONFLICT (day, hour) DO UPDATE SET orders = hourly_orders.orders + EXCLUDED.orders;
WITH delta AS (SELECT DISTINCT ON (o.day, i.product) o.day::date AS day, i.product, 1::bigint AS quantity, 800::bigint AS revenue
               FROM unnest(:orders::uuid[], :days::text[]) AS o(id, day)
               JOIN unnest(:item_orders::uuid[], :item_products::bigint[]) AS i(id, product) USING (id)),
updated AS (UPDATE daily_product_sales s SET quantity = s.quantity + delta.quantity, revenue_cents = s.revenue_cents + delta.revenue
            FROM delta WHERE s.day = delta.day AND s.product_id = delta.product RETURNING s.day, s.product_id)
INSERT INTO daily_product_sales (day, product_id, quantity, revenue_cents)
SELECT day, product, quantity, revenue FROM delta WHERE (day, product) NOT IN (SELECT day, product_id FROM updated)
ON CONFLICT (day, product_id) DO UPDATE SET quantity = daily_product_sales.quantity + EXCLUDED.quantity,
                                            revenue_cents = daily_product_sales.revenue_cents + EXCLUDED.revenue_cents;
DELETE FROM daily_product_sales s USING unnest(:days::text[], :item_products::bigint[]) AS p(day, product)
    WHERE s.day = p.day::date AND s.product_id = p.product AND s.quantity = 0;
WITH delta AS (SELECT DISTINCT ON (product) product, 1::bigint AS quantity, 800::bigint AS revenue, 1::bigint AS orders
               FROM unnest(:item_products::bigint[]) AS p(product)),
updated AS (UPDATE product_totals t SET quantity = t.quantity + delta.quantity, revenue_cents = t.revenue_cents + delta.revenue,
                                        orders = t.orders + delta.orders
            FROM delta WHERE t.product_id = delta.product RETURNING t.product_id)
INSERT INTO product_totals (product_id, quantity, revenue_cents, orders)
SELECT product, quantity, revenue, orders FROM delta WHERE product NOT IN (SELECT product_id FROM updated)
ON CONFLICT (product_id) DO UPDATE SET quantity = product_totals.quantity + EXCLUDED.quantity,
    revenue_cents = product_totals.revenue_cents + EXCLUDED.revenue_cents, orders = product_totals.orders + EXCLUDED.orders;
UPDATE product_totals t SET (last_ordered_at, name) = (
    SELECT i.created_at, i.product_name FROM order_items i WHERE i.product_id = t.product_id AND i.counted
    ORDER BY i.created_at DESC, i.order_id DESC, i.line LIMIT 1)
WHERE t.product_id = ANY(:item_products::bigint[]) AND t.orders > 0;
DELETE FROM product_totals WHERE product_id = ANY(:item_products::bigint[]) AND orders = 0;
UPDATE counters SET counted_orders = counted_orders + 25;
COMMIT;
SQL
echo
log "pgbench: the statements of one 100-event batch, $CONCURRENCY clients, ${SECONDS_RUN}s"
PGOPTIONS="-c search_path=$SCHEMA" "$PGBIN/pgbench" "$ANALYTICS_DATABASE_URL" -n -M prepared -c "$CONCURRENCY" -j "$CONCURRENCY" \
    -T "$SECONDS_RUN" -f "$RUN_DIR/ingest.sql" | tee "$RUN_DIR/pgbench.out" || bench_status=1
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$RUN_DIR/pgbench.out" | cut -d. -f1)
echo
awk -v ours="${ours:-0}" -v tps="${tps:-0}" 'BEGIN {
    ceiling = tps * 100
    ratio = ceiling > 0 ? ours / ceiling : 0
    printf "ingest: %d events/s through the service; pgbench with the same statements: %d batches/s = %d events/s; ratio %.2f (target >= 0.5): %s\n",
           ours, tps, ceiling, ratio, (ratio >= 0.5 ? "meets" : "MISSES")
    exit (ratio >= 0.5 ? 0 : 1)
}' || bench_status=1
exit "$bench_status"
