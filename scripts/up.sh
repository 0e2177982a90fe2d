#!/usr/bin/env bash
# `make up`: the local stack. Installs what is missing, builds release
# binaries, starts PostgreSQL (a private cluster under .data/, unless
# DATABASE_URL is set) with a schema and role per service, starts the
# services in the background (logs in .data/logs/), waits until they report
# SERVING, loads the sample menu, and prints how to call them.
#
# Honours the services' variables where they make sense for a whole stack:
# AUTH_TOKENS, DATABASE_URL, LOG_LEVEL, DB_POOL_*. `make down` stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/ensure-deps.sh

echo "building release binaries (the first build takes several minutes)..."
for product in catalog-service rating-service analytics-service order-service restaurantctl restaurant-seed; do
  swift build -c release --scratch-path .build-release --product "$product" -q
done
bin=$root/.build-release/release

ROOT=$root
. scripts/lib.sh
use_postgres  # left running for the stack; `make down` stops it

mkdir -p .data/logs .data/run
# The bearer token for writes: AUTH_TOKENS if given, else one made once and kept.
if [ -z "${AUTH_TOKENS:-}" ]; then
  [ -s .data/auth-token ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > .data/auth-token
  AUTH_TOKENS=$(cat .data/auth-token)
fi
token=${AUTH_TOKENS%%,*}

# name port database-url-variable (in start order: the catalog first, as the
# rating service calls it)
services=(
  "catalog 50051 CATALOG_DATABASE_URL"
  "rating 50053 RATING_DATABASE_URL"
  "analytics 50054 ANALYTICS_DATABASE_URL"
  "order 50052 ORDER_DATABASE_URL"
)

start_service() {
  local name=$1 port=$2 database_variable=$3
  local pidfile=.data/run/$name.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$name-service already running (pid $(cat "$pidfile"))"
    return
  fi
  env DATABASE_URL="${!database_variable}" \
      LISTEN_ADDR="127.0.0.1:$port" \
      METRICS_ADDR="127.0.0.1:$((port + 1000))" \
      AUTH_TOKENS="$AUTH_TOKENS" \
      LOG_LEVEL="${LOG_LEVEL:-info}" \
      CATALOG_ADDR="127.0.0.1:50051" \
      ANALYTICS_ADDR="127.0.0.1:50054" \
      UPSTREAM_TOKEN="$token" \
      ANALYTICS_TIME_ZONE="${ANALYTICS_TIME_ZONE:-UTC}" \
      setsid "$bin/$name-service" >>".data/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  echo "started $name-service on 127.0.0.1:$port (pid $!, log .data/logs/$name.log)"
}

wait_serving() {
  local name=$1 port=$2
  for _ in $(seq 1 120); do
    if "$bin/restaurantctl" health "127.0.0.1:$port" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat ".data/run/$name.pid")" 2>/dev/null; then
      echo "$name-service exited; the end of its log:" >&2
      tail -n 20 ".data/logs/$name.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "$name-service did not become SERVING within 60 s; see .data/logs/$name.log" >&2
  exit 1
}

for service in "${services[@]}"; do
  # shellcheck disable=SC2086
  start_service $service
done
for service in "${services[@]}"; do
  # shellcheck disable=SC2086
  set -- $service
  wait_serving "$1" "$2"
done

"$bin/restaurant-seed" --catalog 127.0.0.1:50051 --rating 127.0.0.1:50053 --order 127.0.0.1:50052 \
  --token "$token" deploy/seed/menu.json

cat <<INFO

The stack is up.
  catalog   127.0.0.1:50051   (metrics http://127.0.0.1:51051/metrics)
  order     127.0.0.1:50052   (metrics http://127.0.0.1:51052/metrics)
  rating    127.0.0.1:50053   (metrics http://127.0.0.1:51053/metrics)
  analytics 127.0.0.1:50054   (metrics http://127.0.0.1:51054/metrics)
  postgres  ${PGHOST:-127.0.0.1}:${PGPORT:-}   (scripts/postgres.sh psql)

Token for writes: $token

Try:
  export RESTAURANT_ADDR=127.0.0.1:50051 RESTAURANT_TOKEN=$token
  $bin/restaurantctl list
  $bin/restaurantctl call restaurant.catalog.v1.CatalogService/ListProducts -d '{"query": "chocolate"}'
  $bin/restaurantctl catalog products --sort rating --page-size 5

Stop everything with: make down
INFO
