#!/usr/bin/env bash
# ListProducts search latency over a large menu (`make bench-catalog`).
#
#   scripts/bench-catalog.sh
#   PRODUCTS=50000 CALLS=2000 WARMUP=100 CONCURRENCY=1 scripts/bench-catalog.sh
#
# 1. a fresh schema (catalog_bench_<random>, owned by the catalog role) on the
#    throwaway cluster (started if needed, stopped again only if this script
#    started it);
# 2. catalog-service (release build, .build-release) on a loopback port it picks
#    with DB_SCHEMA set to it; it applies its migrations;
# 3. PRODUCTS generated products (names, descriptions and tags from a food
#    vocabulary, 8 categories) bulk-inserted with one INSERT ... SELECT, then
#    ANALYZE;
# 4. catalog-bench (release) sends CALLS ListProducts with a `query` (common
#    words, prefixes, two words, web-search syntax; page_size 20) and prints
#    median/p95/p99 latency; target: median < 50 ms (the seed asks < 2 s);
# 5. EXPLAIN (ANALYZE, BUFFERS) of the search the service runs, checking that
#    the GIN index (products_search_idx) is used;
# 6. ratings: rating-service on its own schema, a rating summary for 70% of
#    the products (loaded by SQL into the rating service's table, and the
#    same values into the catalog's copy), then catalog-bench --ratings:
#    ListProducts sort=RATING against sort=PRICE_ASC (first page and page
#    50, alternated; target: RATING p50 within 1.5x) and
#    BatchGetRatingSummaries of 1,000 ids (target: p50 <= 10 ms);
# 7. the services are stopped and the schemas dropped, whatever happened.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PRODUCTS="${PRODUCTS:-50000}"
CALLS="${CALLS:-2000}"
WARMUP="${WARMUP:-100}"
CONCURRENCY="${CONCURRENCY:-1}"
SCRATCH="${SCRATCH:-$ROOT/.build-release}"
log() { echo "bench-catalog: $*" >&2; }

. "$ROOT/scripts/lib.sh"
use_postgres

log "building catalog-service, rating-service and catalog-bench (release, $SCRATCH)"
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product catalog-service >/dev/null)
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product rating-service >/dev/null)
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product catalog-bench >/dev/null)
BIN="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

SCHEMA="catalog_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
RATING_SCHEMA="rating_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ROLE="$(echo "$CATALOG_DATABASE_URL" | sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#')"
RATING_ROLE="$(echo "$RATING_DATABASE_URL" | sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#')"
RUN_DIR="$(mktemp -d)"
pids=()
psql_admin() { "$PGBIN/psql" "$PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
# As the catalog role, in the bench schema (as the service sees it).
psql_catalog() { PGOPTIONS="-c search_path=$SCHEMA" "$PGBIN/psql" "$CATALOG_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
    local status=$?
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_process "${pids[i]}" 10 || true; done  # rating first
    if [ "$status" -ne 0 ] && [ -f "$RUN_DIR/service.log" ]; then
        log "catalog-service log (last 30 lines):"
        tail -n 30 "$RUN_DIR/service.log" >&2
    fi
    psql_admin -c "DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" >/dev/null 2>&1 || log "could not drop schema $SCHEMA"
    psql_admin -c "DROP SCHEMA IF EXISTS \"$RATING_SCHEMA\" CASCADE" >/dev/null 2>&1 || log "could not drop schema $RATING_SCHEMA"
    rm -rf "$RUN_DIR"
    release_postgres
}
trap cleanup EXIT

psql_admin -c "CREATE SCHEMA \"$SCHEMA\" AUTHORIZATION \"$ROLE\""
psql_admin -c "CREATE SCHEMA \"$RATING_SCHEMA\" AUTHORIZATION \"$RATING_ROLE\""

log "starting catalog-service (schema $SCHEMA)"
start_ready_server "$RUN_DIR/service.log" env DATABASE_URL="$CATALOG_DATABASE_URL" DB_SCHEMA="$SCHEMA" \
    LISTEN_ADDR=127.0.0.1:0 AUTH_TOKENS=bench DB_POOL_MIN=2 DB_POOL_MAX=10 LOG_LEVEL=warning "$BIN/catalog-service"
PORT=$port
"$BIN/catalog-bench" --target "127.0.0.1:$PORT" --wait-ready 120 >/dev/null

log "loading $PRODUCTS products"
load_start=$(date +%s.%N)
psql_catalog -v products="$PRODUCTS" <<'SQL'
INSERT INTO categories (name, slug, description, sort_order)
SELECT name, lower(name), name || ' of the house', ordinality
FROM unnest(ARRAY['Starters', 'Soups', 'Salads', 'Mains', 'Burgers', 'Pizza', 'Desserts', 'Drinks']) WITH ORDINALITY AS t(name, ordinality);

\o /dev/null
SELECT setseed(0.42);
\o
WITH vocabulary AS (
    SELECT ARRAY['grilled', 'roasted', 'spicy', 'crispy', 'smoked', 'fresh', 'creamy', 'baked', 'fried', 'braised',
                 'tangy', 'sweet', 'garlic', 'herb', 'honey', 'lemon', 'pepper', 'truffle', 'classic', 'rustic',
                 'charred', 'sticky', 'zesty', 'golden', 'slow-cooked'] AS adjectives,
           ARRAY['chicken', 'beef', 'pork', 'lamb', 'salmon', 'tuna', 'shrimp', 'tofu', 'mushroom', 'halloumi',
                 'duck', 'turkey', 'veggie', 'paneer', 'chickpea', 'lentil', 'egg', 'cod', 'crab', 'bean',
                 'aubergine', 'pumpkin', 'spinach', 'goat cheese', 'chorizo'] AS mains,
           ARRAY['burger', 'pizza', 'salad', 'soup', 'wrap', 'sandwich', 'taco', 'burrito', 'curry', 'noodles',
                 'risotto', 'pasta', 'bowl', 'skewers', 'stew', 'pie', 'omelette', 'quesadilla', 'ramen', 'dumplings',
                 'flatbread', 'tart', 'gratin', 'platter', 'bao'] AS dishes,
           ARRAY['rice', 'fries', 'greens', 'cheese', 'tomato', 'avocado', 'red onion', 'peppers', 'cucumber',
                 'yogurt sauce', 'salsa', 'coleslaw', 'pickles', 'sesame', 'chili oil', 'basil pesto', 'aioli',
                 'sweet potato', 'corn', 'mozzarella', 'parmesan', 'cheddar', 'olives', 'capers', 'lime'] AS sides,
           ARRAY['served warm', 'served chilled', 'on a brioche bun', 'in a clay pot', 'with a side salad',
                 'on sourdough', 'with house bread', 'family style', 'topped with herbs', 'finished with sea salt'] AS styles,
           ARRAY['vegan', 'vegetarian', 'spicy', 'gluten-free', 'dairy-free', 'nut-free', 'halal', 'organic', 'local',
                 'chef-special', 'kids', 'low-carb', 'keto', 'seasonal', 'new'] AS tags
), generated AS (
    SELECT g,
           v.adjectives[1 + floor(random() * 25)::int] AS adjective,
           v.mains[1 + floor(random() * 25)::int] AS main,
           v.dishes[1 + floor(random() * 25)::int] AS dish,
           v.sides[1 + floor(random() * 25)::int] AS side1,
           v.sides[1 + floor(random() * 25)::int] AS side2,
           v.styles[1 + floor(random() * 10)::int] AS style,
           v.tags AS tag_pool
    FROM generate_series(1, :products) AS g, vocabulary AS v
)
INSERT INTO products (category_id, name, description, price_cents, preparation_minutes, calories, available,
                      featured, tags, created_at, updated_at)
SELECT (SELECT id FROM categories ORDER BY id OFFSET g % 8 LIMIT 1),
       initcap(adjective || ' ' || main || ' ' || dish) || CASE WHEN g % 10 = 0 THEN ' No. ' || (g / 10) ELSE '' END,
       initcap(adjective) || ' ' || main || ' ' || dish || ' with ' || side1 || ' and ' || side2 || ', ' || style || '.',
       (300 + floor(random() * 3700))::bigint,
       (floor(random() * 60))::int,
       CASE WHEN g % 4 = 0 THEN NULL ELSE (150 + floor(random() * 1200))::int END,
       g % 13 <> 0,
       g % 50 = 0,
       -- (the aggregate's argument names the inner row, or it would belong to the outer query)
       coalesce((SELECT array_agg(DISTINCT tag_pool[1 + floor(random() * 15)::int + 0 * s.i])
                 FROM generate_series(1, g % 4) AS s(i)), '{}'),
       now() - (g % 10000) * interval '1 minute',
       now() - (g % 10000) * interval '1 minute'
FROM generated;
ANALYZE categories;
ANALYZE products;
SQL
load_end=$(date +%s.%N)
count="$(psql_catalog -At -c "SELECT count(*) FROM products")"
log "loaded $count products in $(awk -v a="$load_start" -v b="$load_end" 'BEGIN { printf "%.1f", b - a }') s"
echo "sample products:"
psql_catalog -c "SELECT id, name, left(description, 60) AS description, price_cents, tags FROM products ORDER BY id LIMIT 5"

echo
bench_status=0
"$BIN/catalog-bench" --target "127.0.0.1:$PORT" --calls "$CALLS" --warmup "$WARMUP" --concurrency "$CONCURRENCY" \
    || bench_status=$?

# The statements ListProducts runs for `query = "grilled chicken"` with the
# default (relevance) order: the first page and the count
# (Services/Catalog/Catalog/ProductListing.swift).
echo
echo "EXPLAIN (ANALYZE, BUFFERS) of the search page query for 'grilled chicken':"
plan="$(psql_catalog <<'SQL'
PREPARE page(text, text, bigint) AS
SELECT p.id, p.category_id, c.name, p.name, p.description, p.price_cents, p.preparation_minutes,
       p.calories, p.available, p.featured, p.tags, p.created_at, p.updated_at, p.archived_at IS NOT NULL,
       ts_rank_cd(p.search, q.query)::float8, NULL::bigint, NULL::text
FROM products p JOIN categories c ON c.id = p.category_id
CROSS JOIN (SELECT (websearch_to_tsquery('english', $1) || to_tsquery('english', $2)) AS query) AS q
WHERE p.archived_at IS NULL AND p.search @@ q.query
ORDER BY ts_rank_cd(p.search, q.query)::float8 DESC, p.id
LIMIT $3;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE page('grilled chicken', 'grilled:* & chicken:*', 21);
PREPARE total(text, text) AS
SELECT count(*)::integer
FROM products p JOIN categories c ON c.id = p.category_id
CROSS JOIN (SELECT (websearch_to_tsquery('english', $1) || to_tsquery('english', $2)) AS query) AS q
WHERE p.archived_at IS NULL AND p.search @@ q.query;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE total('grilled chicken', 'grilled:* & chicken:*');
SQL
)"
echo "$plan"
if echo "$plan" | grep -q "products_search_idx"; then
    echo "GIN index used: yes (products_search_idx)"
else
    echo "GIN index used: NO"
    bench_status=1
fi

echo
log "starting rating-service (schema $RATING_SCHEMA)"
start_ready_server "$RUN_DIR/rating.log" env DATABASE_URL="$RATING_DATABASE_URL" DB_SCHEMA="$RATING_SCHEMA" \
    LISTEN_ADDR=127.0.0.1:0 AUTH_TOKENS=bench CATALOG_ADDR="127.0.0.1:$PORT" UPSTREAM_TOKEN=bench \
    DB_POOL_MIN=2 DB_POOL_MAX=10 LOG_LEVEL=warning "$BIN/rating-service"
RATING_PORT=$port
for _ in $(seq 1 600); do
    psql_admin -At -c "SELECT to_regclass('\"$RATING_SCHEMA\".rating_summaries') IS NOT NULL" | grep -q t && break
    sleep 0.2
done
log "rating $(( PRODUCTS * 7 / 10 )) products"
psql_admin -v rs="$RATING_SCHEMA" -v cs="$SCHEMA" <<'SQL'
SELECT setseed(0.7);
INSERT INTO :"rs".rating_summaries (product_id, count, star_total, stars_1, stars_2, stars_3, stars_4, stars_5, version)
SELECT id, s1 + s2 + s3 + s4 + s5, s1 + 2 * s2 + 3 * s3 + 4 * s4 + 5 * s5, s1, s2, s3, s4, s5, 1
FROM (SELECT id, floor(random() * 5)::int AS s1, floor(random() * 8)::int AS s2, floor(random() * 15)::int AS s3,
             floor(random() * 40)::int + 1 AS s4, floor(random() * 40)::int AS s5
      FROM :"cs".products WHERE random() < 0.7) AS r;
-- The catalog's copy, as the relay would have delivered it.
UPDATE :"cs".products p
SET rating_average = s.star_total::float8 / s.count, rating_count = s.count, rating_version = s.version
FROM :"rs".rating_summaries s WHERE s.product_id = p.id;
ANALYZE :"rs".rating_summaries;
ANALYZE :"cs".products;
SQL
"$BIN/catalog-bench" --target "127.0.0.1:$PORT" --ratings "127.0.0.1:$RATING_PORT" --calls "${RATING_CALLS:-300}" \
    --warmup 30 || bench_status=$?

# Both listings also count every match (total_size), which costs the same
# for both sorts; the page queries themselves, the part the sort changes:
echo
echo "EXPLAIN ANALYZE of the first page sorted by RATING and by PRICE_ASC:"
plans="$(psql_catalog <<'SQL'
EXPLAIN (ANALYZE, COSTS OFF) SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id
WHERE p.archived_at IS NULL ORDER BY -p.rating_average, -p.rating_count, p.id LIMIT 21;
EXPLAIN (ANALYZE, COSTS OFF) SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id
WHERE p.archived_at IS NULL ORDER BY p.price_cents, p.id LIMIT 21;
EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*)::integer FROM products p JOIN categories c ON c.id = p.category_id
WHERE p.archived_at IS NULL;
SQL
)"
echo "$plans"
if echo "$plans" | grep -q "products_rating_idx"; then
    echo "rating index used: yes (products_rating_idx)"
else
    echo "rating index used: NO"
    bench_status=1
fi
exit "$bench_status"
