# Shell helpers the scripts share. Source it after setting ROOT to the
# repository root:  . "$ROOT/scripts/lib.sh"

# Starts the private PostgreSQL cluster (or takes DATABASE_URL's server) and
# exports .data/postgres.env. Remembers whether the cluster was already
# running: `release_postgres` stops it only if this script started it, so a
# test or benchmark never pulls the database from under `make up`.
POSTGRES_STARTED_HERE=0
use_postgres() {
    if ! bash "$ROOT/scripts/postgres.sh" status >/dev/null 2>&1; then
        POSTGRES_STARTED_HERE=1
    fi
    bash "$ROOT/scripts/postgres.sh" start
    set -a
    # shellcheck disable=SC1091
    . "$ROOT/.data/postgres.env"
    set +a
}

release_postgres() {
    if [ "$POSTGRES_STARTED_HERE" -eq 1 ]; then
        bash "$ROOT/scripts/postgres.sh" stop >/dev/null 2>&1 || true
    fi
}

# A random loopback port nothing listens on.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 20000 ))
        if ! port_in_use "$port"; then echo "$port"; return 0; fi
    done
    echo "no free loopback port found" >&2
    return 1
}

# Starts `command...` in the background with its output in `log`, waits for
# the port it announces ("READY <port>" from a test server, "listening
# grpc=host:port …" from a service started on port 0), and sets $port and
# $server_pid (also appended to the caller's `pids` array for cleanup).
# Fails, showing the log, when the server exits or does not announce a port
# within 10 s.
start_ready_server() {
    local log=$1; shift
    "$@" >"$log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 1 100); do
        port=$(sed -n -e 's/^READY \([0-9]*\)$/\1/p' -e 's/^listening grpc=[^ ]*:\([0-9]*\) .*/\1/p' "$log" | head -n1)
        [ -n "$port" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start: $*" >&2
    cat "$log" >&2
    return 1
}

# SIGTERM (so a server drains), up to `seconds` to exit, then SIGKILL.
# Returns 1 when it had to kill.
stop_process() {
    local pid=$1 seconds=${2:-10}
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 $((seconds * 10))); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    return 1
}
