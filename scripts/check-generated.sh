#!/usr/bin/env bash
# Regenerates everything and fails if the committed generated code differs:
# generated files must be reproducible from Protos/ and the generators.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate.sh
generated=(Shared/RestaurantProtosC Shared/WellKnownTypes/Generated Shared/GRPCProtos/Generated Shared/RestaurantAPI/Generated)
if ! git diff --quiet -- "${generated[@]}" || [ -n "$(git ls-files --others --exclude-standard -- "${generated[@]}")" ]; then
  echo "generated code is out of date; run 'make generate' and commit the result:" >&2
  git status --short -- "${generated[@]}" >&2
  exit 1
fi
echo "generated code is up to date"
