#!/usr/bin/env bash
# Everything CI checks (`make test`): dependencies, generated-code drift,
# the Swift test suites (against a throwaway PostgreSQL), gRPC interop with
# grpcio both ways, raw-HTTP/2 robustness, and a short fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
bash scripts/ensure-deps.sh
bash scripts/python-env.sh

step "generated code is reproducible"
bash scripts/check-generated.sh

step "build"
swift build --build-tests

step "PostgreSQL (private cluster)"
# Stop the cluster afterwards only if this run started it: `make up` may be
# using it (the tests keep to their own schemas).
if ! bash scripts/postgres.sh status >/dev/null 2>&1; then
    trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
fi
bash scripts/postgres.sh start
set -a
# shellcheck disable=SC1091
source .data/postgres.env
set +a

step "Swift tests"
# Three test processes. restaurantctl's suite waits for the processes it
# drives synchronously, which would hold the cooperative threads other
# suites need, so it runs on its own. The PostgreSQL fault tests stop and
# restart the cluster, so they run last, after everything else using it.
swift test --skip-build --skip 'PostgresTests/Faults' --skip 'RestaurantCtlTests'
swift test --skip-build --filter 'RestaurantCtlTests'
swift test --skip-build --filter 'PostgresTests/Faults'

step "gRPC interop and robustness"
bash scripts/test-interop.sh

step "fuzzing (short)"
bash scripts/fuzz.sh --runs=20000

echo
echo "make test: all passed"
