#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for building, testing and
# running the project. As root it apt-installs; otherwise it lists what to
# install and fails. Quiet and fast when everything is present.
set -euo pipefail

packages=(
  libprotobuf-c-dev protobuf-c-compiler   # protobuf-c runtime and protoc-c
  protobuf-compiler libprotobuf-dev       # protoc and the well-known .proto files
  grpc-proto                              # grpc health/reflection/testing .proto files
  libnghttp2-dev nghttp2-client           # nghttp2, and h2load for benchmarks
  libpq-dev postgresql                    # libpq, the embedded PostgreSQL and pgbench
  zlib1g-dev                              # gzip message compression
  python3-venv                            # the test venv (grpcio peers)
  make pkg-config ca-certificates
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
}
