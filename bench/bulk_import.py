#!/usr/bin/env python
"""Benchmark: bulk imports (issue 8, Speed).

(a) **Programs**: a generated CSV of --programs rows (40,000 by default) goes through the real directory import
    (abrazo.directory.imports: read_upload, every check, bulk writes, the audit line, one transaction), first
    into an empty network (all new), then once more (all unchanged, nothing written). Target: under 30 s.
(b) **Roster** (PostgreSQL only): --roster-rows rows (1,000,000 by default) of a children's roster go through the
    real roster import (abrazo.incidents.imports.import_table: every check, then COPY on PostgreSQL), against a
    raw `COPY ... FROM STDIN` of the same rows into the same tables (incidents_child and incidents_enrollment,
    values already prepared, no checks), each into freshly emptied tables. Printed: rows/s and the ratio
    import/COPY. Target: at least 25%.

Each run migrates the database it is given (a throwaway one: its programs and children are deleted and made
again), so give it a database of its own:

    .venv/bin/python bench/bulk_import.py --database sqlite:////tmp/abrazo_bench_import.sqlite3 --no-roster
    .venv/bin/python bench/bulk_import.py --database postgres://postgres@127.0.0.1:5432/abrazo_bench_import
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROGRAM_TARGET_SECONDS = 30.0
ROSTER_TARGET_RATIO = 0.25
RACES = ["hispanic_latino", "white", "black", "asian", "two_or_more", "", "Hispanic", "Blanco"]
GENDERS = ["girl", "boy", "F", "M", ""]


def setup(database: str) -> None:
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("ABRAZO_ENV", "development")
    os.environ["DEBUG"] = "0"  # with DEBUG on, Django keeps every query's SQL in memory
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def empty_roster(network: object) -> None:
    """Remove the bench network's children and enrolments (TRUNCATE on PostgreSQL: this is the bench's own
    database, and deleting a million children row by row would take longer than importing them)."""
    from django.db import connection

    from abrazo.incidents.models import Child, Enrollment

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE incidents_enrollment, incidents_child CASCADE")
            cursor.execute("ANALYZE incidents_child; ANALYZE incidents_enrollment")
        return
    Enrollment.objects.filter(network=network).delete()
    Child.objects.filter(network=network).delete()


def world() -> tuple[object, object, list[object]]:
    """A fresh bench network (Fresno and Los Angeles counties served by two regions) and its administrator."""
    from abrazo.accounts.models import Membership, Role, User
    from abrazo.directory.models import Network, NetworkCounty, Program, Region
    network, _created = Network.objects.get_or_create(
        slug="bench-import", defaults={"name": "Bench", "state_code": "CA"}
    )
    empty_roster(network)
    Program.objects.filter(network=network).delete()
    regions = []
    for code, fips in (("central", "06019"), ("la", "06037")):
        region, _made = Region.objects.get_or_create(network=network, code=code, defaults={"name": code.title()})
        NetworkCounty.objects.get_or_create(network=network, county_id=fips, defaults={"region": region})
        regions.append(region)
    admin, _made = User.objects.get_or_create(email="bench-admin@example.org", defaults={"full_name": "Bench Admin"})
    Membership.objects.get_or_create(user=admin, network=network, role=Role.NETWORK_ADMIN)
    return network, admin, regions


def program_csv(rows: int) -> bytes:
    out = io.StringIO()
    out.write("license_number,name,setting_type,auspice,address_line1,city,postal_code,county,serves_infants,"
              "serves_toddlers,quality_rating,phone,email\n")
    settings = ["center", "fcc_small", "Head Start", "Centro de cuidado infantil"]
    for i in range(rows):
        county = "Fresno" if i % 2 else "06037"
        out.write(f"LIC-{i:07d},Programa Niños {i},{settings[i % 4]},non_profit,{i} Main St,Fresno,93721,{county},"
                  f"{'yes' if i % 3 else 'no'},sí,tier_{1 + i % 5},559-555-{i % 10000:04d},p{i}@example.org\n")
    return out.getvalue().encode()


def bench_programs(rows: int) -> float:
    from django.db import connection

    from abrazo.directory import imports
    from abrazo.directory.models import Program

    network, admin, _regions = world()
    raw = program_csv(rows)
    timings = []
    for label in ("first import (all new)", "re-import (all unchanged)"):
        started = time.perf_counter()
        table = imports.read_upload(io.BytesIO(raw), filename="programs.csv")
        preview = imports.import_table(actor=admin, network=network, kind=imports.DirectoryKind.PROGRAMS, table=table)
        elapsed = time.perf_counter() - started
        assert preview.is_clean, preview.errors[:5]
        timings.append(elapsed)
        print(f"  programs on {connection.vendor}, {label}: {rows:,} rows in {elapsed:.2f} s "
              f"({rows / elapsed:,.0f} rows/s); {preview.summary.as_dict()}")
    assert Program.objects.filter(network=network).count() == rows
    verdict = "meets" if max(timings) < PROGRAM_TARGET_SECONDS else "MISSES"
    print(f"  slowest pass {max(timings):.2f} s: {verdict} the target of {PROGRAM_TARGET_SECONDS:.0f} s")
    return max(timings)


def roster_csv(rows: int, programs: list[object]) -> bytes:
    out = io.StringIO()
    out.write("program,child_id,race_ethnicity,gender,date_of_birth,iep,dll,home_language,enrolled_from,"
              "enrolled_until,funding\n")
    per_program = -(-rows // len(programs))
    for i in range(rows):
        program = programs[i // per_program]
        out.write(f"{program.license_number},K-{i:07d},{RACES[i % len(RACES)]},{GENDERS[i % len(GENDERS)]},"
                  f"2021-{1 + i % 12:02d}-{1 + i % 28:02d},{'yes' if i % 9 == 0 else 'no'},{'yes' if i % 2 else 'no'},"
                  f"{'es' if i % 2 else 'en'},2024-08-{1 + i % 28:02d},,{'state' if i % 3 else 'head_start'}\n")
    return out.getvalue().encode()


def bench_roster(rows: int, program_count: int) -> float:
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from abrazo.core import tabular
    from abrazo.directory.models import Program
    from abrazo.incidents import imports as roster
    from abrazo.incidents.models import Child, Enrollment

    network, admin, regions = world()
    programs = [
        Program(network=network, region=regions[0], county_id="06019", name=f"Roster {i}", setting_type="center",
                auspice="non_profit", license_number=f"R-{i:05d}", address_line1="1 Main", city="Fresno",
                postal_code="93721")
        for i in range(program_count)
    ]
    Program.objects.bulk_create(programs)
    raw = roster_csv(rows, programs)
    started = time.perf_counter()
    table = tabular.read_csv_text(raw.decode(), max_rows=rows)
    read_seconds = time.perf_counter() - started
    print(f"  roster: {rows:,} rows in {program_count} programs; reading the CSV took {read_seconds:.2f} s")

    def empty() -> None:
        empty_roster(network)

    # COPY: the same rows, already turned into COPY's text format before the clock starts (no checks, no
    # formatting), sent in 1 MB blocks: the database's own loading rate, the strictest baseline there is.
    now = timezone.now().isoformat()
    child_lines, enrol_lines = [], []
    by_license = {program.license_number: str(program.pk) for program in programs}
    races = {"": "not_reported", "Hispanic": "hispanic_latino", "Blanco": "white"}
    genders = {"": "not_reported", "F": "girl", "M": "boy"}
    for row in table.rows:
        child_id, program_id = str(uuid.uuid4()), by_license[row["program"]]
        child_lines.append("\t".join((
            child_id, now, now, "1", str(network.pk), program_id, row["child_id"], "\\N", row["date_of_birth"],
            races.get(row["race_ethnicity"], row["race_ethnicity"]), genders.get(row["gender"], row["gender"]),
            "t" if row["iep"] == "yes" else "f", "t" if row["dll"] == "yes" else "f", row["home_language"],
            json.dumps({"funding": row["funding"]}),
        )) + "\n")
        enrol_lines.append("\t".join((
            str(uuid.uuid4()), now, now, str(network.pk), program_id, child_id, "\\N", row["enrolled_from"], "\\N", "",
        )) + "\n")
    blocks = {name: [("".join(lines[i:i + 8000])).encode() for i in range(0, len(lines), 8000)]
              for name, lines in (("child", child_lines), ("enrollment", enrol_lines))}
    del child_lines, enrol_lines
    empty()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw_cursor = cursor.cursor
        with raw_cursor.copy(
            "COPY incidents_child (id, created_at, updated_at, version, network_id, program_id, code, classroom_id, "
            "date_of_birth, race_ethnicity, gender, iep, dll, home_language_id, extra) FROM STDIN"
        ) as copy:
            for block in blocks["child"]:
                copy.write(block)
        with raw_cursor.copy(
            "COPY incidents_enrollment (id, created_at, updated_at, network_id, program_id, child_id, classroom_id, "
            "start_date, end_date, end_reason) FROM STDIN"
        ) as copy:
            for block in blocks["enrollment"]:
                copy.write(block)
    copy_seconds = time.perf_counter() - started
    assert Child.objects.filter(network=network).count() == rows
    print(f"  raw COPY (children + enrolments): {copy_seconds:.2f} s ({rows / copy_seconds:,.0f} rows/s)")
    del blocks

    empty()
    started = time.perf_counter()
    result = roster.import_table(actor=admin, program=programs[0], kind=roster.ImportKind.ROSTER, table=table)
    import_seconds = time.perf_counter() - started
    assert result.summary.new == rows, result.summary
    assert Enrollment.objects.filter(network=network).count() == rows
    ratio = copy_seconds / import_seconds
    print(f"  roster import (checks + COPY): {import_seconds:.2f} s ({rows / import_seconds:,.0f} rows/s)")
    verdict = "meets" if ratio >= ROSTER_TARGET_RATIO else "MISSES"
    print(f"  import/COPY rate ratio: {ratio:.2f} ({verdict} the target of {ROSTER_TARGET_RATIO:.2f})")
    with_read = copy_seconds / (import_seconds + read_seconds)
    print(f"  counting the CSV parse as part of the import too: {import_seconds + read_seconds:.2f} s, ratio "
          f"{with_read:.2f}")
    empty()
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/abrazo_bench_import")
    parser.add_argument("--programs", type=int, default=40_000)
    parser.add_argument("--roster-rows", type=int, default=1_000_000)
    parser.add_argument("--roster-programs", type=int, default=500)
    parser.add_argument("--no-roster", action="store_true")
    args = parser.parse_args()
    setup(args.database)
    from django.db import connection

    print(f"database: {connection.vendor}")
    bench_programs(args.programs)
    if not args.no_roster:
        if connection.vendor != "postgresql":
            print("  roster vs COPY: PostgreSQL only (skipped)")
        else:
            bench_roster(args.roster_rows, args.roster_programs)


if __name__ == "__main__":
    main()
