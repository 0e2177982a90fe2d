#!/usr/bin/env bash
# gRPC interop, both ways, plus raw-HTTP/2 robustness:
#   1. grpcio's client (Tests/python/interop_client.py) against our interop-server;
#   2. our interop-client against our interop-server;
#   3. our interop-client against grpcio's TestService server;
#   4. Tests/python/robustness.py against our interop-server.
# A grpcio server cannot observe request compression, so the two
# compressed-request cases run against our server only (in step 1 and by our
# client against our server).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib.sh
bin=$(swift build --show-bin-path)
python=.venv/bin/python
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

logs=$(mktemp -d)
start_ready_server "$logs/swift-server.log" "$bin/interop-server" --port=0 --host=127.0.0.1
swift_port=$port
start_ready_server "$logs/python-server.log" "$python" Tests/python/interop_server.py --port=0 --host=127.0.0.1
python_port=$port

echo "== grpcio client -> Swift interop-server"
"$python" Tests/python/interop_client.py --server_host=127.0.0.1 --server_port="$swift_port" --test_case=all

echo "== Swift interop-client -> Swift interop-server"
"$bin/interop-client" --server_host=127.0.0.1 --server_port="$swift_port" --test_case=all

echo "== Swift interop-client -> grpcio server"
"$bin/interop-client" --server_host=127.0.0.1 --server_port="$python_port" --test_case=all \
  --skip=client_compressed_unary,client_compressed_streaming

echo "== robustness (raw HTTP/2) -> Swift interop-server"
"$python" Tests/python/robustness.py --host 127.0.0.1 --port "$swift_port" --case all --strict

# The server survived all of it.
kill -0 "${pids[0]}" || { echo "interop-server died:" >&2; cat "$logs/swift-server.log" >&2; exit 1; }
echo "interop: all passed"
