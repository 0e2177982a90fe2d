#!/usr/bin/env bash
# Point-select throughput of the Swift pool (postgres-bench, release build)
# against pgbench -S on the same cluster, the same table size and the same
# number of connections, alternating for a few rounds.
#
#   scripts/bench-db.sh            # 5 rounds, 10 connections, 10 s each
#   ROUNDS=7 CONNECTIONS=10 SECONDS_PER_RUN=10 SCALE=10 THREADS=2 scripts/bench-db.sh
#
# Like pgbench -j 2, postgres-bench splits the connections over THREADS
# pools, each with its own poller thread that its tasks also run on
# (column swift_tps, the ratio that counts). For reference, swift_default_tps
# is one pool with tasks on Swift's default executor, the way a service
# handler calls the pool: one thread hop more per statement.
#
# On a 2-core machine the figure swings with where the scheduler puts the
# backends: each pgbench thread connects its own clients and keeps them on
# its CPU, while a pool's backends may land on the other CPU than its
# poller for the whole run (every statement then wakes across CPUs). Hence
# several rounds and the median.
# Starts the private cluster if needed (and stops it again afterwards if it
# was not running before).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-5}"
CONNECTIONS="${CONNECTIONS:-10}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-10}"
SCALE="${SCALE:-10}"
THREADS="${THREADS:-2}"

. "$ROOT/scripts/lib.sh"
use_postgres
trap release_postgres EXIT

# The pgbench tables live in a database of their own.
BENCH_URL="${PG_ADMIN_URL%/*}/bench"
psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
if ! psql "$PG_ADMIN_URL" -At -c "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1; then
    psql "$PG_ADMIN_URL" -c "CREATE DATABASE bench"
fi
rows=0
if [ "$(psql "$BENCH_URL" -At -c "SELECT to_regclass('pgbench_accounts') IS NOT NULL")" = "t" ]; then
    rows="$(psql "$BENCH_URL" -At -c "SELECT count(*) FROM pgbench_accounts")"
fi
if [ "$rows" != "$((SCALE * 100000))" ]; then
    echo "bench-db: initializing pgbench tables (scale $SCALE)" >&2
    "$PGBIN/pgbench" -i -q -s "$SCALE" "$BENCH_URL" >/dev/null 2>&1
fi

echo "bench-db: building postgres-bench (release)" >&2
(cd "$ROOT" && swift build -c release --scratch-path .build-release --product postgres-bench >/dev/null)
BENCH_BIN="$ROOT/.build-release/release/postgres-bench"

printf '%-6s %14s %14s %7s %18s %7s\n' round pgbench_tps swift_tps ratio swift_default_tps ratio
ratios=()
bench() {
    "$BENCH_BIN" --url "$BENCH_URL" --connections "$CONNECTIONS" --seconds "$SECONDS_PER_RUN" --scale "$SCALE" "$@" \
        | awk '/^tps = / { print $3; exit }'
}
for round in $(seq 1 "$ROUNDS"); do
    pg_tps="$("$PGBIN/pgbench" -n -S -c "$CONNECTIONS" -j "$THREADS" -M prepared -T "$SECONDS_PER_RUN" "$BENCH_URL" 2>/dev/null \
        | awk '/^tps = / { print $3; exit }')"
    swift_tps="$(bench --threads "$THREADS")"
    default_tps="$(bench --threads 1 --executor global)"
    ratio="$(awk -v a="$swift_tps" -v b="$pg_tps" 'BEGIN { printf "%.2f", a / b }')"
    default_ratio="$(awk -v a="$default_tps" -v b="$pg_tps" 'BEGIN { printf "%.2f", a / b }')"
    ratios+=("$ratio")
    printf '%-6s %14s %14s %7s %18s %7s\n' "$round" "$pg_tps" "$swift_tps" "$ratio" "$default_tps" "$default_ratio"
done
median="$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
echo "median ratio (swift / pgbench): $median (target >= 0.80)"
