#!/usr/bin/env bash
# Runs the protobuf codec tests (Tests/ProtobufTests, Swift Testing) once
# under AddressSanitizer + LeakSanitizer and fails on any leak that is not
# listed in scripts/lsan.supp (Foundation-internal allocations only; every
# suppression is explained there).
#
#   bash scripts/leak-check.sh [FILTER]      FILTER defaults to ProtobufTests
#
# Builds into its own scratch directory (.build-leak-check, or
# $LEAK_CHECK_SCRATCH), so it never contends for .build with other builds.
# The golden tests need the Python environment; it is prepared first.
#
# Why not valgrind: valgrind 3.19 (Debian 12) cannot read the DWARF 5 debug
# info Swift 6 emits ("unhandled dwarf2 abbrev form code 0x25 ... Giving
# up"), so it aborts before running anything. LeakSanitizer ships with the
# Swift toolchain (libclang_rt.asan) and needs no extra package.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

filter=${1:-ProtobufTests}
scratch=${LEAK_CHECK_SCRATCH:-.build-leak-check}
suppressions=$root/scripts/lsan.supp

bash scripts/ensure-deps.sh
bash scripts/python-env.sh

echo "leak-check: building with -sanitize=address into $scratch"
swift build --build-tests --sanitize=address --scratch-path "$scratch" -q
bin_dir=$(swift build --sanitize=address --scratch-path "$scratch" --show-bin-path)
runner=$(find "$bin_dir" -maxdepth 1 -name '*PackageTests.xctest' -type f | head -n 1)
[ -x "$runner" ] || { echo "leak-check: no test runner in $bin_dir" >&2; exit 1; }

log=$scratch/leak-check.log
echo "leak-check: running $filter under LeakSanitizer (log: $log)"
status=0
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0 \
LSAN_OPTIONS=suppressions=$suppressions:print_suppressions=1:report_objects=1 \
    "$runner" --testing-library swift-testing --filter "$filter" >"$log" 2>&1 || status=$?

summary=$(grep -E '(Test run with|✘ Test run)' "$log" | tail -n 1 || true)
if grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$log"; then
    echo "leak-check: FAILED, leaks found:" >&2
    sed -n '/ERROR: LeakSanitizer/,$p' "$log" >&2
    exit 1
fi
if grep -q 'ERROR: AddressSanitizer' "$log"; then
    echo "leak-check: FAILED, AddressSanitizer error:" >&2
    sed -n '/ERROR: AddressSanitizer/,$p' "$log" >&2
    exit 1
fi
if [ "$status" -ne 0 ] || ! grep -q 'Test run with .* passed' "$log"; then
    echo "leak-check: FAILED, the tests did not pass (exit $status): $summary" >&2
    grep -E '✘|recorded an issue' "$log" >&2 || tail -n 40 "$log" >&2
    exit 1
fi
if ! grep -q 'Test run with [1-9]' "$log"; then
    echo "leak-check: FAILED, filter '$filter' matched no tests" >&2
    exit 1
fi
suppressed=$(sed -n '/Suppressions used:/,/^-*$/p' "$log" | grep -E '^ *[0-9]+ ' || true)
echo "leak-check: no leaks. ${summary#*━ }"
if [ -n "$suppressed" ]; then
    echo "leak-check: suppressed (Foundation, see scripts/lsan.supp):"
    echo "$suppressed"
fi
