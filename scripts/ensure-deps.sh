#!/usr/bin/env bash
# Installs what the PostgreSQL harness needs on a Debian machine, and only
# what is missing: the PostgreSQL server, client and pgbench binaries
# (Debian's postgresql package), and libpq's
# headers for the Swift build. Needs root (or sudo) only when installing.
set -euo pipefail

missing=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi
if [ ! -f /usr/include/postgresql/libpq-fe.h ]; then
    missing+=(libpq-dev)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "ensure-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
