#!/usr/bin/env bash
# `make down`: stops the services `make up` started (SIGTERM, so they drain
# gracefully), then the private PostgreSQL cluster. Data stays in .data/.
set -euo pipefail
cd "$(dirname "$0")/.."

for pidfile in .data/run/*.pid; do
  [ -e "$pidfile" ] || continue
  name=$(basename "$pidfile" .pid)
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name-service did not stop within 15 s; killing it" >&2
      kill -KILL "$pid"
    fi
    echo "stopped $name-service"
  fi
  rm -f "$pidfile"
done
bash scripts/postgres.sh stop
