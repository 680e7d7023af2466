#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster on loopback, for benchmarks and tests that compare with or read from PostGIS.
#
# As a command:
#   scripts/lib/postgres.sh start DIR PORT [DB]   install postgresql + postgis from Debian when absent, initdb a cluster
#                                                 in DIR (created), start it on 127.0.0.1:PORT, create DB (default
#                                                 "ecogate") with the postgis extension; prints the libpq connection
#                                                 string (host=127.0.0.1 port=PORT dbname=DB user=postgres)
#   scripts/lib/postgres.sh stop DIR              stop the cluster in DIR (no error if it is not running)
#   scripts/lib/postgres.sh clean DIR             stop it and delete DIR
#   scripts/lib/postgres.sh conn PORT [DB]        print the connection string
# Or sourced (`. scripts/lib/postgres.sh`): the functions pg_install, pg_start DIR PORT [DB], pg_stop DIR, pg_clean DIR,
# pg_conn PORT [DB] do the same.
#
# Why this shape: ecogate's sessions and CI run as root, and initdb/postgres refuse root, so the cluster belongs to the
# `postgres` OS user (created by the Debian package) and every server command runs as that user. The cluster trusts
# loopback connections without a password: it listens on 127.0.0.1 only and lives as long as one run. Nothing touches
# the Debian-managed default cluster.

. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$d" ] || { echo "postgres.sh: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
    echo "$d"
}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

pg_install() {
    local need=()
    ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
    ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgis)
    # postgis pulls the postgresql-N-postgis-3 package matching the server version. The package may start its own
    # default cluster; ours does not need it.
    [ ${#need[@]} -eq 0 ] || apt_install postgres.sh postgresql postgis >&2
    command -v ogr2ogr >/dev/null 2>&1 || apt_install postgres.sh gdal-bin >&2
}

pg_conn() {
    echo "host=127.0.0.1 port=$1 dbname=${2:-ecogate} user=postgres"
}

pg_start() {
    local dir=$1 port=$2 db=${3:-ecogate} bin
    pg_install
    bin=$(pg_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    chown postgres:postgres "$dir" 2>/dev/null || true
    chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_postgres "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_postgres "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c shared_buffers=512MB -c max_wal_size=4GB" \
            start >/dev/null
    fi
    if ! psql "$(pg_conn "$port" postgres)" -tAc "select 1 from pg_database where datname='$db'" | grep -q 1; then
        psql "$(pg_conn "$port" postgres)" -qc "create database \"$db\"" >/dev/null
    fi
    psql "$(pg_conn "$port" "$db")" -qc "create extension if not exists postgis" >/dev/null
    pg_conn "$port" "$db"
}

pg_stop() {
    local dir=$1 bin
    [ -f "$dir/PG_VERSION" ] || return 0
    bin=$(pg_bin)
    as_postgres "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

pg_clean() {
    pg_stop "$1"
    rm -rf "$1"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    cmd=${1:-}; shift || true
    case "$cmd" in
        start) [ $# -ge 2 ] || { echo "usage: $0 start DIR PORT [DB]" >&2; exit 2; }; pg_start "$@" ;;
        stop) [ $# -ge 1 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; pg_stop "$1" ;;
        clean) [ $# -ge 1 ] || { echo "usage: $0 clean DIR" >&2; exit 2; }; pg_clean "$1" ;;
        conn) [ $# -ge 1 ] || { echo "usage: $0 conn PORT [DB]" >&2; exit 2; }; pg_conn "$@" ;;
        *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
fi
