#!/usr/bin/env bash
# Unary RPC benchmark: our server vs a grpc-swift-2 server, both release
# builds, both answering grpc.testing.TestService/UnaryCall with the same
# 20-byte response, driven by h2load on loopback. Rounds alternate between
# the two; the table shows medians and our/peer ratios:
#   throughput: h2load -t1 -c4 -m32;  latency: h2load -t1 -c1 -m1
# Then our server's RSS while it holds 1000 concurrent streaming calls.
# BASELINE=<git revision> adds that revision's interop-server to the rounds
# (built under .build-baseline), to check a change against the build before it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib.sh
rounds=${ROUNDS:-3}
duration=${DURATION:-10}

bash scripts/ensure-deps.sh
echo "building release binaries (first time: several minutes)..."
swift build -c release --scratch-path .build-release --product interop-server -q
swift build -c release --package-path Benchmarks --scratch-path .build-bench -q
ours=.build-release/release/interop-server
peer=.build-bench/release/GRPCSwiftPeer
holder=.build-bench/release/StreamHolder
if [ -n "${BASELINE:-}" ]; then
    src=$(bash scripts/unpack-revision.sh "$BASELINE" .build-baseline)
    echo "building interop-server at $BASELINE ($(git rev-parse --short "$BASELINE^{commit}"))..."
    swift build -c release --package-path "$src" --scratch-path .build-baseline/build --product interop-server -q
    baseline=.build-baseline/build/release/interop-server
fi

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# SimpleRequest { response_size: 16, payload { body: 16 zero bytes } }, framed.
printf '\x00\x00\x00\x00\x16\x10\x10\x1a\x12\x12\x10' > "$work/request.bin"
head -c 16 /dev/zero >> "$work/request.bin"

start_server() {  # name command... ; sets $port and $server_pid
  local log="$work/$1.log"; shift
  start_ready_server "$log" "$@"
}

# h2load with per-request timings; prints "req/s p50_us p99_us errors".
load() {  # port clients streams
  local log="$work/h2load-$$-$RANDOM.tsv"
  local out
  out=$(h2load -t1 -c"$2" -m"$3" -D "$duration" --warm-up-time=2 --log-file="$log" \
        -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/request.bin" \
        "http://127.0.0.1:$1/grpc.testing.TestService/UnaryCall" 2>&1)
  local rps errored
  rps=$(echo "$out" | sed -n 's/.*finished in .*, \([0-9.]*\) req\/s.*/\1/p')
  errored=$(echo "$out" | sed -n 's/.* \([0-9]*\) errored.*/\1/p')
  python3 - "$log" "$rps" "$errored" <<'PY'
import sys
times = sorted(int(line.split("\t")[2]) for line in open(sys.argv[1]) if line.strip())
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(sys.argv[2], pick(0.50), pick(0.99), sys.argv[3] or "0")
PY
  rm -f "$log"
}

run_round() {  # name command...
  local name=$1; shift
  start_server "$name" "$@"
  load "$port" 1 1 >/dev/null  # warm the JIT-free binary's caches and connections
  echo "$name throughput $(load "$port" 4 32)" >> "$work/results"
  echo "$name latency $(load "$port" 1 1)" >> "$work/results"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
}

for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds"
  run_round ours "$ours" --port=0 --host=127.0.0.1
  [ -z "${BASELINE:-}" ] || run_round baseline "$baseline" --port=0 --host=127.0.0.1
  run_round grpc-swift-2 "$peer" 0
done

echo "holding 1000 concurrent streaming calls on our server..."
start_server ours-rss "$ours" --port=0 --host=127.0.0.1
"$holder" "127.0.0.1:$port" 1000 6 > "$work/holder.log" 2>&1 &
holder_pid=$!
pids+=("$holder_pid")
for _ in $(seq 1 200); do grep -q '^OPEN' "$work/holder.log" && break; sleep 0.1; done
grep -q '^OPEN' "$work/holder.log" || { echo "streams did not open:" >&2; cat "$work/holder.log" >&2; exit 1; }
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")
wait "$holder_pid"
grep -q '^DONE 2000 responses' "$work/holder.log" || { echo "streaming calls failed:" >&2; cat "$work/holder.log" >&2; exit 1; }

python3 - "$work/results" "$rss_kb" "$hwm_kb" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, kind, rps, p50, p99, errors = line.split()
    rows.setdefault((name, kind), []).append((float(rps), int(p50), int(p99), int(errors)))
def median(name, kind, index):
    return statistics.median(r[index] for r in rows[(name, kind)])
# Columns: each server's medians, then ours over each other server.
servers = [name for name in ("ours", "baseline", "grpc-swift-2") if (name, "latency") in rows]
others = {"baseline": "ours/baseline", "grpc-swift-2": "ours/peer"}
print()
print(f"{'':28}" + "".join(f"{name:>14}" for name in servers)
      + "".join(f"{others[name]:>15}" for name in servers[1:]))
for kind, label, index in [("throughput", "throughput c4 m32 (req/s)", 0),
                           ("throughput", "  p50 (us)", 1), ("throughput", "  p99 (us)", 2),
                           ("latency", "latency c1 m1 p50 (us)", 1), ("latency", "  p99 (us)", 2),
                           ("latency", "  throughput (req/s)", 0)]:
    values = [median(name, kind, index) for name in servers]
    print(f"{label:28}" + "".join(f"{v:>14,.0f}" for v in values)
          + "".join(f"{values[0] / v:>15.2f}" for v in values[1:]))
errors = sum(r[3] for v in rows.values() for r in v)
print(f"{'errored requests (all runs)':28}{errors:>14}")
print(f"\nour server with 1000 concurrent streaming calls: RSS {int(sys.argv[2]) / 1024:.1f} MB (peak {int(sys.argv[3]) / 1024:.1f} MB)")
print("targets: throughput >= 4x peer, latency p50 <= 1/4 of peer, RSS <= 100 MB")
PY
