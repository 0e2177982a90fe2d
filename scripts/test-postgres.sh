#!/usr/bin/env bash
# Runs the PostgreSQL library's tests against a throwaway cluster:
# starts it (scripts/postgres.sh start), loads .data/postgres.env, runs
# `swift test --filter PostgresTests`, and stops the cluster again, also
# when the tests fail. Extra arguments go to `swift test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/postgres.sh start
trap 'scripts/postgres.sh stop' EXIT
set -a
# shellcheck disable=SC1091
. .data/postgres.env
set +a
swift test --filter PostgresTests "$@"
