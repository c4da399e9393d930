#!/usr/bin/env bash
# Runs benchmark (b) (JSON Lines: filter amount > 10, map, write), (d) (CSV to JSON Lines) and
# the window benchmark (count and sum per user and minute) with Sluice and with DuckDB on the
# same generated files, and prints Sluice/DuckDB. DuckDB runs on 2 threads and Sluice at
# parallelism 2 (its file sources split the input among 2 instances); Sluice at parallelism 1
# is printed beside, for the speed-up. Every figure is the best of three, and each pair of
# outputs is checked to hold the same rows. Last, the window job over 20,000,000 events
# (1.3 GB) with Sluice's peak resident memory. DuckDB comes from PyPI into a virtual
# environment under .build/.
#
#   bash Samples/Benchmarks/duckdb-compare.sh [events] [csv-rows] [large-events]
#   (large-events 0 skips the large run)
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-2000000}
rows=${2:-1000000}
large=${3:-20000000}
data=.build/bench-data
mkdir -p "$data"

venv=.build/duckdb-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check duckdb
fi

swift build -c release --product sluice-bench >/dev/null
bench=.build/release/sluice-bench
jsonl="$data/events-$events.jsonl"
csv="$data/rows-$rows.csv"
[ -f "$jsonl" ] || "$bench" generate-events --count "$events" --output "$jsonl"
[ -f "$csv" ] || "$bench" generate-csv --rows "$rows" --output "$csv"

seconds() { sed -n 's/^sluice_seconds=//p'; }
sluice_b1=$("$bench" jsonl --sluice-only --input "$jsonl" --output "$data/b-sluice.jsonl" --parallelism 1 | seconds)
sluice_b=$("$bench" jsonl --sluice-only --input "$jsonl" --output "$data/b-sluice.jsonl" --parallelism 2 | seconds)
sluice_d1=$("$bench" csv-to-jsonl --sluice-only --input "$csv" --output "$data/d-sluice.jsonl" --parallelism 1 | seconds)
sluice_d=$("$bench" csv-to-jsonl --sluice-only --input "$csv" --output "$data/d-sluice.jsonl" --parallelism 2 | seconds)
sluice_w1=$("$bench" window --sluice-only --input "$jsonl" --output "$data/w-sluice.jsonl" --parallelism 1 | seconds)
sluice_w=$("$bench" window --sluice-only --input "$jsonl" --output "$data/w-sluice.jsonl" --parallelism 2 | seconds)

"$venv/bin/python" - "$jsonl" "$csv" "$data" "$sluice_b" "$sluice_d" "$sluice_w" "$sluice_b1" "$sluice_d1" "$sluice_w1" <<'PY'
import sys, time, duckdb
jsonl, csv, data = sys.argv[1], sys.argv[2], sys.argv[3]
sluice_b, sluice_d, sluice_w, sluice_b1, sluice_d1, sluice_w1 = map(float, sys.argv[4:10])
con = duckdb.connect()
con.execute("SET threads = 2")
def timed(sql):
    best = None
    for _ in range(3):
        start = time.perf_counter()
        con.execute(sql)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best
events = f"""read_json('{jsonl}', format = 'newline_delimited',
             columns = {{'user': 'VARCHAR', 'ts': 'BIGINT', 'amount': 'DOUBLE', 'country': 'VARCHAR'}})"""
duck_b = timed(f"""
    COPY (SELECT "user", ts, amount, country, CAST(round(amount * 100) AS BIGINT) AS amount_cents
          FROM {events} WHERE amount > 10)
    TO '{data}/b-duckdb.jsonl' (FORMAT json)""")
duck_d = timed(f"""
    COPY (SELECT * FROM read_csv('{csv}', header = true, all_varchar = true))
    TO '{data}/d-duckdb.jsonl' (FORMAT json)""")
duck_w = timed(f"""
    COPY (SELECT "user", (ts // 60000) * 60000 AS window_start, count(*) AS count, round(sum(amount), 2) AS sum
          FROM {events} GROUP BY ALL)
    TO '{data}/w-duckdb.jsonl' (FORMAT json)""")
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
print(f"DuckDB {duckdb.__version__}, {threads} threads; Sluice at parallelism 2 (parallelism 1 beside it)")
def line(name, sluice, duck, sluice1):
    print(f"{name:22s} sluice {sluice:7.3f}s   duckdb {duck:7.3f}s   sluice/duckdb {sluice / duck:5.2f}"
          f"   (parallelism 1: {sluice1:7.3f}s, parallelism 2 is {sluice1 / sluice:4.2f}x faster)")
line("(b) jsonl filter/map:", sluice_b, duck_b, sluice_b1)
line("(d) csv-to-jsonl:", sluice_d, duck_d, sluice_d1)
line("window:", sluice_w, duck_w, sluice_w1)
def differing(name, sluice_file, duck_file, columns="*"):
    def rows(file): return f"SELECT {columns} FROM read_json('{data}/{file}')"
    both = f"""({rows(sluice_file)} EXCEPT ALL {rows(duck_file)}) UNION ALL ({rows(duck_file)} EXCEPT ALL {rows(sluice_file)})"""
    count = con.execute(f"SELECT count(*) FROM ({both})").fetchone()[0]
    print(f"{name}: rows in one output but not the other: {count}")
    return count
bad = differing("(b)", "b-sluice.jsonl", "b-duckdb.jsonl")
# DuckDB reads an empty unquoted CSV field as NULL, Sluice as an empty string.
bad += differing("(d)", "d-sluice.jsonl", "d-duckdb.jsonl", "id, name, coalesce(comment, '') AS comment, amount, country")
bad += differing("window", "w-sluice.jsonl", "w-duckdb.jsonl")
sys.exit(1 if bad else 0)
PY

if [ "$large" -gt 0 ]; then
    big="$data/events-$large.jsonl"
    [ -f "$big" ] || "$bench" generate-events --count "$large" --output "$big"
    result=$("$bench" window --sluice-only --input "$big" --output "$data/w-large.jsonl" --parallelism 2 --repetitions 1)
    size=$(du -m "$big" | cut -f1)
    echo "window over $large events ($size MB): $(echo "$result" | seconds) s, peak resident memory $(echo "$result" | sed -n 's/^peak_rss_mib=//p') MiB"
fi
