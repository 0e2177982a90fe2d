#!/usr/bin/env bash
# Unpacks the tree of a git revision into <dir>/src, once per commit (a
# different commit replaces it, build products included), and prints the
# source directory. For builds of an earlier release: the rolling-migration
# test's previous catalog, make bench-rpc's BASELINE.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: unpack-revision.sh <revision> <dir>" >&2; exit 2; }
commit=$(git rev-parse --verify --quiet "$1^{commit}") \
    || { echo "unpack-revision.sh: '$1' is not a commit of this repository (a shallow clone?)" >&2; exit 1; }
dir=$2
if [ "$(cat "$dir/commit" 2>/dev/null)" != "$commit" ]; then
    rm -rf "$dir"
    mkdir -p "$dir/src"
    git archive "$commit" | tar -x -C "$dir/src"
    echo "$commit" > "$dir/commit"
fi
echo "$PWD/$dir/src"
