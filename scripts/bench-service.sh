#!/usr/bin/env bash
# The path from a request to its SQL (`make bench-service`): the real
# catalog-service (release, default pool of 10) under h2load, against
# pgbench running the same SQL with the same number of connections, and
# the CPU each side costs per request.
#
#   scripts/bench-service.sh
#   ROUNDS=3 DURATION=10 PRODUCTS=10000 scripts/bench-service.sh
#
# Each round, alternated: GetProduct at h2load -c10 -m1 and -c4 -m32,
# ListProducts (page of 20, no filters, menu order: the page and the count),
# UpdateProduct (price; a real UPDATE with its NOTIFY: SetProductAvailability
# with h2load's one constant body would change nothing after the first
# call), then pgbench -S -M prepared -c10 -j2 (the issue's ceiling) and
# pgbench -f with each service statement; GetProduct at c10m1 again through
# a second catalog-service with tracing on (every call sampled, its spans
# exported over OTLP/HTTP to Tests/python/otlp_receiver.py). Last, the RPC
# layer alone (interop-server UnaryCall at c10m1) to show it does not regress.
#
# CPU per request = (utime + stime) / requests, from /proc: the service
# process for "server", and for PostgreSQL every process of the cluster
# (backends that exit, like pgbench's, are counted in the postmaster's
# cutime/cstime). Columns are medians over the rounds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
PRODUCTS="${PRODUCTS:-10000}"
SCRATCH="${SCRATCH:-$ROOT/.build-release}"
log() { echo "bench-service: $*" >&2; }

. "$ROOT/scripts/lib.sh"
bash "$ROOT/scripts/ensure-deps.sh"
use_postgres

log "building catalog-service, catalog-bench and interop-server (release, $SCRATCH)"
for product in catalog-service catalog-bench interop-server; do
    (cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null)
done
BIN="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

SCHEMA="catalog_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ROLE="$(echo "$CATALOG_DATABASE_URL" | sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#')"
WORK="$(mktemp -d)"
pids=()
psql_admin() { "$PGBIN/psql" "$PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
    for pid in "${pids[@]}"; do stop_process "$pid" 10 || true; done
    psql_admin -c "DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" >/dev/null 2>&1 || log "could not drop schema $SCHEMA"
    rm -rf "$WORK"
    release_postgres
}
trap cleanup EXIT

psql_admin -c "CREATE SCHEMA \"$SCHEMA\" AUTHORIZATION \"$ROLE\""
log "starting catalog-service (schema $SCHEMA)"
start_ready_server "$WORK/service.log" env DATABASE_URL="$CATALOG_DATABASE_URL" DB_SCHEMA="$SCHEMA" \
    LISTEN_ADDR=127.0.0.1:0 AUTH_TOKENS=bench LOG_LEVEL=warning "$BIN/catalog-service"
SERVICE_PID=$server_pid PORT=$port
"$BIN/catalog-bench" --target "127.0.0.1:$PORT" --wait-ready 120 --calls 1 --warmup 0 >/dev/null

log "loading $PRODUCTS products"
PGOPTIONS="-c search_path=$SCHEMA" "$PGBIN/psql" "$CATALOG_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v products="$PRODUCTS" <<'SQL'
INSERT INTO categories (name, slug, sort_order)
SELECT 'Category ' || g, 'category-' || g, g FROM generate_series(1, 8) AS g;
INSERT INTO products (category_id, name, description, price_cents, preparation_minutes, tags)
SELECT (SELECT min(id) FROM categories) + g % 8, 'Dish ' || g, 'A dish of the house, number ' || g,
       300 + g % 3700, g % 60, ARRAY['house']
FROM generate_series(1, :products) AS g;
ANALYZE categories;
ANALYZE products;
SQL
FIRST_ID="$(psql_admin -At -c "SELECT min(id) FROM \"$SCHEMA\".products")"
PRODUCT_ID=$((FIRST_ID + PRODUCTS / 2))

# A second catalog-service on the same schema with tracing on: every call
# sampled, spans exported over OTLP/HTTP to the test suite's receiver.
bash "$ROOT/scripts/python-env.sh" >/dev/null
start_ready_server "$WORK/receiver.log" "$ROOT/.venv/bin/python" "$ROOT/Tests/python/otlp_receiver.py" "$WORK/spans.jsonl"
RECEIVER_PORT=$port
start_ready_server "$WORK/traced.log" env DATABASE_URL="$CATALOG_DATABASE_URL" DB_SCHEMA="$SCHEMA" \
    LISTEN_ADDR=127.0.0.1:0 AUTH_TOKENS=bench LOG_LEVEL=warning \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    "$BIN/catalog-service"
TRACED_PID=$server_pid TRACED_PORT=$port
"$BIN/catalog-bench" --target "127.0.0.1:$TRACED_PORT" --wait-ready 120 --calls 1 --warmup 0 >/dev/null

# gRPC frames (a zero flag byte, a 4-byte length, the protobuf message).
frame() {  # file hex-message
    python3 - "$1" "$2" <<'PY'
import struct, sys
body = bytes.fromhex(sys.argv[2])
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(body)) + body)
PY
}
varint() { python3 -c "import sys
n = int(sys.argv[1]); out = b''
while True:
    byte = n & 0x7f; n >>= 7
    out += bytes([byte | (0x80 if n else 0)])
    if not n: break
print(out.hex())" "$1"; }
ID_HEX="$(varint "$PRODUCT_ID")"
frame "$WORK/get.bin" "08$ID_HEX"                                   # GetProductRequest { id }
frame "$WORK/list.bin" "4014"                                       # ListProductsRequest { page_size: 20 }
PRODUCT_HEX="08${ID_HEX}30e707"                                     # Product { id, price_cents: 999 }
MASK_HEX="0a0b70726963655f63656e7473"                               # FieldMask { paths: "price_cents" }
frame "$WORK/update.bin" "0a$(printf '%02x' $(( ${#PRODUCT_HEX} / 2 )))${PRODUCT_HEX}12$(printf '%02x' $(( ${#MASK_HEX} / 2 )))${MASK_HEX}"
printf '\x00\x00\x00\x00\x16\x10\x10\x1a\x12\x12\x10' > "$WORK/unary.bin"   # SimpleRequest (as bench-rpc)
head -c 16 /dev/zero >> "$WORK/unary.bin"

# The service's statements, for pgbench (Services/Catalog/Catalog/CatalogStore*.swift).
SELECT_LIST="SELECT p.id, p.category_id, c.name, p.name, p.description, p.price_cents, p.preparation_minutes,
       p.calories, p.available, p.featured, p.tags, p.created_at, p.updated_at, p.archived_at IS NOT NULL,
       p.rating_average, p.rating_count"
cat >"$WORK/get.sql" <<SQL
\set id random($FIRST_ID, $((FIRST_ID + PRODUCTS - 1)))
$SELECT_LIST FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = :id AND p.archived_at IS NULL;
SQL
cat >"$WORK/list.sql" <<SQL
SELECT count(*)::integer FROM products p JOIN categories c ON c.id = p.category_id WHERE p.archived_at IS NULL;
$SELECT_LIST, c.sort_order::bigint, c.id, lower(p.name) FROM products p JOIN categories c ON c.id = p.category_id
WHERE p.archived_at IS NULL ORDER BY c.sort_order, c.id, lower(p.name), p.id LIMIT 21;
SQL
cat >"$WORK/update.sql" <<SQL
WITH changed AS (UPDATE products SET updated_at = now(), price_cents = 999 WHERE id = $PRODUCT_ID AND archived_at IS NULL RETURNING *)
$SELECT_LIST, pg_notify('$SCHEMA', 'PRODUCT_UPDATED:' || p.id) FROM changed p JOIN categories c ON c.id = p.category_id;
SQL

# CPU ticks (utime + stime) of a process, and of the whole cluster.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
POSTMASTER="$(head -n1 "$PGDATA_DIR/postmaster.pid")"
cluster_ticks() {
    local total pid
    total=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$POSTMASTER/stat")
    for pid in $(pgrep -P "$POSTMASTER"); do
        total=$((total + $(ticks "$pid" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
HZ="$(getconf CLK_TCK)"
per_request_us() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", (n > 0 ? t * 1000000 / hz / n : 0) }'; }

# h2load against `pid`'s server: appends "name req/s server_us pg_us errors".
h2() {  # name pid port path body clients streams [auth]
    local name=$1 pid=$2 port=$3 path=$4 body=$5 clients=$6 streams=$7 auth=${8:-}
    local headers=(-H 'content-type: application/grpc' -H 'te: trailers')
    [ -n "$auth" ] && headers+=(-H "authorization: Bearer $auth")
    h2load -t1 -c"$clients" -m"$streams" -D 2 "${headers[@]}" -d "$body" "http://127.0.0.1:$port$path" >/dev/null 2>&1
    local server0 pg0 out
    server0=$(ticks "$pid"); pg0=$(cluster_ticks)
    out=$(h2load -t1 -c"$clients" -m"$streams" -D "$DURATION" "${headers[@]}" -d "$body" "http://127.0.0.1:$port$path" 2>&1)
    local server=$(( $(ticks "$pid") - server0 )) pg=$(( $(cluster_ticks) - pg0 ))
    local done rps failed
    done=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
    rps=$(echo "$out" | sed -n 's/.*finished in .*, \([0-9.]*\) req\/s.*/\1/p')
    failed=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p')
    echo "$name $rps $(per_request_us "$server" "$done") $(per_request_us "$pg" "$done") ${failed:-0}" >>"$WORK/results"
}

pgb() {  # name pgbench-args...
    local name=$1; shift
    local pg0 out backends
    backends=$(pgrep -c -P "$POSTMASTER")
    pg0=$(cluster_ticks)
    out=$("$PGBIN/pgbench" -n -M prepared -c 10 -j 2 -T "$DURATION" "$@" 2>&1)
    # pgbench's backends are counted once the postmaster has reaped them.
    for _ in $(seq 1 50); do
        [ "$(pgrep -c -P "$POSTMASTER")" -le "$backends" ] && break
        sleep 0.1
    done
    sleep 0.2
    local pg=$(( $(cluster_ticks) - pg0 ))
    local tps count
    tps=$(echo "$out" | awk '/^tps = / { print $3; exit }')
    count=$(echo "$out" | awk '/number of transactions actually processed/ { print $NF; exit }')
    echo "$name $tps - $(per_request_us "$pg" "$count") 0" >>"$WORK/results"
}

# Every answer must be OK, or the figures measure errors (a gRPC error still
# answers HTTP 200, so h2load would count it as a success).
for call in "get.bin GetProduct" "list.bin ListProducts" "update.bin UpdateProduct"; do
    set -- $call
    status="$(curl -s --http2-prior-knowledge -o /dev/null -D - -H 'content-type: application/grpc' -H 'te: trailers' \
        -H 'authorization: Bearer bench' --data-binary "@$WORK/$1" \
        "http://127.0.0.1:$PORT/restaurant.catalog.v1.CatalogService/$2" 2>/dev/null | tr -d '\r' | sed -n 's/^grpc-status: //p' | tail -n1)"
    [ "$status" = "0" ] || { log "$2 answered grpc-status '$status'"; tail -n 20 "$WORK/service.log" >&2; exit 1; }
done

BENCH_URL="${CATALOG_DATABASE_URL}?options=-csearch_path%3D$SCHEMA"
PGBENCH_DB="${PG_ADMIN_URL%/*}/bench"
if ! psql_admin -At -c "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1; then
    psql_admin -c "CREATE DATABASE bench"
fi
if [ "$("$PGBIN/psql" "$PGBENCH_DB" -X -At -c "SELECT to_regclass('pgbench_accounts') IS NOT NULL")" != "t" ]; then
    "$PGBIN/pgbench" -i -q -s 10 "$PGBENCH_DB" >/dev/null 2>&1
fi

CATALOG=/restaurant.catalog.v1.CatalogService
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS"
    h2 get-c10m1 "$SERVICE_PID" "$PORT" "$CATALOG/GetProduct" "$WORK/get.bin" 10 1
    pgb pgbench-S -S "$PGBENCH_DB"
    h2 get-c10m1-traced "$TRACED_PID" "$TRACED_PORT" "$CATALOG/GetProduct" "$WORK/get.bin" 10 1
    h2 get-c4m32 "$SERVICE_PID" "$PORT" "$CATALOG/GetProduct" "$WORK/get.bin" 4 32
    pgb get-sql -f "$WORK/get.sql" "$BENCH_URL"
    h2 list-c10m1 "$SERVICE_PID" "$PORT" "$CATALOG/ListProducts" "$WORK/list.bin" 10 1
    pgb list-sql -f "$WORK/list.sql" "$BENCH_URL"
    h2 update-c10m1 "$SERVICE_PID" "$PORT" "$CATALOG/UpdateProduct" "$WORK/update.bin" 10 1 bench
    pgb update-sql -f "$WORK/update.sql" "$BENCH_URL"
    start_ready_server "$WORK/interop.log" "$BIN/interop-server" --port=0 --host=127.0.0.1
    h2 rpc-only-c10m1 "$server_pid" "$port" /grpc.testing.TestService/UnaryCall "$WORK/unary.bin" 10 1
    stop_process "$server_pid" 10 || true
done

[ -s "$WORK/spans.jsonl" ] || { log "the traced catalog-service exported no spans"; tail -n 20 "$WORK/traced.log" >&2; exit 1; }
echo "spans exported by the traced catalog-service: $(wc -l <"$WORK/spans.jsonl")" >&2
echo "per-run figures (workload req/s server_us pg_us failed):" >&2
cat "$WORK/results" >&2
python3 - "$WORK/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rate, server, pg, errors = line.split()
    rows.setdefault(name, []).append((float(rate), None if server == "-" else float(server), float(pg), int(errors)))
def med(name, i):
    values = [r[i] for r in rows[name] if r[i] is not None]
    return statistics.median(values) if values else None
fmt = lambda v, spec: "-" if v is None else format(v, spec)
print()
print(f"{'workload':18}{'req/s':>10}{'server µs/req':>15}{'PG µs/req':>11}{'pgbench tps':>13}{'PG µs/tx':>10}{'ratio':>8}")
pairs = [("get-c10m1", "pgbench-S"), ("get-c10m1", "get-sql"), ("get-c4m32", "get-sql"),
         ("list-c10m1", "list-sql"), ("update-c10m1", "update-sql")]
for ours, peer in pairs:
    a, b = med(ours, 0), med(peer, 0)
    print(f"{ours:18}{a:>10,.0f}{fmt(med(ours, 1), '>15,.0f')}{med(ours, 2):>11,.0f}{b:>13,.0f}{med(peer, 2):>10,.0f}{a / b:>8.2f}  vs {peer}")
print(f"{'get-c10m1-traced':18}{med('get-c10m1-traced', 0):>10,.0f}{fmt(med('get-c10m1-traced', 1), '>15,.0f')}{med('get-c10m1-traced', 2):>11,.0f}  tracing on, every call exported")
print(f"{'rpc-only-c10m1':18}{med('rpc-only-c10m1', 0):>10,.0f}{fmt(med('rpc-only-c10m1', 1), '>15,.0f')}")
errors = sum(r[3] for v in rows.values() for r in v)
print(f"failed requests (all runs): {errors}")
print("goals: GetProduct c10m1 >= 0.5x pgbench -S; server <= 30 µs/req; PG µs/req <= 2x pgbench's per transaction")
PY
