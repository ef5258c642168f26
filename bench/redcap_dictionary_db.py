#!/usr/bin/env python
"""Benchmark: the full import of the largest REDCap fixture dictionary into the database (issue 5: 1 second).

`bench/redcap_import.py` times reading the file only. This one times what `abrazo import-redcap FILE` does,
through the same service (`redcap.read_dictionary`, `redcap_import.check`, `redcap_import.import_dictionary`,
one transaction), from the file's bytes to the committed rows, on reproschema_hbn_dictionary.csv (474 fields,
12 forms, so 12 instruments and 474 items). Side by side in one run:

- **read and check** the bytes (pure, no database): the part the other benchmark measures;
- **first import**: the network has none of the forms; 12 instruments and 474 items are created
  (the instruments are deleted again, untimed, before each run);
- **re-import, unchanged**: the same file again; nothing is written but the audit event;
- **re-import, every field changed**: every label edited, alternating with the original, so each run
  updates all 474 items and bumps the 12 instruments' versions;
- **re-import with replace**, unchanged;
- **the command itself** (`call_command("import_redcap", FILE)` in this process, so without Python's and
  Django's start-up), as a re-import: the service plus the JSON summary it prints.

Each case prints the median and worst of --repeat runs (after one warm-up) and their ratio to the target,
and the first import's query count.

    .venv/bin/python bench/redcap_dictionary_db.py [--database URL] [--repeat 10] [--file PATH]

The database defaults to var/bench_redcap.sqlite3 (created and migrated on first use). A PostgreSQL URL
names a database of its own (e.g. postgres://postgres@127.0.0.1:5432/abrazo_bench_redcap): it is created
when missing and migrated; drop it afterwards with --drop. The benchmark's network (slug bench-redcap) is
the only thing it writes to; its instruments are deleted at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0
DEFAULT_FILE = ROOT.parent / "shared" / "fixtures" / "redcap" / "reproschema_hbn_dictionary.csv"
DEFAULT_DATABASE = f"sqlite:///{ROOT / 'var' / 'bench_redcap.sqlite3'}"
NETWORK_SLUG = "bench-redcap"
LABEL_COLUMN = 4  # "Field Label" in both header styles


def _postgres(url: str) -> tuple[str, str] | None:
    """(server URL, database name) for a PostgreSQL URL; None for anything else."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return None
    return f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/")


def prepare_database(url: str, *, drop: bool = False) -> None:
    """Create (PostgreSQL) and migrate the database; with `drop`, drop a PostgreSQL one instead."""
    server = _postgres(url)
    if server is not None:
        import psycopg

        address, name = server
        if not name or name in ("postgres", "test"):
            raise SystemExit(f"refusing to use the database {name!r}: name one of the benchmark's own")
        with psycopg.connect(f"{address}/postgres", autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if drop:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                print(f"dropped {name}")
                return
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')
    elif drop:
        raise SystemExit("--drop is for a PostgreSQL database; delete the SQLite file instead")
    else:
        (ROOT / "var").mkdir(exist_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings",
           "ABRAZO_ENV": "development", "DEBUG": "0", "PYTHONPATH": str(ROOT)}
    os.environ.update(env)
    subprocess.run([sys.executable, "-m", "abrazo", "migrate", "--noinput", "-v", "0"], check=True, env=env,
                   cwd=ROOT)


def edited(raw: bytes) -> bytes:
    """The same dictionary with every field's label changed, so that a re-import updates every item."""
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows[1:]:
        if len(row) > LABEL_COLUMN and any(cell.strip() for cell in row):
            row[LABEL_COLUMN] += " (edited)"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def timed(work: Callable[[], Any], repeat: int, *, before: Callable[[], None] | None = None) -> list[float]:
    """Seconds of `repeat` runs after one warm-up; `before` runs untimed ahead of each."""
    if before:
        before()
    work()
    times = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL benchmark database and stop")
    args = parser.parse_args()
    if args.drop:
        prepare_database(args.database, drop=True)
        return 0
    prepare_database(args.database)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from abrazo.directory.models import Network
    from abrazo.measures import redcap
    from abrazo.measures.models import Instrument, Item
    from abrazo.measures.redcap_import import DictionaryRejected, check, import_dictionary

    raw = args.file.read_bytes()
    changed = edited(raw)
    network, _created = Network.objects.get_or_create(
        slug=NETWORK_SLUG, defaults={"name": "Benchmark network (REDCap import)", "state_code": "CA"})

    def clear() -> None:
        Instrument.objects.filter(network=network).delete()

    def full_import(source: bytes, *, replace: bool = False) -> Any:
        """What the command's handle() does before printing: read, check, import."""
        dictionary = redcap.read_dictionary(source)
        problems = check(dictionary)
        if problems:
            raise DictionaryRejected(problems)
        return import_dictionary(actor=None, network=network, dictionary=dictionary, replace=replace)

    def read_and_check() -> None:
        check(redcap.read_dictionary(raw))

    flip = {"edited": False}

    def import_alternating() -> None:
        flip["edited"] = not flip["edited"]
        full_import(changed if flip["edited"] else raw)

    def command() -> None:
        call_command("import_redcap", str(args.file), network=NETWORK_SLUG, compact=True, stdout=io.StringIO())

    clear()
    with CaptureQueriesContext(connection) as queries:
        result = full_import(raw)
    first_queries = len(queries.captured_queries)
    instruments, items = len(result.instruments), Item.objects.filter(instrument__network=network).count()

    cases: dict[str, list[float]] = {}
    cases["read and check (no database)"] = timed(read_and_check, args.repeat)
    cases["first import (creates all)"] = timed(lambda: full_import(raw), args.repeat, before=clear)
    cases["re-import, unchanged"] = timed(lambda: full_import(raw), args.repeat)
    cases["re-import, every field changed"] = timed(import_alternating, args.repeat)
    full_import(raw)
    cases["re-import with replace, unchanged"] = timed(lambda: full_import(raw, replace=True), args.repeat)
    cases["`abrazo import-redcap` in process (re-import)"] = timed(command, args.repeat)
    clear()

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            engine = cursor.fetchone()[0].split(",")[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]}"
    print(f"file: {args.file.name} ({len(raw):,} bytes); database: {engine}")
    print(f"imported: {instruments} instruments, {items} items; the first import made {first_queries} queries")
    print(f"\n{'case':<48}{'median s':>10}{'worst s':>10}{'median/target':>15}{'worst/target':>14}")
    for name, times in cases.items():
        median, worst = statistics.median(times), max(times)
        print(f"{name:<48}{median:>10.4f}{worst:>10.4f}{median / TARGET_SECONDS:>15.3f}{worst / TARGET_SECONDS:>14.3f}")
    first = cases["first import (creates all)"]
    slowest = max(max(times) for name, times in cases.items())
    print(f"\n(median of {args.repeat} runs each after one warm-up; target {TARGET_SECONDS:.0f} s)")
    print(f"first import vs read and check alone: "
          f"{statistics.median(first) / statistics.median(cases['read and check (no database)']):.1f}x")
    print(f"target: the whole import < {TARGET_SECONDS:.0f} s → worst case {slowest:.3f} s "
          f"{'PASS' if slowest < TARGET_SECONDS else 'FAIL'}")
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
