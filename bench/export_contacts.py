#!/usr/bin/env python
"""Benchmark: the app's own contacts export (issue 8) against COPY of the same rows, on PostgreSQL.

bench/export_csv.py times the writer over a flat table. This one goes through the app: a migrated database
with one network, --programs programs, 60 consultants, --episodes episodes and --rows consultations.Contact
rows (generated once with INSERT ... SELECT generate_series; again with --regenerate), and a network
administrator. It times, best of --repeat, every byte read:

- **COPY**: `COPY (<the scoped contacts queryset's SQL>) TO STDOUT WITH CSV`: the same SELECT the export
  runs (scope filter, joins to episode, program and consultant), as PostgreSQL writes it with nothing added;
- **export**: `export_service.csv_chunks` for the administrator: what the exports centre streams (COPY with
  the neutralising SELECT, BOM, header, 64 KB chunks);

and prints the ratio (target at least 0.30) and tracemalloc's peak for one more export pass.

    .venv/bin/python bench/export_contacts.py [--server postgres://postgres@127.0.0.1:5432]
        [--database abrazo_bench_export_contacts] [--rows 1000000] [--regenerate] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.equity_data import database_exists, recreate_database, setup_django  # noqa: E402

TARGET_RATIO = 0.30


def generate(rows: int, programs: int, episodes: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from abrazo.accounts.models import Membership, Role, User
    from abrazo.consultations.models import Episode
    from abrazo.directory.models import Agency, ConsultantProfile, County, Network, Region
    from abrazo.directory.models import Program as Site

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    network = Network.objects.create(name="Export Benchmark State", slug="export-bench", state_code="CA")
    counties = list(County.objects.filter(state_code="CA").order_by("fips")[:10])
    regions = [Region.objects.create(network=network, name=f"Region {n}", code=f"r{n}") for n in range(5)]
    agency = Agency.objects.create(network=network, region=regions[0], name="Bench Agency")
    admin = User.objects.create_user(email="admin@export-bench.example", password=None, full_name="Bench Admin")
    Membership.objects.create(user=admin, network=network, role=Role.NETWORK_ADMIN)
    users = User.objects.bulk_create([
        User(email=f"consultant{n}@export-bench.example", full_name=f"Consultora {n} Peña", password="!")  # noqa: S106  (unusable)
        for n in range(60)
    ])
    profiles = ConsultantProfile.objects.bulk_create([
        ConsultantProfile(network=network, user=user, region=regions[n % 5], agency=agency, license_type="lmft",
                          setting_expertise=["preschool"])
        for n, user in enumerate(users)
    ])
    sites = Site.objects.bulk_create([
        Site(network=network, region=regions[n % 5], county=counties[n % len(counties)],
             name=f"Centro Infantil Los Niños {n}" if n % 50 else f"=Centro {n}", setting_type="center",
             auspice="non_profit", license_number=f"{n:09d}", address_line1=f"{n} Main St", city="Fresno",
             postal_code="93701")
        for n in range(programs)
    ])
    Episode.objects.bulk_create([
        Episode(network=network, program=sites[n % len(sites)], consultant=profiles[n % len(profiles)],
                episode_type="classroom", phase="active", language_id="en")
        for n in range(episodes)
    ], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH e AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM consultations_episode),
                 u AS (SELECT id FROM accounts_user WHERE email = 'consultant0@export-bench.example')
            INSERT INTO consultations_contact
                (id, created_at, updated_at, episode_id, contact_date, minutes, minutes_in_classroom, modality,
                 activity_type, participants, topics, language_id, notes, logged_by_id)
            SELECT gen_random_uuid(), now(), now(), e.ids[1 + i %% e.n], date '2024-07-01' + (i %% 730),
                   15 + (i %% 8) * 15, (i %% 8) * 10, (ARRAY['on_site', 'video', 'phone', 'message'])[1 + i %% 4],
                   (ARRAY['classroom_observation', 'teacher_meeting', 'family_meeting'])[1 + i %% 3],
                   '[]'::jsonb, '[]'::jsonb, 'en', '', u.id
            FROM generate_series(1, %s) AS i, e, u
            """,
            [rows],
        )
        cursor.execute("ANALYZE")
    print(f"generated {rows:,} contacts in {time.perf_counter() - started:.1f} s")


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = run()
        times.append(time.perf_counter() - started)
    return min(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="abrazo_bench_export_contacts")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--programs", type=int, default=400)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fresh = args.regenerate or not database_exists(args.server, args.database)
    if fresh:
        recreate_database(args.server, args.database)
    setup_django(f"{args.server}/{args.database}")
    if fresh:
        generate(args.rows, args.programs, args.episodes)

    from django.db import connection

    from abrazo.accounts.models import User
    from abrazo.reports import export_service, export_writers

    admin: Any = User.objects.get(email="admin@export-bench.example")
    plan = export_service.export_plan(user=admin, kind_key="contacts", file_format="csv")
    queryset = plan.queryset()
    count = queryset.count()
    columns = plan.kind.columns
    inner = queryset.values_list(*(column.path for column in columns))
    sql, params = inner.query.sql_with_params()
    raw_copy = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"

    def copy_pass() -> int:
        connection.ensure_connection()
        total = 0
        with connection.connection.cursor() as cursor, cursor.copy(raw_copy, params) as copy:
            for block in copy:
                total += len(block)
        return total

    def export_pass() -> int:
        return sum(len(chunk) for chunk in export_service.csv_chunks(plan))

    assert export_writers.uses_copy(queryset)
    copy_pass()  # warm the tables into shared buffers
    copy_s, copy_bytes = best_of(args.repeat, copy_pass)
    export_s, export_bytes = best_of(args.repeat, export_pass)
    tracemalloc.start()
    export_pass()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ratio = copy_s / export_s
    print(f"PostgreSQL, the app's contacts export for a network admin: {count:,} rows, best of {args.repeat}")
    print(f"  COPY of the scoped queryset's SQL : {copy_s:6.2f} s  {count / copy_s:>10,.0f} rows/s"
          f"  {copy_bytes / 1e6:7.1f} MB")
    print(f"  export_service.csv_chunks         : {export_s:6.2f} s  {count / export_s:>10,.0f} rows/s"
          f"  {export_bytes / 1e6:7.1f} MB  tracemalloc peak {traced / 1e6:.1f} MB")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"  export / COPY: {ratio:.2f} ({verdict} the {TARGET_RATIO:.2f} target)")


if __name__ == "__main__":
    main()
