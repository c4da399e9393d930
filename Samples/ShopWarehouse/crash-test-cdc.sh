#!/usr/bin/env bash
# Crash test of shop-warehouse --cdc, run by .ci/run: the pipeline keeps the star schema
# current from the shop's change stream while the generator inserts, updates and deletes; it
# is killed with SIGKILL at random moments (KILLS times, 5 by default; 20 or more for the full
# run) and started again, and the PostgreSQL server is restarted once in the middle. A last run
# catches up; then the warehouse is compared with the shop's tables, and the landing zone with
# an independent record of every change (audit slots decoded by PostgreSQL's own plugins):
# each change landed once, by commit LSN, place in its transaction and key.
set -euo pipefail
binary=${1:?usage: crash-test-cdc.sh PATH-TO-shop-warehouse}
kills=${KILLS:-5}
url=$(PORT=${PORT:-55432} Samples/ShopWarehouse/start-server.sh)
trap 'Samples/ShopWarehouse/start-server.sh stop >/dev/null 2>&1 || true; rm -rf .build/shop-warehouse/server' EXIT
work=$(mktemp -d)
"$binary" --url "$url" --setup --state "$work/state" >/dev/null
"$binary" --url "$url" --cdc --state "$work/state" --output "$work" >"$work/first.log" 2>&1 || { tail -n 20 "$work/first.log"; exit 1; }
"$binary" --url "$url" --cdc --audit >/dev/null
"$binary" --url "$url" --cdc --generate $((kills * 20)) --pause 60 >"$work/generator.log" 2>&1 &
generator=$!
restart_at=$(( (kills + 1) / 2 ))
for attempt in $(seq 1 "$kills"); do
    "$binary" --url "$url" --cdc --follow --state "$work/state" --output "$work" >"$work/run-$attempt.log" 2>&1 &
    pipeline=$!
    sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
    if [ "$attempt" -eq "$restart_at" ]; then
        Samples/ShopWarehouse/start-server.sh stop >/dev/null
        PORT=${PORT:-55432} Samples/ShopWarehouse/start-server.sh >/dev/null
        echo "restarted PostgreSQL while the pipeline ran"
        sleep 1
    fi
    kill -9 "$pipeline" 2>/dev/null || true
    wait "$pipeline" 2>/dev/null || true
    echo "killed shop-warehouse --cdc (attempt $attempt)"
done
wait "$generator" || { tail -n 20 "$work/generator.log"; exit 1; }
"$binary" --url "$url" --cdc --state "$work/state" --output "$work" --check 2>"$work/final.err" >"$work/final.log" \
    || { cat "$work/final.err" "$work/final.log" | tail -n 30; exit 1; }
tail -n 9 "$work/final.log"
rm -rf "$work"
