#!/usr/bin/env bash
# `make down`: stops the services `make up` started (SIGTERM, so they drain
# gracefully), then the private PostgreSQL cluster. Data stays in .data/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib.sh

for pidfile in .data/run/*.pid; do
  [ -e "$pidfile" ] || continue
  name=$(basename "$pidfile" .pid)
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    stop_process "$pid" 15 || echo "$name-service did not stop within 15 s; killed it" >&2
    echo "stopped $name-service"
  fi
  rm -f "$pidfile"
done
# Only a running cluster: `make clean` runs this on trees that never had one.
if bash scripts/postgres.sh status >/dev/null 2>&1; then
  bash scripts/postgres.sh stop
fi
