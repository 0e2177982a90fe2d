#!/usr/bin/env bash
# Builds catalog-service as it was before the dietary-restrictions release
# (the parent of the commit adding its first migration), for the rolling
# migration test; prints the binary's path. Built once per commit, under
# .build-previous.
set -euo pipefail
cd "$(dirname "$0")/.."
first=Services/Catalog/Catalog/Migrations/0003_expand_dietary_restrictions.sql
commit=$(git log --diff-filter=A --format=%H -1 -- "$first")
[ -n "$commit" ] || { echo "build-previous-catalog.sh: no commit adds $first (a shallow clone?)" >&2; exit 1; }
src=$(bash scripts/unpack-revision.sh "$commit^" .build-previous)
swift build --package-path "$src" --scratch-path .build-previous/build --product catalog-service >&2
echo "$PWD/.build-previous/build/debug/catalog-service"
