#!/usr/bin/env bash
# Starts a local PostgreSQL server for shop-warehouse in .build/shop-warehouse/server (as the
# user postgres when run as root: PostgreSQL refuses root) and prints the URL to give --url.
# Stop it with: Samples/ShopWarehouse/start-server.sh stop
set -euo pipefail
bin=${SLUICE_POSTGRES_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "no PostgreSQL binaries found; install PostgreSQL or set SLUICE_POSTGRES_BIN" >&2; exit 1; }
dir=$(pwd)/.build/shop-warehouse/server
as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ "${1:-}" = stop ]; then as_owner "$bin/pg_ctl -D $dir/data -m fast stop"; exit 0; fi
port=${PORT:-55432}
if [ ! -d "$dir/data" ]; then
    mkdir -p "$dir"
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/password"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    as_owner "$bin/initdb -D $dir/data -U shop --auth=scram-sha-256 --pwfile=$dir/password" >/dev/null
fi
if as_owner "$bin/pg_ctl -D $dir/data status" >/dev/null 2>&1; then
    port=$(head -n 4 "$dir/data/postmaster.pid" | tail -n 1)
else
    as_owner "$bin/pg_ctl -D $dir/data -w -l $dir/log -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c wal_level=logical' start" >/dev/null
fi
echo "postgres://shop:$(cat "$dir/password")@127.0.0.1:$port/postgres"
