#!/usr/bin/env python
"""A state-scale roster for the equity benchmark, in its own PostgreSQL database, built in a few minutes.

Ten school years (July 2016 to June 2026) of one network: 40,000 programs in 12 regions, 1 million
children, about 1.2 million enrolment periods, 1 million behavior incidents and the exclusion records
that go with them, then the ChildYear rollup built by `abrazo.equity.rollup.rebuild_network` (the code
under test, timed). Rows are written with PostgreSQL COPY; the database is dropped and created again.

    .venv/bin/python bench/equity_data.py [--server postgres://postgres@127.0.0.1:5432] [--name abrazo_bench_equity]
                                          [--children 1000000] [--incidents 1000000] [--programs 40000] [--seed 1]
    .venv/bin/python bench/equity_data.py --drop      # remove the database afterwards

Distributions (seeded; anchored on DOMAIN.md §5): race/ethnicity about 40% Hispanic, 27% white, 14%
Black, 10% Asian; half boys; 8% with an IEP/IFSP; 30% dual-language learners. Children stay one to three
school years; 8% come back after a gap; those still enrolled in June 2026 have an open enrolment.
Program sizes are skewed (a few large centres, many small homes). Incidents fall on a heavy-tailed
minority of children, more often on boys (2x), Black children (1.6x) and children with an IEP (1.5x);
about 5% lead to an out-of-school suspension (more often for Black children and boys), 4% to an
in-school suspension, 0.5% to a dismissal. Every suspension or dismissal gets its exclusion record,
and 30,000 exclusions are recorded on their own (most of them reduced hours or conditional enrolment).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
NAME = "abrazo_bench_equity"
NETWORK_SLUG = "equity-bench"
FIRST_DAY, LAST_DAY = date(2016, 7, 1), date(2026, 6, 30)  # school years 2016 to 2025
NOW = "2026-07-01 00:00:00+00"

RACES = {"hispanic_latino": 0.40, "white": 0.27, "black": 0.14, "asian": 0.10, "two_or_more": 0.05,
         "american_indian_alaska_native": 0.01, "native_hawaiian_pacific_islander": 0.005, "not_reported": 0.025}
GENDERS = {"boy": 0.505, "girl": 0.485, "another": 0.003, "not_reported": 0.007}
LANGUAGES = {"en": 0.60, "es": 0.30, "vi": 0.02, "zh": 0.02, "tl": 0.01, "ko": 0.01, "": 0.04}
FUNDING = {"state_preschool": 0.3, "head_start": 0.2, "subsidy": 0.2, "private_pay": 0.3}
STANDALONE_KINDS = {"reduced_hours": 0.4, "conditional_enrollment": 0.2, "transfer": 0.1, "oss": 0.2, "iss": 0.05,
                    "dismissal": 0.05}


def uuid_text(table: int, index: np.ndarray) -> np.ndarray:
    """Deterministic UUIDs, one 'table' prefix each, so every id is unique and rows are reproducible."""
    return np.char.add(f"{table:08x}-0000-4000-8000-", np.char.zfill(np.char.mod("%x", index), 12))


def pick(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    values = list(shares)
    weights = np.array(list(shares.values()))
    return np.array(values, dtype=object)[rng.choice(len(values), size=size, p=weights / weights.sum())]


def days(values: np.ndarray) -> np.ndarray:
    """Day numbers (since 1970-01-01) as ISO dates."""
    return np.datetime_as_string(values.astype("datetime64[D]"), unit="D")


def day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def copy(cursor: Any, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]], total: int) -> float:
    """COPY rows (already text; None for NULL) into a table; return the seconds it took."""
    started = time.perf_counter()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
        batch: list[str] = []
        for row in rows:
            batch.append("\t".join("\\N" if value is None else str(value) for value in row))
            if len(batch) >= 50_000:
                stream.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            stream.write("\n".join(batch) + "\n")
    seconds = time.perf_counter() - started
    print(f"  {table:<24}{total:>12,} rows  {seconds:6.1f} s")
    return seconds


def admin_connection(server: str) -> Any:
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def recreate_database(server: str, name: str) -> None:
    with admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    with admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(server: str, name: str) -> bool:
    with admin_connection(server) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def django_environment(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings", "ABRAZO_ENV": "development",
            "DEBUG": "0", "PYTHONPATH": str(ROOT)}


def setup_django(url: str) -> None:
    os.environ.update(django_environment(url))
    import django

    django.setup()


def generate(children: int, incidents: int, programs: int, seed: int) -> None:
    from django.db import connection

    from abrazo.directory.models import County, Network, Region
    from abrazo.incidents import birs

    rng = np.random.default_rng(seed)
    network = Network.objects.create(name="Equity Benchmark State", slug=NETWORK_SLUG, state_code="CA")
    counties = list(County.objects.filter(state_code="CA").values_list("fips", flat=True))
    regions = [Region.objects.create(network=network, name=f"Region {n + 1}", code=f"region-{n + 1}")
               for n in range(12)]
    network_id = str(network.pk)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    # The rows are consistent by construction; checking each foreign key row by row would make COPY
    # several times slower (the benchmark connects as the superuser, which may switch the checks off).
    cursor.execute("SET session_replication_role = replica")
    started = time.perf_counter()

    # Programs: a region each, a county each; sizes skewed (lognormal weights decide where children go).
    program_ids = uuid_text(1, np.arange(programs))
    program_region = rng.integers(0, len(regions), programs)
    program_county = rng.integers(0, len(counties), programs)
    settings = np.array(["center", "fcc_small", "fcc_large", "head_start", "state_preschool"], dtype=object)
    program_setting = settings[rng.choice(len(settings), programs, p=[0.45, 0.25, 0.1, 0.1, 0.1])]
    region_ids = [str(region.pk) for region in regions]
    print("writing (COPY):")
    copy(cursor, "directory_program", [
        "id", "created_at", "updated_at", "version", "network_id", "name", "setting_type", "auspice",
        "license_number", "address_line1", "address_line2", "city", "postal_code", "county_id", "region_id",
        "is_rural", "serves_infants", "serves_toddlers", "serves_preschoolers", "quality_rating", "phone", "email",
        "is_active",
    ], (
        (program_ids[n], NOW, NOW, 1, network_id, f"Program {n + 1}", program_setting[n], "non_profit", "",
         f"{n + 1} Main Street", "", "Sacramento", "95814", counties[program_county[n]],
         region_ids[program_region[n]], "f", "t", "t", "t", "none", "", "", "t")
        for n in range(programs)
    ), programs)

    # Children and enrolments.
    size = rng.lognormal(0, 1.0, programs)
    child_program = rng.choice(programs, children, p=size / size.sum())
    race = pick(rng, RACES, children)
    gender = pick(rng, GENDERS, children)
    iep = rng.random(children) < 0.08
    dll = rng.random(children) < 0.30
    language = pick(rng, LANGUAGES, children)
    funding = pick(rng, FUNDING, children)
    first, last = day_number(FIRST_DAY), day_number(LAST_DAY)
    start = rng.integers(first, last - 30, children)
    stay = rng.choice([300, 600, 950], children, p=[0.4, 0.4, 0.2]) + rng.integers(-60, 30, children)
    end = start + np.maximum(stay, 20)
    open_ended = end > last
    born = start - rng.integers(180, 4 * 365, children)
    child_ids = uuid_text(2, np.arange(children))
    # Plain lists: reading a numpy element per field per row is what made writing slow.
    ids, in_program, born_text = child_ids.tolist(), child_program.tolist(), days(born).tolist()
    race_l, gender_l, iep_l, dll_l = race.tolist(), gender.tolist(), iep.tolist(), dll.tolist()
    language_l, funding_l, program_l = language.tolist(), funding.tolist(), program_ids.tolist()
    copy(cursor, "incidents_child", [
        "id", "created_at", "updated_at", "version", "network_id", "program_id", "code", "classroom_id",
        "date_of_birth", "race_ethnicity", "gender", "iep", "dll", "home_language_id", "extra",
    ], (
        (ids[n], NOW, NOW, 1, network_id, program_l[in_program[n]], f"C{n:07d}", None, born_text[n],
         race_l[n], gender_l[n], "t" if iep_l[n] else "f", "t" if dll_l[n] else "f", language_l[n] or None,
         f'{{"funding": "{funding_l[n]}"}}')
        for n in range(children)
    ), children)

    returning = np.flatnonzero((rng.random(children) < 0.08) & ~open_ended)
    again = end[returning] + rng.integers(30, 300, len(returning))
    returning, again = returning[again < last - 30], again[again < last - 30]
    again_end = again + rng.integers(100, 300, len(returning))
    enrolment_child = np.concatenate([np.arange(children), returning])
    enrolment_start = np.concatenate([start, again])
    enrolment_end = np.concatenate([end, again_end])
    enrolment_open = enrolment_end > last
    enrolment_start_text, enrolment_end_text = days(enrolment_start).tolist(), days(enrolment_end).tolist()
    enrolment_ids = uuid_text(3, np.arange(len(enrolment_child))).tolist()
    enrolment_child_l, enrolment_open_l = enrolment_child.tolist(), enrolment_open.tolist()
    copy(cursor, "incidents_enrollment", [
        "id", "created_at", "updated_at", "network_id", "program_id", "child_id", "classroom_id", "start_date",
        "end_date", "end_reason",
    ], (
        (enrolment_ids[n], NOW, NOW, network_id, program_l[in_program[enrolment_child_l[n]]],
         ids[enrolment_child_l[n]], None, enrolment_start_text[n],
         None if enrolment_open_l[n] else enrolment_end_text[n], "" if enrolment_open_l[n] else "aged_out")
        for n in range(len(enrolment_child))
    ), len(enrolment_child))

    # Incidents: a heavy-tailed minority of children, dated within their first enrolment.
    black, boy = race == "black", gender == "boy"
    weight = rng.lognormal(0, 1.5, children) * np.where(boy, 2.0, 1.0) * np.where(black, 1.6, 1.0)
    weight *= np.where(iep, 1.5, 1.0)
    who = rng.choice(children, incidents, p=weight / weight.sum())
    span = np.minimum(end[who], last) - start[who] + 1
    occurred = start[who] + (rng.random(incidents) * span).astype(np.int64)
    oss_chance = 0.05 * np.where(black[who], 1.6, 0.9) * np.where(boy[who], 1.2, 0.8)
    dismissal_chance = 0.005 * np.where(black[who], 2.0, 0.9)
    draw = rng.random(incidents)
    is_dismissal = draw < dismissal_chance
    is_oss = ~is_dismissal & (draw < dismissal_chance + oss_chance)
    iss_draw = rng.random(incidents)
    iss_by_response = iss_draw < 0.03
    iss_by_follow_up = ~is_dismissal & ~is_oss & (iss_draw >= 0.03) & (iss_draw < 0.04)
    calm_follow_ups = np.array(["contact_family", "talk_with_child", "family_meeting", "behavioral_consultation",
                                "not_applicable", "targeted_group"], dtype=object)
    follow_up = calm_follow_ups[rng.integers(0, len(calm_follow_ups), incidents)]
    follow_up[iss_by_follow_up] = "temporary_removal"
    follow_up[is_oss] = np.where(rng.random(int(is_oss.sum())) < 0.4, "sent_home_days", "sent_home_rest_of_day")
    follow_up[is_dismissal] = "dismissal"
    calm_responses = np.array(["verbal_reminder", "redirect", "reteach", "time_with_teacher", "remove_from_activity",
                               "physical_comfort"], dtype=object)
    response = calm_responses[rng.integers(0, len(calm_responses), incidents)]
    response[iss_by_response] = "time_outside_classroom"
    flags = {  # exactly as the model derives them on save
        "iss": np.array([birs.is_iss(r, f) for r, f in zip(response, follow_up, strict=True)]),
        "oss": np.array([birs.is_oss(f) for f in follow_up]),
        "dismissal": np.array([birs.is_dismissal(f) for f in follow_up]),
    }
    behaviors = np.array(birs.ProblemBehavior.values, dtype=object)[rng.integers(0, 14, incidents)]
    activities = np.array(birs.Activity.values, dtype=object)[rng.integers(0, 18, incidents)]
    motivations = np.array(birs.PossibleMotivation.values, dtype=object)[rng.integers(0, 11, incidents)]
    occurred_text = days(occurred).tolist()
    incident_ids = uuid_text(4, np.arange(incidents)).tolist()
    who_l, response_l, follow_up_l = who.tolist(), response.tolist(), follow_up.tolist()
    behavior_l, activity_l, motivation_l = behaviors.tolist(), activities.tolist(), motivations.tolist()
    flag_text = {name: np.where(values, "t", "f").tolist() for name, values in flags.items()}
    copy(cursor, "incidents_incident", [
        "id", "created_at", "updated_at", "version", "network_id", "program_id", "child_id", "classroom_id",
        "occurred_on", "occurred_at", "problem_behavior", "activity", "others_involved", "possible_motivation",
        "strategy_response", "admin_follow_up", "notes", "is_iss", "is_oss", "is_dismissal", "source",
        "external_id", "recorded_by_id",
    ], (
        (incident_ids[n], NOW, NOW, 1, network_id, program_l[in_program[who_l[n]]], ids[who_l[n]], None,
         occurred_text[n], None, behavior_l[n], activity_l[n], "peers", motivation_l[n], response_l[n],
         follow_up_l[n], "", flag_text["iss"][n], flag_text["oss"][n], flag_text["dismissal"][n], "import", "", None)
        for n in range(incidents)
    ), incidents)

    # Exclusions: one for each suspension or dismissal an incident led to, and standalone ones.
    linked = np.flatnonzero(flags["oss"] | flags["dismissal"] | flags["iss"])
    linked_kind = np.where(flags["dismissal"][linked], "dismissal", np.where(flags["oss"][linked], "oss", "iss"))
    standalone = 30_000
    standalone_child = rng.choice(children, standalone, p=weight / weight.sum())
    standalone_span = np.minimum(end[standalone_child], last) - start[standalone_child] + 1
    standalone_day = start[standalone_child] + (rng.random(standalone) * standalone_span).astype(np.int64)
    standalone_kind = pick(rng, STANDALONE_KINDS, standalone)
    standalone_text, standalone_kind = days(standalone_day).tolist(), standalone_kind.tolist()
    exclusion_ids, linked_kind = uuid_text(5, np.arange(len(linked) + standalone)).tolist(), linked_kind.tolist()
    columns = ["id", "created_at", "updated_at", "version", "network_id", "program_id", "child_id", "incident_id",
               "kind", "starts_on", "ends_on", "days_lost", "notes", "recorded_by_id"]

    def exclusion_rows() -> Iterable[tuple[Any, ...]]:
        for k, n in enumerate(linked.tolist()):
            yield (exclusion_ids[k], NOW, NOW, 1, network_id, program_l[in_program[who_l[n]]], ids[who_l[n]],
                   incident_ids[n], linked_kind[k], occurred_text[n], None,
                   "0.5" if follow_up_l[n] == "sent_home_rest_of_day" else "1.0", "", None)
        for k, n in enumerate(standalone_child.tolist()):
            yield (exclusion_ids[len(linked) + k], NOW, NOW, 1, network_id, program_l[in_program[n]],
                   ids[n], None, standalone_kind[k], standalone_text[k], None, "2.0", "", None)

    copy(cursor, "incidents_exclusion", columns, exclusion_rows(), len(linked) + standalone)
    cursor.execute("SET session_replication_role = DEFAULT")
    cursor.close()
    print(f"generated and written in {time.perf_counter() - started:.0f} s")


def build_rollup() -> None:
    from django.db import connection

    from abrazo.directory.models import Network
    from abrazo.equity.rollup import rebuild_network

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    network = Network.objects.get(slug=NETWORK_SLUG)
    started = time.perf_counter()
    rows = rebuild_network(network.pk)
    print(f"rollup: rebuild_network wrote {rows:,} child-years in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        # Outside a transaction, so that index-only scans can use the visibility map from the start.
        cursor.execute("VACUUM ANALYZE equity_childyear")


def main(argv: list[str] | None = None, *, after: Callable[[], None] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL, without a database name")
    parser.add_argument("--name", default=NAME, help="the benchmark's own database (dropped and created)")
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--programs", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database and stop")
    args = parser.parse_args(argv)
    if args.drop:
        drop_database(args.server, args.name)
        print(f"dropped {args.name}")
        return 0
    began = time.perf_counter()
    url = f"{args.server}/{args.name}"
    recreate_database(args.server, args.name)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "abrazo", "migrate", "--noinput", "-v", "0"], check=True,
                   env={**os.environ, **django_environment(url)}, cwd=ROOT)
    print(f"created {args.name} and migrated in {time.perf_counter() - started:.0f} s")
    setup_django(url)
    generate(args.children, args.incidents, args.programs, args.seed)
    build_rollup()
    print(f"state-scale equity data ready in {time.perf_counter() - began:.0f} s: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
