#!/usr/bin/env bash
# Runs benchmark (b) (JSON Lines: filter amount > 10, map, write), (d) (CSV to JSON Lines) and
# the window benchmark (count and sum per user and minute) with Sluice and with DuckDB on the same generated files, and prints Sluice/DuckDB.
# Both sides are timed best of three. DuckDB comes from PyPI into a virtual environment
# under .build/.
#
#   bash Samples/Benchmarks/duckdb-compare.sh [events] [csv-rows]
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-2000000}
rows=${2:-1000000}
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
sluice_b=$("$bench" jsonl --sluice-only --input "$jsonl" --output "$data/b-sluice.jsonl" | seconds)
sluice_d=$("$bench" csv-to-jsonl --sluice-only --input "$csv" --output "$data/d-sluice.jsonl" | seconds)
sluice_w=$("$bench" window --sluice-only --input "$jsonl" --output "$data/w-sluice.jsonl" --parallelism 2 | seconds)

"$venv/bin/python" - "$jsonl" "$csv" "$data" "$sluice_b" "$sluice_d" "$sluice_w" <<'PY'
import sys, time, duckdb
jsonl, csv, data = sys.argv[1], sys.argv[2], sys.argv[3]
sluice_b, sluice_d, sluice_w = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
con = duckdb.connect()
def timed(sql):
    best = None
    for _ in range(3):
        start = time.perf_counter()
        con.execute(sql)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best
duck_b = timed(f"""
    COPY (SELECT "user", ts, amount, country, CAST(round(amount * 100) AS BIGINT) AS amount_cents
          FROM read_json('{jsonl}', format = 'newline_delimited',
                         columns = {{'user': 'VARCHAR', 'ts': 'BIGINT', 'amount': 'DOUBLE', 'country': 'VARCHAR'}})
          WHERE amount > 10)
    TO '{data}/b-duckdb.jsonl' (FORMAT json)""")
duck_d = timed(f"""
    COPY (SELECT * FROM read_csv('{csv}', header = true, all_varchar = true))
    TO '{data}/d-duckdb.jsonl' (FORMAT json)""")
duck_w = timed(f"""
    COPY (SELECT "user", (ts // 60000) * 60000 AS window_start, count(*) AS count, round(sum(amount), 2) AS sum
          FROM read_json('{jsonl}', format = 'newline_delimited',
                         columns = {{'user': 'VARCHAR', 'ts': 'BIGINT', 'amount': 'DOUBLE', 'country': 'VARCHAR'}})
          GROUP BY ALL)
    TO '{data}/w-duckdb.jsonl' (FORMAT json)""")
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
print(f"DuckDB {duckdb.__version__}, {threads} threads")
print(f"(b) jsonl filter/map:  sluice {sluice_b:7.3f}s   duckdb {duck_b:7.3f}s   sluice/duckdb {sluice_b / duck_b:5.2f}")
print(f"(d) csv-to-jsonl:      sluice {sluice_d:7.3f}s   duckdb {duck_d:7.3f}s   sluice/duckdb {sluice_d / duck_d:5.2f}")
print(f"window (parallel 2):   sluice {sluice_w:7.3f}s   duckdb {duck_w:7.3f}s   sluice/duckdb {sluice_w / duck_w:5.2f}")
same = con.execute(f"""
    SELECT count(*) FROM (SELECT * FROM read_json('{data}/w-sluice.jsonl') EXCEPT ALL SELECT * FROM read_json('{data}/w-duckdb.jsonl'))""").fetchone()[0]
print(f"window results in Sluice's output but not DuckDB's: {same}")
PY
