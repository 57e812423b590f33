#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite.
#
#   scripts/pg_throwaway.sh start        initdb a fresh cluster and start it on 127.0.0.1
#   scripts/pg_throwaway.sh url          print its DATABASE_URL
#   scripts/pg_throwaway.sh stop         stop it and delete its data
#   scripts/pg_throwaway.sh run CMD...   start, run CMD with DATABASE_URL set, always stop
#
# The cluster listens on 127.0.0.1 only (no Unix socket), on the first free port from
# $SIGHTLINE_PG_PORT (default 54329), trusts loopback connections only and keeps fsync on.
# It has a role "sightline" with CREATEDB (pytest-django creates test_<name>) and a database
# "sightline" owned by it. PostgreSQL refuses to run as root, so as root the server runs as the
# "postgres" user that Debian's package creates. A cluster left behind by a killed run is
# stopped and removed by the next start or stop.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE_DIR="$ROOT/var/pgtest"
STATE_FILE="$STATE_DIR/state"
FIRST_PORT="${SIGHTLINE_PG_PORT:-54329}"
DB_NAME=sightline
DB_USER=sightline
DB_PASSWORD=sightline

die() {
    echo "pg_throwaway: $*" >&2
    exit 1
}

find_bindir() {
    local candidate
    # Highest installed major version first.
    for candidate in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5 -V -r); do
        if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
            echo "$candidate"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

# Run a PostgreSQL server program as the account that owns the cluster.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

port_is_free() {
    python3 - "$1" <<'PY'
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    sock.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    sock.close()
PY
}

pick_port() {
    local port
    for port in $(seq "$FIRST_PORT" $((FIRST_PORT + 50))); do
        if port_is_free "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free port between $FIRST_PORT and $((FIRST_PORT + 50))"
}

# Stop (if running) and delete one data directory, whatever state it was left in.
remove_cluster() {
    local datadir="$1" bindir pid
    [ -n "$datadir" ] && [ -d "$datadir" ] || return 0
    if [ -f "$datadir/postmaster.pid" ]; then
        bindir="$(find_bindir || true)"
        if [ -n "$bindir" ]; then
            as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 30 stop >/dev/null 2>&1 || true
        fi
        pid="$(head -n 1 "$datadir/postmaster.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
            && grep -qs "postgres" "/proc/$pid/cmdline"; then
            kill -QUIT "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$datadir"
}

# Remove every cluster a previous run may have left, running or not.
cleanup_stale() {
    local datadir
    if [ -f "$STATE_FILE" ]; then
        datadir="$(sed -n 's/^datadir=//p' "$STATE_FILE")"
        remove_cluster "$datadir"
        rm -f "$STATE_FILE"
    fi
    for datadir in "$STATE_DIR"/cluster.*; do
        [ -e "$datadir" ] && remove_cluster "$datadir"
    done
    rm -f "$STATE_DIR/initdb.log"
    return 0
}

# A fresh empty directory the server's account can write to: under var/pgtest/, or, when that
# account cannot reach this checkout (a clone under /root, say), under the temporary directory.
make_datadir() {
    local datadir
    mkdir -p "$STATE_DIR"
    datadir="$(mktemp -d "$STATE_DIR/cluster.XXXXXX")"
    if [ "$(id -u)" -eq 0 ]; then
        id -u postgres >/dev/null 2>&1 \
            || die "running as root needs the 'postgres' user (apt-get install postgresql)"
        chown postgres: "$datadir"
        if ! runuser -u postgres -- test -w "$datadir"; then
            rmdir "$datadir"
            datadir="$(mktemp -d "${TMPDIR:-/tmp}/sightline-pgtest.XXXXXX")"
            chown postgres: "$datadir"
        fi
    fi
    chmod 700 "$datadir"
    echo "$datadir"
}

state() {
    [ -f "$STATE_FILE" ] || die "not running (no $STATE_FILE); run: $0 start"
    sed -n "s/^$1=//p" "$STATE_FILE"
}

url() {
    local port
    port="$(state port)"
    echo "postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME"
}

start() {
    local bindir datadir port
    bindir="$(find_bindir)" \
        || die "PostgreSQL server binaries not found (apt-get install postgresql)"
    cleanup_stale
    datadir="$(make_datadir)"
    port="$(pick_port)"
    printf 'datadir=%s\nport=%s\nbindir=%s\n' "$datadir" "$port" "$bindir" >"$STATE_FILE"

    as_owner "$bindir/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$STATE_DIR/initdb.log" 2>&1 \
        || { cat "$STATE_DIR/initdb.log" >&2; cleanup_stale; die "initdb failed"; }
    as_owner tee -a "$datadir/postgresql.conf" >/dev/null <<CONF

# Throwaway test server (scripts/pg_throwaway.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 60
log_min_messages = warning
CONF
    as_owner tee "$datadir/pg_hba.conf" >/dev/null <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  trust
HBA
    if ! as_owner "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 start \
        >/dev/null; then
        cat "$datadir/server.log" >&2 || true
        cleanup_stale
        die "server did not start"
    fi

    "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres \
        -d postgres <<SQL >/dev/null
CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
CREATE DATABASE $DB_NAME OWNER $DB_USER;
SQL
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
        "(data in $datadir)" >&2
}

stop() {
    cleanup_stale
}

run() {
    [ $# -gt 0 ] || die "usage: $0 run COMMAND [ARG...]"
    trap stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start
    DATABASE_URL="$(url)"
    export DATABASE_URL
    "$@"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    run)
        shift
        run "$@"
        ;;
    *)
        echo "usage: $0 start|stop|url|run COMMAND..." >&2
        exit 2
        ;;
esac
