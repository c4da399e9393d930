#!/usr/bin/env bash
# Crash test for shop-warehouse, run by .ci/run: while the generator writes orders and changes,
# the pipeline (following the shop every second) is killed with SIGKILL several times and
# started again; a last run catches up, and the warehouse is compared with the truth computed
# from the shop's tables: nothing lost, nothing twice.
set -euo pipefail
binary=${1:?usage: crash-test.sh PATH-TO-shop-warehouse}
url=$(PORT=${PORT:-55432} Samples/ShopWarehouse/start-server.sh)
trap 'Samples/ShopWarehouse/start-server.sh stop >/dev/null 2>&1 || true; rm -rf .build/shop-warehouse/server' EXIT
work=$(mktemp -d)
"$binary" --url "$url" --setup --state "$work/state" >/dev/null
"$binary" --url "$url" --generate 80 --pause 60 >/dev/null &
generator=$!
for attempt in 1 2 3 4 5; do
    "$binary" --url "$url" --follow --state "$work/state" --output "$work" >"$work/run-$attempt.log" 2>&1 &
    pipeline=$!
    sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
    kill -9 "$pipeline" 2>/dev/null || true
    wait "$pipeline" 2>/dev/null || true
    echo "killed shop-warehouse (attempt $attempt)"
done
wait "$generator"
"$binary" --url "$url" --state "$work/state" --output "$work" --check 2>"$work/final.err" >"$work/final.log" || { cat "$work/final.err" "$work/final.log" | tail -n 30; exit 1; }
tail -n 8 "$work/final.log"
rm -rf "$work"
