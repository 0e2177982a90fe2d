#!/usr/bin/env bash
# Prepares the Python side of the test harness (Tests/python):
#   1. .venv/                  python3 -m venv (Debian's python3, or $PYTHON)
#   2. pip install -r Tests/python/requirements.txt   (only when it changed)
#   3. .build-python/gen/      grpc_tools.protoc --python_out --grpc_python_out
#      for grpc/testing/{empty,messages,test}.proto, grpc/health/v1/health.proto,
#      grpc/reflection/v1/reflection.proto (from /usr/share/grpc-proto) and
#      every Protos/**/*.proto; well-known types come from grpc_tools' bundled
#      copies. Regenerated when a .proto is newer than the stamp, the proto
#      list changed, or the requirements changed.
# Idempotent and fast when nothing changed. On success prints one line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

venv=$root/.venv
py=$venv/bin/python
req=$root/Tests/python/requirements.txt
out=$root/.build-python
gen=$out/gen
stamp=$out/gen.stamp
log=$out/python-env.log
grpc_dir=/usr/share/grpc-proto
grpc_files=(grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto
            grpc/health/v1/health.proto grpc/reflection/v1/reflection.proto)

mkdir -p "$out"
die() { echo "python-env: $*" >&2; exit 1; }
fail_log() { echo "python-env: $1 failed; log follows ($log)" >&2; cat "$log" >&2; exit 1; }

# Debian's interpreter, the one CI has, unless told otherwise.
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=$(command -v python3) || die "python3 not found: install python3 and python3-venv (scripts/ensure-deps.sh)"
for f in "${grpc_files[@]}"; do
    [ -f "$grpc_dir/$f" ] || die "missing $grpc_dir/$f: install grpc-proto (apt-get install grpc-proto)"
done

# 1. The virtualenv. A .venv whose interpreter no longer runs is rebuilt.
if ! { [ -x "$py" ] && "$py" -c 'import sys' >/dev/null 2>&1; }; then
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" >"$log" 2>&1; then
        rm -rf "$venv"
        die "$python -m venv does not work here; install python3-venv (scripts/ensure-deps.sh) and rerun"
    fi
fi

# 2. Requirements, reinstalled only when requirements.txt changed.
req_hash=$(sha256sum "$req" | cut -d' ' -f1)
req_stamp=$venv/.requirements.sha256
if [ "$(cat "$req_stamp" 2>/dev/null || true)" != "$req_hash" ]; then
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$py" -m pip install -q -r "$req" >"$log" 2>&1 ||
        fail_log "pip install -r Tests/python/requirements.txt"
    echo "$req_hash" >"$req_stamp"
fi

# 3. Generated Python modules.
mapfile -t restaurant_files < <(cd Protos && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
want="requirements $req_hash"$'\n'"$(printf '%s\n' "${grpc_files[@]}" "${restaurant_files[@]}")"
stale=no
if [ ! -f "$stamp" ] || [ ! -d "$gen" ] || [ "$(cat "$stamp")" != "$want" ]; then
    stale=yes
else
    grpc_paths=("${grpc_files[@]/#/$grpc_dir/}")
    if [ -n "$(find Protos "${grpc_paths[@]}" -name '*.proto' -newer "$stamp" -print -quit)" ]; then
        stale=yes
    fi
fi
if [ "$stale" = yes ]; then
    tmp=$out/gen.tmp
    rm -rf "$tmp"; mkdir -p "$tmp"
    # grpc_tools.protoc appends its bundled include dir (well-known types) itself.
    "$py" -m grpc_tools.protoc -I Protos -I "$grpc_dir" \
        --python_out="$tmp" --grpc_python_out="$tmp" \
        "${grpc_files[@]}" "${restaurant_files[@]}" >"$log" 2>&1 || fail_log "grpc_tools.protoc"
    rm -rf "$gen"; mv "$tmp" "$gen"
    printf '%s\n' "$want" >"$stamp"
    what=regenerated
else
    what="up to date"
fi

n=$(( ${#grpc_files[@]} + ${#restaurant_files[@]} ))
echo "python-env: .venv ready ($(grep -E '^(grpcio|protobuf|h2)==' "$req" | tr '\n' ' ' | sed 's/ $//')); $n protos -> .build-python/gen $what"
