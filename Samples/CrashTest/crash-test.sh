#!/usr/bin/env bash
# Kills sluice-crashtest with SIGKILL at random moments K times, restarts it each time, and
# stops it once with SIGTERM (a savepoint), and compares the committed output with an
# uninterrupted run: the same multiset of lines.
#   Samples/CrashTest/crash-test.sh [--kills K] [--events N] [--interval-ms N] [--binary PATH]
set -euo pipefail
kills=5; events=200000; interval=200; binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills=$2; shift 2 ;;
        --events) events=$2; shift 2 ;;
        --interval-ms) interval=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$binary" ]; then
    (cd "$root" && swift build -c release --product sluice-crashtest >/dev/null)
    binary="$root/.build/release/sluice-crashtest"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$binary" generate --events "$events" --files 4 --output "$work/in" >/dev/null

"$binary" --input "$work/in" --output "$work/reference" --state "$work/reference-state" --checkpoint-interval-ms "$interval" >/dev/null

# How long an uninterrupted run takes, to spread the kills over it.
start=$(date +%s%N)
"$binary" --input "$work/in" --output "$work/timing" --state "$work/timing-state" --checkpoint-interval-ms "$interval" >/dev/null
duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$duration_ms" -lt 50 ] && duration_ms=50

killed=0
for attempt in $(seq 1 "$kills"); do
    "$binary" --input "$work/in" --output "$work/out" --state "$work/state" --checkpoint-interval-ms "$interval" >/dev/null 2>"$work/stderr" &
    pid=$!
    # On average 1/K of a whole run before each kill, so that the kills spread over the run.
    sleep "$(awk -v max="$duration_ms" -v k="$kills" -v seed="$RANDOM" 'BEGIN { srand(seed); printf "%.3f", rand() * 2 * max / k / 1000 }')"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null || true
done

# A graceful stop: SIGTERM takes a savepoint and exits 0 (or the run had already finished).
"$binary" --input "$work/in" --output "$work/out" --state "$work/state" --checkpoint-interval-ms "$interval" >"$work/stopped" &
pid=$!
sleep "$(awk -v max="$duration_ms" -v seed="$RANDOM" 'BEGIN { srand(seed); printf "%.3f", rand() * max / 2000 }')"
kill -TERM "$pid" 2>/dev/null || true
if ! wait "$pid"; then echo "FAIL: SIGTERM did not end the run cleanly"; cat "$work/stopped"; exit 1; fi
grep -E "stopped at savepoint|done:" "$work/stopped" >/dev/null || { echo "FAIL: unexpected output after SIGTERM"; cat "$work/stopped"; exit 1; }
stopped=$(grep -c "stopped at savepoint" "$work/stopped" || true)
"$binary" --input "$work/in" --output "$work/out" --state "$work/state" --checkpoint-interval-ms "$interval" >/dev/null

python3 - "$work/reference/windows.jsonl" "$work/out/windows.jsonl" "$killed" "$stopped" <<'PY'
import sys, collections
reference = collections.Counter(open(sys.argv[1]).read().splitlines())
got = collections.Counter(open(sys.argv[2]).read().splitlines())
lost = sum((reference - got).values())
duplicated = sum((got - reference).values())
print(f"crash test: {sys.argv[3]} kills (SIGKILL), {sys.argv[4]} graceful stop(s) at a savepoint (SIGTERM), "
      f"{sum(reference.values())} window results expected, lost {lost}, duplicated {duplicated}")
sys.exit(0 if lost == 0 and duplicated == 0 else 1)
PY
