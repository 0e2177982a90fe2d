#!/usr/bin/env bash
# PostgreSQL harness for tests, benchmarks and the local stack.
#
#   scripts/postgres.sh start     create (once) and start a private cluster
#                                 under .data/postgres, or, when DATABASE_URL
#                                 is set, use that server instead; then create
#                                 the database objects and write
#                                 .data/postgres.env
#   scripts/postgres.sh stop      stop the private cluster (pg_ctl -m fast)
#   scripts/postgres.sh restart   restart it (for fault tests)
#   scripts/postgres.sh status    tell whether it runs
#   scripts/postgres.sh psql ...  psql as the admin user
#
# .data/postgres.env exports PG_ADMIN_URL, CATALOG_DATABASE_URL,
# ORDER_DATABASE_URL, RATING_DATABASE_URL, ANALYTICS_DATABASE_URL, PGPORT,
# PGHOST, PGBIN and PGDATA_DIR. Each service gets a login role owning one
# schema (catalog, orders, ratings, analytics) and no access to the others.
# The cluster runs as a non-root user: as root, Debian's `postgres` user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
. "$ROOT/scripts/lib.sh"  # port_in_use, pick_free_port
DATA="$ROOT/.data"
PGDATA_DIR="$DATA/postgres"
RUN_DIR="$DATA/postgres-run"
# When the repository sits where the postgres user cannot go (say under
# /root), the cluster lives in postgres's home and .data/postgres and
# .data/postgres-run are symlinks to it; the server is given the real paths.
if [ -L "$PGDATA_DIR" ]; then
    PGDATA_DIR="$(readlink -f "$PGDATA_DIR")"
    RUN_DIR="$(readlink -f "$RUN_DIR")"
fi
ENV_FILE="$DATA/postgres.env"
DATABASE="restaurant"
ADMIN_USER="postgres"
# service role:schema pairs
SERVICES="catalog:catalog order:orders rating:ratings analytics:analytics"

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

find_bindir() {
    if [ -n "${PGBIN:-}" ] && [ -x "$PGBIN/initdb" ]; then echo "$PGBIN"; return; fi
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir; return
    fi
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dir" ] || die "no PostgreSQL binaries found (run scripts/ensure-deps.sh)"
    echo "$dir"
}

# Runs a command as the cluster's owner: PostgreSQL refuses to run as root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

random_secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Secrets and the port survive restarts so `start` is idempotent.
load_state() {
    if [ -f "$DATA/postgres.state" ]; then
        # shellcheck disable=SC1091
        . "$DATA/postgres.state"
    fi
    : "${STATE_PORT:=$(pick_free_port)}"
    : "${STATE_ADMIN_PASSWORD:=$(random_secret)}"
    for pair in $SERVICES; do
        local var="STATE_PASSWORD_${pair%%:*}"
        if [ -z "${!var:-}" ]; then printf -v "$var" '%s' "$(random_secret)"; fi
    done
    umask 077
    {
        echo "STATE_PORT=$STATE_PORT"
        echo "STATE_ADMIN_PASSWORD=$STATE_ADMIN_PASSWORD"
        for pair in $SERVICES; do
            local var="STATE_PASSWORD_${pair%%:*}"
            echo "$var=${!var}"
        done
    } > "$DATA/postgres.state"
    umask 022
}

pg_ctl_cmd() { as_owner "$PGBIN/pg_ctl" -D "$PGDATA_DIR" "$@"; }

# The server outlives this script: it must not inherit the caller's pipes
# (beyond stdio, which pg_ctl redirects to the log), or a caller waiting for
# them to close, such as a test runner, would wait forever.
close_inherited_fds() {
    local fd
    for fd in /proc/$$/fd/*; do
        fd="${fd##*/}"
        if [ "$fd" -gt 2 ] 2>/dev/null; then
            eval "exec $fd>&-" 2>/dev/null || true
        fi
    done
}

init_cluster() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] && return
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$DATA"; then
        local home
        home="$(getent passwd postgres | cut -d: -f6)/restaurant-$(echo "$ROOT" | md5sum | cut -c1-12)"
        log "user postgres cannot reach $DATA; keeping the cluster in $home"
        # A cluster left there by a deleted .data/ has lost its passwords
        # (.data/postgres.state): start afresh.
        rm -rf "$home/postgres" "$home/run"
        mkdir -p "$home/postgres" "$home/run"
        ln -sfn "$home/postgres" "$DATA/postgres"
        ln -sfn "$home/run" "$DATA/postgres-run"
        PGDATA_DIR="$home/postgres"
        RUN_DIR="$home/run"
        chown postgres:postgres "$home"
    fi
    log "initializing cluster in $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR" "$RUN_DIR"
    chmod 700 "$PGDATA_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$PGDATA_DIR" "$RUN_DIR"
    fi
    local pwfile="$RUN_DIR/initdb.pw"
    ( umask 077; echo "$STATE_ADMIN_PASSWORD" > "$pwfile" )
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pwfile"
    as_owner "$PGBIN/initdb" -D "$PGDATA_DIR" -U "$ADMIN_USER" --pwfile="$pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    # Loopback and the private socket only, passwords (scram) everywhere.
    as_owner tee "$PGDATA_DIR/pg_hba.conf" >/dev/null <<HBA
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
HBA
    as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<CONF
# written by scripts/postgres.sh
listen_addresses = '127.0.0.1'
port = $STATE_PORT
unix_socket_directories = '$RUN_DIR'
max_connections = 200
password_encryption = 'scram-sha-256'
# a throwaway cluster: commit without waiting for the WAL flush
synchronous_commit = off
CONF
}

start_cluster() {
    if pg_ctl_cmd status >/dev/null 2>&1; then
        log "cluster already running on port $STATE_PORT"
        return
    fi
    if port_in_use "$STATE_PORT"; then
        die "port $STATE_PORT is taken by another process; remove $DATA/postgres.state to pick a new one"
    fi
    close_inherited_fds
    pg_ctl_cmd -l "$RUN_DIR/server.log" -w -t 60 start >/dev/null \
        || { tail -n 20 "$RUN_DIR/server.log" >&2; die "cluster did not start"; }
    log "cluster running on 127.0.0.1:$STATE_PORT"
}

# Replaces the credentials of a URL or keyword/value connection string.
with_credentials() {
    local url="$1" user="$2" password="$3"
    case "$url" in
        postgres://*|postgresql://*)
            echo "$url" | sed -E "s#^(postgres(ql)?://)([^@/]*@)?#\\1$user:$password@#" ;;
        *)
            echo "$url user=$user password=$password" ;;
    esac
}

admin_psql() { PGOPTIONS="-c client_min_messages=warning" PGCONNECT_TIMEOUT=10 "$PGBIN/psql" "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -q -X "$@"; }

create_objects() {
    local db="$1"
    local database_url_admin="$PG_ADMIN_URL"
    if [ "$db" = "$DATABASE" ] && [ -z "${DATABASE_URL:-}" ]; then
        PG_ADMIN_URL="postgresql://$ADMIN_USER:$STATE_ADMIN_PASSWORD@127.0.0.1:$STATE_PORT/postgres"
        admin_psql -At -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1 \
            || admin_psql -c "CREATE DATABASE $DATABASE"
        PG_ADMIN_URL="$database_url_admin"
    fi
    local args=() sql=""
    sql+="REVOKE ALL ON SCHEMA public FROM PUBLIC;"$'\n'
    for pair in $SERVICES; do
        local role="${pair%%:*}" schema="${pair##*:}" var="STATE_PASSWORD_${pair%%:*}"
        args+=(-v "pw_$role=${!var}")
        sql+="SELECT format('CREATE ROLE %I', '$role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') \\gexec"$'\n'
        sql+="ALTER ROLE \"$role\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'pw_$role';"$'\n'
        sql+="CREATE SCHEMA IF NOT EXISTS \"$schema\" AUTHORIZATION \"$role\";"$'\n'
        sql+="ALTER SCHEMA \"$schema\" OWNER TO \"$role\";"$'\n'
        sql+="REVOKE ALL ON SCHEMA \"$schema\" FROM PUBLIC;"$'\n'
        sql+="ALTER ROLE \"$role\" SET search_path = \"$schema\";"$'\n'
    done
    printf '%s' "$sql" | admin_psql "${args[@]}" -f -
}

write_env() {
    umask 077
    {
        echo "# written by scripts/postgres.sh; source it"
        echo "export PGBIN='$PGBIN'"
        echo "export PGHOST='$PGHOST_VALUE'"
        echo "export PGPORT='$PGPORT_VALUE'"
        echo "export PGDATA_DIR='$PGDATA_DIR'"
        echo "export PG_ADMIN_URL='$PG_ADMIN_URL'"
        for pair in $SERVICES; do
            local role="${pair%%:*}" var="STATE_PASSWORD_${pair%%:*}"
            local name
            name="$(echo "$role" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
            echo "export $name='$(with_credentials "$SERVICE_BASE_URL" "$role" "${!var}")'"
        done
    } > "$ENV_FILE"
    umask 022
    log "wrote $ENV_FILE"
}

cmd_start() {
    "$ROOT/scripts/ensure-deps.sh"
    PGBIN="$(find_bindir)"
    mkdir -p "$DATA"
    load_state
    if [ -n "${DATABASE_URL:-}" ]; then
        log "DATABASE_URL is set: using that server as admin connection"
        PG_ADMIN_URL="$DATABASE_URL"
        SERVICE_BASE_URL="$DATABASE_URL"
        PGHOST_VALUE="$(admin_psql -At -c "SELECT coalesce(host(inet_server_addr()), 'localhost')")"
        PGPORT_VALUE="$(admin_psql -At -c "SELECT current_setting('port')")"
        create_objects "$(admin_psql -At -c "SELECT current_database()")"
    else
        init_cluster
        start_cluster
        PG_ADMIN_URL="postgresql://$ADMIN_USER:$STATE_ADMIN_PASSWORD@127.0.0.1:$STATE_PORT/$DATABASE"
        SERVICE_BASE_URL="postgresql://127.0.0.1:$STATE_PORT/$DATABASE"
        PGHOST_VALUE="127.0.0.1"
        PGPORT_VALUE="$STATE_PORT"
        create_objects "$DATABASE"
    fi
    write_env
}

require_private_cluster() {
    if [ -n "${DATABASE_URL:-}" ]; then
        log "DATABASE_URL is set: no private cluster to $1"
        exit 0
    fi
    PGBIN="$(find_bindir)"
    [ -f "$PGDATA_DIR/PG_VERSION" ] || die "no cluster in $PGDATA_DIR (run: scripts/postgres.sh start)"
}

case "${1:-}" in
    start)
        cmd_start ;;
    stop)
        require_private_cluster stop
        if pg_ctl_cmd status >/dev/null 2>&1; then
            pg_ctl_cmd -m fast -w stop >/dev/null
            log "cluster stopped"
        else
            log "cluster not running"
        fi ;;
    restart)
        require_private_cluster restart
        close_inherited_fds
        pg_ctl_cmd -m fast -w -t 60 -l "$RUN_DIR/server.log" restart >/dev/null
        log "cluster restarted" ;;
    status)
        require_private_cluster status
        pg_ctl_cmd status ;;
    psql)
        shift
        [ -f "$ENV_FILE" ] || die "no $ENV_FILE (run: scripts/postgres.sh start)"
        # shellcheck disable=SC1090
        . "$ENV_FILE"
        exec "$PGBIN/psql" "$PG_ADMIN_URL" "$@" ;;
    *)
        echo "usage: $0 start|stop|restart|status|psql [psql args]" >&2
        exit 2 ;;
esac
