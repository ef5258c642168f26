#!/usr/bin/env python
"""Benchmark: streaming CSV export against PostgreSQL's own COPY (issue 8, Speed: at least 30% of COPY's rate,
with flat memory, for 1 million contact rows).

The rows live in a plain table of the benchmark's own, `bench_export_contact`, shaped like a contact report's
rows (date, timestamp, minutes, modality, activity, language, consultant, program, child code and a free-text
note with accents, quotes, and one in fifty starting with "="), generated once server-side with
generate_series (again with --regenerate or another --rows). It is not the app's consultations.Contact: the
point is the writer's cost against COPY's for the same columns, not the app's joins.

It times, for the same SELECT (best of --repeat):

- **COPY**: `COPY (SELECT ...) TO STDOUT WITH CSV` through psycopg's copy API, every block read;
- **ours**: tabular.csv_stream over a psycopg server-side (named) cursor fetching --itersize rows at a time,
  every chunk read: what a view hands to StreamingHttpResponse (core.streaming.streaming_csv_response);
- **export path**: what the exports centre does on PostgreSQL (reports.export_writers.copy_csv_chunks_on over
  a statement built by neutralised_sql): COPY writes the CSV, every text column neutralised in the SELECT
  exactly as formula_safe, timestamps as UTC ISO text, and Python adds the BOM and header and regroups COPY's
  blocks into 64 KB chunks. This is the number the target is about;

and prints rows/s, the ratios to COPY, and memory: the growth of the process's peak RSS during each pass, and
tracemalloc's peak for one more pass of ours (traced apart from the timings, as tracing slows Python down).
For reference it also times csv_bytes (whole file in memory) against csv_stream on --sqlite-rows rows read
from an in-memory SQLite database.

    .venv/bin/python bench/export_csv.py [--database postgres://postgres@127.0.0.1:5432/abrazo_bench_exports]
                                         [--rows 1000000] [--regenerate] [--repeat 3] [--itersize 5000]
                                         [--sqlite-rows 100000] [--skip-python]
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from psycopg import Connection
from psycopg.types.string import TextLoader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from abrazo.core.tabular import csv_bytes, csv_stream  # noqa: E402  (after the path is set)


def _export_writers():  # type: ignore[no-untyped-def]
    """reports.export_writers needs Django's settings (it reads the registry of export kinds)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abrazo.settings")
    django.setup()
    from abrazo.reports import export_writers

    return export_writers

TARGET_RATIO = 0.30
TABLE = "bench_export_contact"
HEADER = ["id", "contact_date", "logged_at", "minutes", "minutes_in_classroom", "modality", "activity_type",
          "language", "consultant", "program", "child", "note"]
SELECT = f"SELECT {', '.join(HEADER)} FROM {TABLE} ORDER BY id"  # noqa: S608  (fixed names, no input)

CREATE = f"""
DROP TABLE IF EXISTS {TABLE};
CREATE TABLE {TABLE} (
    id bigint PRIMARY KEY, contact_date date NOT NULL, logged_at timestamptz NOT NULL, minutes smallint NOT NULL,
    minutes_in_classroom smallint NOT NULL, modality text NOT NULL, activity_type text NOT NULL,
    language text NOT NULL, consultant text NOT NULL, program text NOT NULL, child text NOT NULL, note text
);
INSERT INTO {TABLE}
SELECT i,
       date '2024-07-01' + (i % 730),
       timestamptz '2024-07-01 08:00:00+00' + (i % 730) * interval '1 day' + (i % 600) * interval '1 minute',
       15 + (i % 8) * 15,
       (i % 8) * 10,
       (ARRAY['on_site', 'video', 'phone', 'message'])[1 + i % 4],
       (ARRAY['classroom_observation', 'staff_consultation', 'family_meeting', 'training', 'planning'])[1 + i % 5],
       (ARRAY['es', 'en', 'en', 'vi'])[1 + i % 4],
       'Consultora ' || (i % 600) || ' Peña',
       'Centro Infantil Los Niños ' || (i % 4000),
       'K-' || lpad((i % 90000)::text, 6, '0'),
       CASE WHEN i % 50 = 0 THEN '=HYPERLINK("http://x/' || i || '")'
            WHEN i % 7 = 0 THEN NULL
            WHEN i % 3 = 0 THEN 'Observación en el aula; la maestra dijo "gracias", seguimos el ' || (i % 28) || '.'
            ELSE 'Reunión con la familia sobre rutinas y transiciones' END
FROM generate_series(1, %(rows)s) AS i;
ANALYZE {TABLE};
"""  # noqa: S608  (fixed names; the row count is an int)


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def ensure_table(conn: Connection, rows: int, regenerate: bool) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
        exists = cur.fetchone()[0]
        if exists and not regenerate:
            cur.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608
            if cur.fetchone()[0] == rows:
                return
        started = time.perf_counter()
        cur.execute(CREATE.replace("%(rows)s", str(int(rows))))
    conn.commit()
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s")


def copy_pass(conn: Connection) -> int:
    total = 0
    with conn.cursor() as cur, cur.copy(f"COPY ({SELECT}) TO STDOUT WITH CSV HEADER") as copy:
        for block in copy:
            total += len(block)
    conn.rollback()
    return total


def ours_pass(conn: Connection, itersize: int) -> int:
    total = 0
    with conn.cursor(name="bench_export") as cur:
        # Dates and timestamps read as PostgreSQL's own text (what COPY writes too) rather than built into
        # Python objects only to be turned back into text: a quarter of the time, for the same cells.
        for type_name in ("date", "timestamptz"):
            cur.adapters.register_loader(type_name, TextLoader)
        cur.itersize = itersize
        cur.execute(SELECT)
        for chunk in csv_stream(HEADER, cur):
            total += len(chunk)
    conn.rollback()
    return total


TEXT_COLUMNS = ("modality", "activity_type", "language", "consultant", "program", "child", "note")
COLUMN_KINDS = {"id": "int", "contact_date": "date", "logged_at": "datetime", "minutes": "int",
                "minutes_in_classroom": "int", **dict.fromkeys(TEXT_COLUMNS, "text")}


def export_statement() -> str:
    """The statement the exports centre would build for these columns (export_writers.neutralised_sql)."""
    writers = _export_writers()
    select = ", ".join(f"{writers.neutralised_sql(name, COLUMN_KINDS[name])} AS {name}" for name in HEADER)
    return f"COPY (SELECT {select} FROM {TABLE} ORDER BY id) TO STDOUT WITH (FORMAT csv)"  # noqa: S608


def export_pass(conn: Connection, statement: str) -> int:
    writers = _export_writers()
    total = sum(len(chunk) for chunk in writers.copy_csv_chunks_on(conn, statement, (), HEADER))
    conn.rollback()
    return total


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, int, int]:
    """(best seconds, bytes, growth of peak RSS in KB over all runs)."""
    rss_before = peak_rss_kb()
    times = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = run()
        times.append(time.perf_counter() - started)
    return min(times), size, peak_rss_kb() - rss_before


def traced_peak_kb(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def postgres(args: argparse.Namespace) -> None:
    statement = export_statement()
    with Connection.connect(args.database) as conn:
        ensure_table(conn, args.rows, args.regenerate)
        copy_pass(conn)  # warm the table into shared buffers before either is timed
        copy_s, copy_bytes, copy_rss = best_of(args.repeat, lambda: copy_pass(conn))
        export_s, export_bytes, export_rss = best_of(args.repeat, lambda: export_pass(conn, statement))
        export_traced = traced_peak_kb(lambda: export_pass(conn, statement))
        if not args.skip_python:
            ours_s, ours_bytes, ours_rss = best_of(args.repeat, lambda: ours_pass(conn, args.itersize))
            ours_traced = traced_peak_kb(lambda: ours_pass(conn, args.itersize))
    copy_rate = args.rows / copy_s
    print(f"PostgreSQL, {args.rows:,} rows, best of {args.repeat}, itersize {args.itersize}")
    print(f"  COPY TO STDOUT : {copy_s:6.2f} s  {copy_rate:>10,.0f} rows/s  {copy_bytes / 1e6:7.1f} MB"
          f"  peak RSS +{copy_rss / 1024:.1f} MB")
    export_rate = args.rows / export_s
    ratio = export_rate / copy_rate
    print(f"  export path    : {export_s:6.2f} s  {export_rate:>10,.0f} rows/s  {export_bytes / 1e6:7.1f} MB"
          f"  peak RSS +{export_rss / 1024:.1f} MB  tracemalloc peak {export_traced / 1024:.1f} MB")
    if not args.skip_python:
        ours_rate = args.rows / ours_s
        print(f"  csv_stream     : {ours_s:6.2f} s  {ours_rate:>10,.0f} rows/s  {ours_bytes / 1e6:7.1f} MB"
              f"  peak RSS +{ours_rss / 1024:.1f} MB  tracemalloc peak {ours_traced / 1024:.1f} MB"
              f"  ({ours_rate / copy_rate:.0%} of COPY)")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"  export path / COPY: {ratio:.2f} ({verdict} the {TARGET_RATIO:.2f} target)")


def sqlite_reference(rows: int) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE c (id integer, contact_date text, minutes integer, modality text, note text)")
    db.executemany(
        "INSERT INTO c VALUES (?, ?, ?, ?, ?)",
        ((i, f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", 15 + i % 90, "on_site",
          "=cmd" if i % 50 == 0 else f"Observación en el aula {i}") for i in range(rows)),
    )
    header = ["id", "contact_date", "minutes", "modality", "note"]

    def whole() -> int:
        return len(csv_bytes(header, db.execute("SELECT * FROM c ORDER BY id")))

    def streamed() -> int:
        return sum(len(chunk) for chunk in csv_stream(header, db.execute("SELECT * FROM c ORDER BY id")))

    print(f"SQLite (in memory), {rows:,} rows, best of 3")
    for name, run in (("csv_bytes ", whole), ("csv_stream", streamed)):
        seconds, size, _ = best_of(3, run)
        print(f"  {name}: {seconds:5.2f} s  {rows / seconds:>10,.0f} rows/s  {size / 1e6:5.1f} MB"
              f"  tracemalloc peak {traced_peak_kb(run) / 1024:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/abrazo_bench_exports")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--itersize", type=int, default=5000)
    parser.add_argument("--sqlite-rows", type=int, default=100_000, help="0 to skip the SQLite reference")
    parser.add_argument("--skip-python", action="store_true", help="skip the (slow) csv_stream pass")
    args = parser.parse_args()
    postgres(args)
    if args.sqlite_rows:
        sqlite_reference(args.sqlite_rows)


if __name__ == "__main__":
    main()
