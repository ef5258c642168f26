#!/usr/bin/env python
"""Benchmark: the workforce capacity report (issue 6 item 5) on a state-sized network.

Targets: the report page, rendered over HTTP, answers in under 1 second warm, for an evaluator (the published
version) and for an administrator (exact); and in under 2 seconds the first time the published version is asked
for after the figures change (when suppression runs: its hidden cells are then kept in the cache).

The data set (generated once into its own database, or again with --regenerate): one network of 12 regions over
California's 58 counties; 40 cohorts of 60 applicants each, 30 of them enrolled (2,400 applications, 1,200
participants; completed, withdrawn or still enrolled; graduates working here, elsewhere or in other work, with the
counties they serve); 600 active consultants (everyone speaks English, about 45% Spanish, a few Vietnamese,
Chinese, Hmong, Tagalog or Korean; 2-5 counties of their region, a fifth also one county of the next region; one
region has no Spanish speaker, so it has a gap); 50,000 requests over the last year (about 30% in Spanish, 5% in
other languages).

It times, warm (one run to warm up, then the median of --repeat):

- **page**: GET /workforce/capacity/ through the test client (middleware, selectors, figures, template), for the
  evaluator (published) and the administrator (exact), and the CSV and XLSX exports. The published version's
  hidden cells are kept in the cache once worked out (keyed by every count they depend on), so "first time"
  clears the cache before each run: that is the page after any change to the figures;
- **report_for**: the selectors and the figures without HTTP, and its parts: the reads (the rows the pure module
  takes), `capacity.cohort_figures` (exact and suppressed) and `capacity.coverage`;
- **naive**: the same exact figures the way a first version might count them, one COUNT query per figure
  (cohort x group, status, workplace, and area x language for requests and consultants) and each participant's
  languages read one by one; its answers are checked against ours before the ratio is printed.

    .venv/bin/python bench/workforce_capacity.py [--database sqlite:///var/bench_workforce.sqlite3 |
                                                  postgres://postgres@127.0.0.1:5432/abrazo_bench_workforce]
                                                 [--regenerate] [--repeat 5] [--requests 50000] [--consultants 600]
                                                 [--cohorts 40] [--participants 30] [--applicants 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0  # the page, warm
FIRST_TIME_TARGET_SECONDS = 2.0  # the published page the first time after the figures change (suppression run)
NETWORK_SLUG = "workforce-bench"
DEFAULT_DATABASE = f"sqlite:///{ROOT / 'var' / 'bench_workforce.sqlite3'}"
RACES = {"hispanic_latino": 0.41, "white": 0.19, "black": 0.12, "asian": 0.13, "american_indian_alaska_native": 0.025,
         "native_hawaiian_pacific_islander": 0.01, "two_or_more": 0.055, "not_reported": 0.06}
OTHER_LANGUAGES = ("vi", "zh", "hmn", "tl", "ko")
REQUEST_LANGUAGES = {"en": 0.65, "es": 0.30, "vi": 0.015, "zh": 0.012, "hmn": 0.008, "tl": 0.008, "ko": 0.007}


def timed(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` runs after one warm-up run, and the last answer."""
    answer = work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --- setting up ------------------------------------------------------------------------------------------


def prepare_database(url: str, regenerate: bool) -> None:
    """Point Django at the benchmark database (created if missing; emptied first with --regenerate) and migrate."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if regenerate:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        from bench import equity_data

        server, name = url.rsplit("/", 1)
        if regenerate or not equity_data.database_exists(server, name):
            equity_data.recreate_database(server, name)
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings", "ABRAZO_ENV": "development",
                       "DEBUG": "0"})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)


def generate(args: argparse.Namespace) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from abrazo.accounts.models import Membership, Role, User
    from abrazo.accounts.tests.factories import give_totp
    from abrazo.directory.models import Agency, ConsultantProfile, County, LicenseType, Network, NetworkCounty, Region
    from abrazo.intake.models import Request
    from abrazo.workforce.models import Application, Cohort, CohortStatus, Participant, ParticipantStatus

    rng = random.Random(args.seed)
    started = time.perf_counter()
    unusable = make_password(None)
    with transaction.atomic():
        network = Network.objects.create(name="Workforce Benchmark State", slug=NETWORK_SLUG, state_code="CA")
        counties = list(County.objects.filter(state_code="CA").order_by("fips").values_list("fips", flat=True))
        regions = Region.objects.bulk_create([Region(network=network, name=f"Region {n + 1:02d}", code=f"r{n + 1}")
                                              for n in range(12)])
        region_counties: dict[int, list[str]] = {n: [] for n in range(len(regions))}
        for index, fips in enumerate(counties):
            region_counties[index % len(regions)].append(fips)
        NetworkCounty.objects.bulk_create([NetworkCounty(network=network, region=regions[n], county_id=fips)
                                           for n, fipses in region_counties.items() for fips in fipses])
        agencies = Agency.objects.bulk_create([Agency(network=network, region=region, name=f"Agency {region.name}")
                                               for region in regions])
        people = {}
        for role in (Role.NETWORK_ADMIN, Role.EVALUATOR):
            user = User.objects.create(email=f"{role}@bench.example", full_name=f"Bench {role}", password=unusable)
            Membership.objects.create(user=user, network=network, role=role)
            give_totp(user)  # both roles must have a second factor before any page opens
            people[role] = user

        # Consultants: the last region has no Spanish speaker (a gap the report must show).
        users = User.objects.bulk_create([User(email=f"consultant{n}@bench.example", full_name=f"Consultant {n}",
                                               password=unusable) for n in range(args.consultants)])
        profiles = []
        for n, user in enumerate(users):
            home = n % len(regions)
            profiles.append(ConsultantProfile(network=network, user=user, agency=agencies[home], region=regions[home],
                                              license_type=LicenseType.LMFT))
        profiles = ConsultantProfile.objects.bulk_create(profiles)
        speaks, serves = [], []
        spoken: dict[int, set[str]] = {}
        for n, profile in enumerate(profiles):
            home = n % len(regions)
            codes = {"en"}
            if home != len(regions) - 1 and rng.random() < 0.45:
                codes.add("es")
            if rng.random() < 0.06:
                codes.add(rng.choice(OTHER_LANGUAGES))
            spoken[n] = codes
            speaks += [ConsultantProfile.languages.through(consultantprofile_id=profile.pk, language_id=code)
                       for code in codes]
            mine = rng.sample(region_counties[home], min(len(region_counties[home]), rng.randint(2, 5)))
            if rng.random() < 0.2:
                mine.append(rng.choice(region_counties[(home + 1) % len(regions)]))
            serves += [ConsultantProfile.counties.through(consultantprofile_id=profile.pk, county_id=fips)
                       for fips in set(mine)]
        ConsultantProfile.languages.through.objects.bulk_create(speaks, batch_size=5000)
        ConsultantProfile.counties.through.objects.bulk_create(serves, batch_size=5000)

        # Cohorts, applications and participants.
        today = timezone.localdate()
        cohorts = Cohort.objects.bulk_create([
            Cohort(network=network, name=f"Cohort {n + 1:02d}", status=CohortStatus.COMPLETED if n < args.cohorts - 2
                   else CohortStatus.IN_PROGRESS, starts_on=today - timedelta(days=90 * (args.cohorts - n)),
                   ends_on=today - timedelta(days=90 * (args.cohorts - n) - 270))
            for n in range(args.cohorts)
        ])
        applications, application_languages, plans = [], [], []
        for cohort in cohorts:
            for n in range(args.applicants):
                race = weighted(rng, RACES)
                codes = ["en"] + (["es"] if rng.random() < (0.85 if race == "hispanic_latino" else 0.3) else [])
                if race == "asian" and rng.random() < 0.5:
                    codes.append(rng.choice(OTHER_LANGUAGES))
                if rng.random() < 0.05:
                    codes = []
                application = Application(network=network, cohort=cohort, given_name="Bench", family_name=f"A{n}",
                                          email=f"a{n}.{cohort.name.replace(' ', '')}@bench.example",
                                          motivation="Benchmark.", race_ethnicity=race,
                                          county_id=rng.choice(counties))
                applications.append(application)
                plans.append((cohort, n, codes))
        applications = Application.objects.bulk_create(applications, batch_size=2000)
        participants, participant_languages, served = [], [], []
        for application, (cohort, n, codes) in zip(applications, plans, strict=True):
            application_languages += [Application.languages.through(application_id=application.pk, language_id=code)
                                      for code in codes]
            if n >= args.participants:
                continue
            finished = cohort.status == CohortStatus.COMPLETED
            roll = rng.random()
            status = (ParticipantStatus.WITHDRAWN if roll < 0.1 else ParticipantStatus.COMPLETED if finished
                      else ParticipantStatus.ENROLLED)
            participant = Participant(network=network, cohort=cohort, application=application,
                                      full_name=f"Participant {n}", email=application.email, status=status)
            if status == ParticipantStatus.COMPLETED:
                place = rng.random()
                if place < 0.25:
                    participant.consultant_profile = profiles[rng.randrange(len(profiles))]
                elif place < 0.6:
                    participant.works_in_iecmhc = True
                elif place < 0.85:
                    participant.works_in_iecmhc = False
            participants.append((participant, codes, application.county_id))
        created = Participant.objects.bulk_create([row[0] for row in participants], batch_size=2000)
        for participant, (_row, codes, home) in zip(created, participants, strict=True):
            participant_languages += [Participant.languages.through(participant_id=participant.pk, language_id=code)
                                      for code in codes]
            if participant.works_in_iecmhc or participant.consultant_profile_id:
                served += [Participant.counties_served.through(participant_id=participant.pk, county_id=fips)
                           for fips in {home, rng.choice(counties)}]
        Application.languages.through.objects.bulk_create(application_languages, batch_size=5000)
        Participant.languages.through.objects.bulk_create(participant_languages, batch_size=5000)
        Participant.counties_served.through.objects.bulk_create(served, batch_size=5000)

        # Requests over the last year, from every county (some counties busier).
        county_region = {fips: regions[n] for n, fipses in region_counties.items() for fips in fipses}
        busy = {fips: rng.lognormvariate(0, 1) for fips in counties}
        now = timezone.now()
        batch = []
        for n in range(args.requests):
            fips = rng.choices(counties, weights=[busy[f] for f in counties])[0]
            batch.append(Request(
                network=network, reference=f"B-{n:07d}", requester_name="Bench requester",
                requester_email=f"r{n}@bench.example", requester_role="director",
                preferred_language_id=weighted(rng, REQUEST_LANGUAGES), program_name=f"Program {n}",
                address_line1="1 Main Street", city="Sacramento", postal_code="95814", county_id=fips,
                region=county_region[fips], setting_type="center", concern_text="Benchmark.",
                submitted_at=now - timedelta(minutes=rng.randrange(364 * 24 * 60)), computed_priority="normal",
            ))
            if len(batch) >= 5000:
                Request.objects.bulk_create(batch)
                batch.clear()
        Request.objects.bulk_create(batch)
    if connection_vendor() == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s: {len(regions)} regions, {len(counties)} counties, "
          f"{len(profiles)} consultants, {len(cohorts)} cohorts, {len(applications):,} applications, "
          f"{len(created):,} participants, {args.requests:,} requests")


def connection_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


# --- the naive baseline -----------------------------------------------------------------------------------


def naive_figures(network: Any, period: tuple[date, date]) -> dict[str, Any]:
    """The exact figures counted one query per figure (what the selectors replace), for the ratio."""
    from django.utils import timezone

    from abrazo.directory.models import ConsultantProfile, NetworkCounty, Region
    from abrazo.intake.models import Request
    from abrazo.workforce import capacity, languages
    from abrazo.workforce.models import Cohort, Participant

    answers: dict[str, Any] = {}
    cohorts = list(Cohort.objects.filter(network=network).order_by("starts_on", "name"))
    for cohort in cohorts:
        for group in capacity.RACE_GROUPS:
            found = Participant.objects.filter(cohort=cohort)
            found = (found.filter(application__race_ethnicity=group) if group != capacity.NOT_REPORTED else
                     found.filter(application__race_ethnicity__in=["", capacity.NOT_REPORTED]))
            answers[("race", str(cohort.pk), group)] = found.count()
        by_language: dict[str, int] = {}
        for participant in Participant.objects.filter(cohort=cohort):
            codes = list(participant.languages.values_list("code", flat=True))
            group = languages.language_group(codes)
            by_language[group] = by_language.get(group, 0) + 1
        for group in capacity.LANGUAGE_GROUPS:
            answers[("language", str(cohort.pk), group)] = by_language.get(group, 0)
        for status in capacity.STATUSES:
            answers[("status", str(cohort.pk), status)] = Participant.objects.filter(cohort=cohort,
                                                                                     status=status).count()
    tz = timezone.get_current_timezone()
    start = datetime.combine(period[0], datetime.min.time(), tzinfo=tz)
    end = datetime.combine(period[1] + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    requests = Request.objects.filter(network=network, submitted_at__gte=start, submitted_at__lt=end)
    codes = ["es", "en", *OTHER_LANGUAGES]
    for region in Region.objects.filter(network=network):
        fipses = list(NetworkCounty.objects.filter(region=region).values_list("county_id", flat=True))
        for area, counties in [(str(region.pk), fipses), *((fips, [fips]) for fips in fipses)]:
            for code in codes:
                answers[("requests", area, code)] = requests.filter(county_id__in=counties,
                                                                    preferred_language_id=code).count()
                answers[("consultants", area, code)] = ConsultantProfile.objects.filter(
                    network=network, is_active=True, counties__in=counties, languages=code).distinct().count()
    return answers


def our_answers(report: Any) -> dict[str, Any]:
    from abrazo.workforce import capacity

    figures, coverage = report.figures, report.coverage
    answers: dict[str, Any] = {}
    for cohort, race, language, completion in zip(
            figures.cohorts, figures.table(capacity.PARTICIPANTS, capacity.RACE).rows,
            figures.table(capacity.PARTICIPANTS, capacity.LANGUAGE).rows, figures.completion, strict=True):
        key = str(UUID(cohort.key))  # the report reads ids as text in the database's own form
        for group, count in race.groups.items():
            answers[("race", key, group)] = count.value
        for group, count in language.groups.items():
            answers[("language", key, group)] = count.value
        for status in capacity.STATUSES:
            answers[("status", key, status)] = getattr(completion, status).value
    for region in coverage.regions:
        for area in (region, *region.counties):
            for code in ("es", "en", *OTHER_LANGUAGES):
                line = area.line(code)
                answers[("requests", area.key, code)] = line.requests if line else 0
                if line:
                    answers[("consultants", area.key, code)] = line.consultants
    return answers


# --- the run ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--consultants", type=int, default=600)
    parser.add_argument("--cohorts", type=int, default=40)
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--applicants", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    prepare_database(args.database, args.regenerate)
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from abrazo.accounts.models import Role, User
    from abrazo.directory.models import Network
    from abrazo.workforce import capacity
    from abrazo.workforce import capacity_selectors as selectors

    if not Network.objects.filter(slug=NETWORK_SLUG).exists():
        generate(args)
    settings.ALLOWED_HOSTS = ["testserver"]
    network = Network.objects.get(slug=NETWORK_SLUG)
    admin = User.objects.get(email=f"{Role.NETWORK_ADMIN}@bench.example")
    evaluator = User.objects.get(email=f"{Role.EVALUATOR}@bench.example")
    print(f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}"
          f"{connection.cursor().connection.info.server_version if connection.vendor == 'postgresql' else ''}; "
          f"network {network.name}")

    def page(user: Any, path: str, **query: str) -> Callable[[], Any]:
        client = Client()
        client.force_login(user)

        def get() -> Any:
            response = client.get(path, query)
            assert response.status_code == 200, response.status_code
            return response
        return get

    report_url, export_url = reverse("workforce:capacity-report"), reverse("workforce:capacity-export")
    evaluator_page = page(evaluator, report_url)

    def first_time() -> Any:
        cache.clear()  # the published version's hidden cells are kept in the cache: forget them
        return evaluator_page()

    cases: dict[str, Callable[[], Any]] = {
        "page, evaluator, first time": first_time,
        "page, evaluator (published)": evaluator_page,
        "page, administrator (exact)": page(admin, report_url),
        "export CSV, evaluator": page(evaluator, export_url, format="csv"),
        "export XLSX, evaluator": page(evaluator, export_url, format="xlsx"),
    }
    choice = {user: selectors.network_from_key(user=user, key=None) for user in (admin, evaluator)}
    cases["report_for, evaluator"] = lambda: selectors.report_for(user=evaluator, network=choice[evaluator],
                                                                  filters=selectors.Filters())
    cases["report_for, administrator"] = lambda: selectors.report_for(user=admin, network=choice[admin],
                                                                      filters=selectors.Filters())

    # The parts of report_for: the reads, and the pure figures on the rows read.
    def reads() -> Any:
        cohorts = selectors._cohorts(admin, choice[admin], selectors.Filters())
        keys = [cohort.key for cohort in cohorts]
        applicants, application_languages = selectors._applicants(admin, choice[admin], keys)
        profiles = selectors._consultants(admin, choice[admin])
        participants, graduates = selectors._participants(admin, choice[admin], keys, application_languages, profiles)
        areas, names = selectors._areas(admin, choice[admin], None)
        demand = selectors._requests(admin, choice[admin], selectors.Filters().period())
        consultants = [capacity.Supplier(languages=profiles.languages[pk], counties=profiles.counties[pk])
                       for pk in profiles.languages]
        return cohorts, applicants, participants, graduates, areas, names, consultants, demand

    cases["reads (rows for the pure module)"] = reads
    cohorts, applicants, participants, graduates, areas, names, consultants, demand = reads()
    cases["cohort_figures, exact"] = lambda: capacity.cohort_figures(cohorts, applicants, participants, exact=True)
    cases["cohort_figures, suppressed"] = lambda: capacity.cohort_figures(cohorts, applicants, participants,
                                                                          exact=False)
    cases["coverage"] = lambda: capacity.coverage(areas, names, consultants, graduates, demand, exact=False)
    results = {name: timed(work, args.repeat) for name, work in cases.items()}

    with CaptureQueriesContext(connection) as ours_queries:
        ours = selectors.report_for(user=admin, network=choice[admin], filters=selectors.Filters())
    naive_seconds, naive = timed(lambda: naive_figures(network, selectors.Filters().period()), max(1, args.repeat // 2))
    with CaptureQueriesContext(connection) as naive_queries:
        naive_figures(network, selectors.Filters().period())
    mine = our_answers(ours)
    disagree = [key for key, value in naive.items() if mine.get(key, 0) != value]

    print(f"data: {len(cohorts)} cohorts, {len(applicants):,} applicants, {len(participants):,} participants, "
          f"{len(graduates):,} graduates in the field, {len(consultants)} consultants, "
          f"{sum(row.requests for row in demand):,} requests in the last year ({len(demand)} county x language rows)")
    hidden = sum(1 for row in results["report_for, evaluator"][1].figures.table(capacity.PARTICIPANTS,
                                                                                  capacity.RACE).rows
                 for count in row.groups.values() if count.hidden)
    gaps = results["report_for, evaluator"][1].coverage.gaps
    print(f"published version: {hidden} of {len(cohorts) * len(capacity.RACE_GROUPS)} race cells of the cohorts "
          f"hidden; {len(gaps)} gaps (regions and counties)")
    print(f"\n{'case':<36}{'ms':>10}{'vs 1 s':>9}")
    for name, (seconds, _answer) in results.items():
        print(f"{name:<36}{seconds * 1000:>10.1f}{seconds / TARGET_SECONDS:>8.0%}")
    ours_seconds = results["report_for, administrator"][0]
    print(f"\nnaive exact figures: {naive_seconds * 1000:.0f} ms in {len(naive_queries)} queries; report_for "
          f"(everything, exact): {ours_seconds * 1000:.0f} ms in {len(ours_queries)} queries → naive / ours "
          f"{naive_seconds / ours_seconds:.1f}x; answers agree on {len(naive) - len(disagree):,} of {len(naive):,} "
          f"figures{'' if not disagree else ' (DISAGREE: ' + repr(disagree[:5]) + ')'}")
    worst = max(results["page, evaluator (published)"][0], results["page, administrator (exact)"][0])
    first = results["page, evaluator, first time"][0]
    warm_ok, first_ok = worst < TARGET_SECONDS, first < FIRST_TIME_TARGET_SECONDS
    print(f"target: the report page < {TARGET_SECONDS:.0f} s warm → slowest {worst * 1000:.0f} ms "
          f"({worst / TARGET_SECONDS:.0%} of the target) {'PASS' if warm_ok else 'FAIL'}")
    print(f"target: the published page the first time after a change < {FIRST_TIME_TARGET_SECONDS:.0f} s → "
          f"{first * 1000:.0f} ms ({first / FIRST_TIME_TARGET_SECONDS:.0%} of the target) "
          f"{'PASS' if first_ok else 'FAIL'}")
    passed = warm_ok and first_ok and not disagree
    print(f"(median of {args.repeat} warm runs each, after one warm-up run; test client in process, DEBUG off)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
