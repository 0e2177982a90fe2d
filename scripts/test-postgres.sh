#!/usr/bin/env bash
# Runs the PostgreSQL library's tests against the private cluster: starts it
# if needed, loads .data/postgres.env, runs `swift test --filter
# PostgresTests`, and stops the cluster again if it started it, also when
# the tests fail. Extra arguments go to `swift test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

. scripts/lib.sh
use_postgres
trap release_postgres EXIT
swift test --filter PostgresTests "$@"
