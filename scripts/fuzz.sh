#!/usr/bin/env bash
# Builds the libFuzzer target (Fuzz/) with -sanitize=fuzzer,address and runs
# it over the deframer and message decoding. Arguments go to libFuzzer, e.g.
# --runs=20000 (make test) or --max_total_time=300 (make fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
args=()
for arg in "$@"; do args+=("-${arg#--}"); done
log=.build-fuzz/build.log
mkdir -p .build-fuzz
# gold warns about every ASan helper symbol; show the log only on failure.
swift build --package-path Fuzz --scratch-path .build-fuzz -c debug --product FuzzMessages \
  -Xswiftc -sanitize=fuzzer,address >"$log" 2>&1 || { grep -v "Cannot export local symbol" "$log" >&2; exit 1; }
corpus=.build-fuzz/corpus
mkdir -p "$corpus"
# Seeds: a valid frame of a real message, so mutation starts somewhere useful.
printf '\x01\x00\x00\x00\x00\x0a\x08\x2a\x1a\x06Burger' > "$corpus/seed-product"
ASAN_OPTIONS=detect_leaks=1 .build-fuzz/debug/FuzzMessages "$corpus" -max_len=4096 -timeout=10 "${args[@]}"
