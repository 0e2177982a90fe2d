#!/usr/bin/env bash
# Everything CI checks (`make test`): dependencies, generated-code drift,
# the Swift test suites (against a throwaway PostgreSQL), gRPC interop with
# grpcio both ways, raw-HTTP/2 robustness, and a short fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib.sh

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
bash scripts/ensure-deps.sh
bash scripts/python-env.sh

step "generated code is reproducible"
bash scripts/check-generated.sh

step "build"
swift build --build-tests

step "build the previous catalog release (for the rolling migration test)"
CATALOG_PREVIOUS_BINARY=$(bash scripts/build-previous-catalog.sh)

step "PostgreSQL (private cluster)"
# `make up` may be using the cluster (the tests keep to their own schemas).
use_postgres
trap release_postgres EXIT

step "Swift tests"
# Six test processes, so suites that load the machine do not share it
# with those that measure time: the RPC suite (deadlines of a second)
# alone first; then the codec and database suites; restaurantctl's, which waits
# for the processes it drives synchronously and would hold the cooperative
# threads others need; the multi-process crash suites (several services
# per test, killed and restarted); the rolling migration of the catalog
# (the previous release's binary under load while this one migrates); and
# last the suites that stop or
# restart the PostgreSQL cluster itself. Filters match test ids and file
# names: the crash suites live in CrashTests.swift files, the cluster
# suites are named *Faults. Those restart the one cluster every suite
# uses, so they run one at a time (suites in one process otherwise run in
# parallel: a restart would land in the middle of another fault test).
#
# A pass fails when no test in it ran (a filter that matches nothing, or
# suites skipped because a condition does not hold, say the fault suites
# when DATABASE_URL names a server of your own), and the fault pass also
# fails when any of its tests was skipped: a green step must have tested.
swift_pass() {
    local allow_skips=$1; shift
    local log status=0
    log=$(mktemp)
    swift test --skip-build "$@" 2>&1 | tee "$log" || status=$?
    if [ "$status" -eq 0 ]; then
        # One awk, not grep | grep -q: under pipefail, grep -q quitting at
        # the first match kills the writer with SIGPIPE once the log is long.
        if ! awk '/^✔ Test / && / passed after/ && !/^✔ Test run with/ { ran = 1 } END { exit !ran }' "$log"; then
            echo "test.sh: FAILED, no test ran in: swift test $*" >&2
            status=1
        elif [ "$allow_skips" = no ] && grep -qE '^➜ .* skipped' "$log"; then
            echo "test.sh: FAILED, tests were skipped in: swift test $* (the fault suites need the" \
                 "private cluster of scripts/postgres.sh: unset DATABASE_URL)" >&2
            status=1
        fi
    fi
    rm -f "$log"
    return "$status"
}
swift_pass yes --filter 'RPCTests'
swift_pass yes --skip 'RPCTests' --skip 'RestaurantCtlTests' --skip 'CrashTests' --skip 'Faults' --skip 'RollingMigration'
swift_pass yes --filter 'RestaurantCtlTests'
swift_pass yes --filter 'CrashTests'
CATALOG_PREVIOUS_BINARY=$CATALOG_PREVIOUS_BINARY swift_pass no --filter 'RollingMigration'
swift_pass no --filter 'Faults' --no-parallel

step "the previous catalog release's own tests on this release's schema"
bash scripts/test-previous-catalog.sh

step "gRPC interop and robustness"
bash scripts/test-interop.sh

step "fuzzing (short)"
bash scripts/fuzz.sh --runs=20000

echo
echo "make test: all passed"
