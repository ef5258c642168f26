#!/usr/bin/env python
"""Benchmark: resource search (issue 7) on a library of 100,000 resources, against a substring search.

Targets: with 100,000 resources, a search that returns the first page (20) of ranked results answers with p95
under 20 ms on PostgreSQL and under 50 ms on SQLite.

The data set (generated once into its own database, or again with --regenerate): one network, 100,000 resources
added over five years (about 60% English and 40% Spanish; most works in both languages), titles and summaries
put together from phrases about 18 topics (tantrums, sleep, biting, attachment, trauma, equity, the Pyramid
Model...) written in both languages (bench/library_search_data.py), 90% published, the rest suggested,
withdrawn or declined; the search index built with `search.reindex_all()` (what `abrazo reindex_library` runs).

For each query of a realistic set (single words, two words, typed without accents, common and rare words, with
function words, in English and Spanish; and a few narrowed by the browse page's facets) it times what a results
page needs from the database: the first 20 ranked results (and one more, to know whether there is a next page,
as abrazo/core/pagination.py reads a page) of `apply_search` over the network's published resources. Each
query runs --repeat times after a warm-up; p50 and p95 are over every run of every query. Counting every match
(for a "1,234 resources found" line, which core.pagination does not need) is timed and printed apart.

The comparison: the same first page the way a first version would search, unindexed: every word as a
case-insensitive substring (icontains) of the title or the summary, ordered by title (it cannot rank, stem or
fold accents; the numbers of matches are printed side by side, they differ for that reason).

    .venv/bin/python bench/library_search.py [--database sqlite:///var/bench_library_search.sqlite3 |
                                              postgres://postgres@127.0.0.1:5432/abrazo_bench_search]
                                             [--regenerate] [--resources 100000] [--repeat 15] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import reduce
from operator import and_
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.library_search_data import TOPICS, resource_text  # noqa: E402 - after the path is set
from bench.workforce_capacity import prepare_database  # noqa: E402 - the same setting up

TARGETS_MS = {"postgresql": 20.0, "sqlite": 50.0}
PAGE = 20
NETWORK_SLUG = "library-search-bench"
DEFAULT_DATABASE = f"sqlite:///{ROOT / 'var' / 'bench_library_search.sqlite3'}"
# What visitors type: (query, what it tests).
QUERIES = [
    ("berrinches", "es, topic word"),
    ("tantrums", "en, topic word"),
    ("sleep", "en, topic word"),
    ("sueño", "es, topic word, accent"),
    ("sueno", "es, typed without the accent"),
    ("mordidas", "es, topic word"),
    ("biting", "en, topic word"),
    ("apego", "es, topic word"),
    ("trauma", "both, topic word"),
    ("big feelings", "en, two words"),
    ("separation anxiety", "en, two words"),
    ("ansiedad por separacion", "es, two words, function word, no accent"),
    ("toilet training", "en, two words"),
    ("pyramid model", "en, two words"),
    ("expulsion", "both, topic word"),
    ("equidad", "es, topic word"),
    ("implicit bias", "en, two words"),
    ("niños", "es, common word"),
    ("nino", "es, common word, no accent"),
    ("children", "en, common word"),
    ("families", "en, common word"),
    ("tips for parents", "en, common words, function word"),
    ("consejos para familias", "es, common words, function word"),
    ("hiccups", "en, rare word"),
    ("gemelos", "es, rare word"),
    ("tartamudez preescolares", "es, rare + common"),
    ("autism early signs", "en, three words"),
    ("bedtime routine", "en, two words, stemming (routines)"),
]
FACETED_QUERIES = ["berrinches", "niños", "sueno", "familias", "gemelos"]
TOPIC_QUERIES = ["berrinches", "children", "calm"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- setting up ------------------------------------------------------------------------------------------


def generate(args: argparse.Namespace) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from abrazo.directory.models import Network
    from abrazo.library import search
    from abrazo.library.models import Resource, ResourceKind, ResourceStatus, ResourceWork, Topic

    rng = random.Random(args.seed)
    started = time.perf_counter()
    now = timezone.now()
    statuses = {ResourceStatus.PUBLISHED: 0.90, ResourceStatus.SUGGESTED: 0.05, ResourceStatus.WITHDRAWN: 0.03,
                ResourceStatus.DECLINED: 0.02}
    with transaction.atomic():
        network = Network.objects.create(name="Library Search Benchmark", slug=NETWORK_SLUG, state_code="CA")
        topics = {key: Topic.objects.create(network=network, key=key, name_en=key.title(), name_es=key.title(),
                                            position=n) for n, key in enumerate(TOPICS)}
        resources: list[Resource] = []
        works: list[ResourceWork] = []
        tagged: list[list[str]] = []
        made = 0

        def save(works: list[ResourceWork], resources: list[Resource], tagged: list[list[str]]) -> None:
            ResourceWork.objects.bulk_create(works)
            Resource.objects.bulk_create(resources)
            Resource.topics.through.objects.bulk_create([
                Resource.topics.through(resource_id=resource.pk, topic_id=topics[key].pk)
                for resource, keys in zip(resources, tagged, strict=True) for key in keys])
            for done in (works, resources, tagged):
                done.clear()

        while made < args.resources:
            work = ResourceWork(network=network)
            works.append(work)
            # Two works in three have both languages; the rest are in English or Spanish only.
            roll = rng.random()
            languages = ["en", "es"] if roll < 0.67 else ["en"] if roll < 0.9 else ["es"]
            kind, bits = rng.choice(ResourceKind.values), rng.randint(1, 31)
            start = rng.choice([0, 0, 12, 24, 36])
            status = rng.choices(list(statuses), weights=list(statuses.values()))[0]
            for language in languages[: args.resources - made]:
                title, summary, keys = resource_text(rng, language)
                tagged.append(keys)
                resources.append(Resource(
                    network=network, work=work, language=language, title=title, summary=summary, kind=kind,
                    audience_bits=bits, age_from_months=start, age_to_months=rng.choice([60, 72] if start >= 36
                                                                                        else [36, 60, 72]),
                    source_organisation="Bench Early Childhood Center", url=f"https://example.org/r/{made}",
                    status=status, published_at=now if status == ResourceStatus.PUBLISHED else None))
                made += 1
            if len(resources) >= 5000:
                save(works, resources, tagged)
        save(works, resources, tagged)
        # A library built over five years (created_at is set on insert; search puts newer resources first).
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("UPDATE library_resource SET created_at = "
                               "datetime('now', '-' || (abs(random()) % 1826) || ' days')")
            else:
                cursor.execute("UPDATE library_resource SET created_at = now() - random() * interval '1826 days'")
    loaded = time.perf_counter()
    indexed = search.reindex_all()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"generated {made:,} resources in {loaded - started:.0f} s; indexed {indexed:,} in "
          f"{time.perf_counter() - loaded:.0f} s")


# --- the run ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    prepare_database(args.database, args.regenerate)
    from django.db import connection
    from django.db.models import Q

    from abrazo.directory.models import Network
    from abrazo.library import search
    from abrazo.library.models import AgeBand, Audience, Resource, ResourceKind, ResourceStatus, Topic

    if not Network.objects.filter(slug=NETWORK_SLUG).exists():
        generate(args)
    network = Network.objects.get(slug=NETWORK_SLUG)
    published = Resource.objects.filter(network=network, status=ResourceStatus.PUBLISHED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"{connection.vendor} {version}; {Resource.objects.filter(network=network).count():,} resources, "
          f"{published.count():,} published")

    def ours(text: str, base: Any = None) -> Callable[[], list[Any]]:
        # The first page as core.pagination reads it: one row more than the page, to know if there is a next.
        return lambda: list(search.apply_search(published if base is None else base, text)[: PAGE + 1])

    def substring_matches(text: str, base: Any = None) -> Any:
        words = text.split()
        found = (published if base is None else base).filter(
            reduce(and_, (Q(title__icontains=w) | Q(summary__icontains=w) for w in words)))
        return found.order_by("title", "pk")

    def substring(text: str, base: Any = None) -> Callable[[], list[Any]]:
        return lambda: list(substring_matches(text, base)[: PAGE + 1])

    def measure(work: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
        answer = work()  # warm-up
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            answer = work()
            times.append((time.perf_counter() - started) * 1000)
        return times, answer

    # The same queries narrowed by the browse page's facets (language, type, audience, ages): fewer rows qualify,
    # so reading in index order goes further before it has a page.
    faceted = (published.filter(language="es", kind=ResourceKind.TIP_SHEET).for_audience(Audience.FAMILIES)
               .for_age_band(AgeBand.TODDLERS))
    feelings = Topic.objects.get(network=network, key="feelings")  # as the browse page filters a topic
    by_topic = published.filter(pk__in=Resource.topics.through.objects.filter(topic_id=feelings.pk)
                                .values("resource_id"))
    cases = [(text, what, None) for text, what in QUERIES] + [
        (text, "es + tip sheet + families + toddlers", faceted) for text in FACETED_QUERIES] + [
        (text, "topic: big feelings", by_topic) for text in TOPIC_QUERIES]

    baseline_repeat = max(3, args.repeat // 3)
    ours_times: list[float] = []
    base_times_all: list[float] = []
    count_times: list[float] = []
    highlight_times: list[float] = []
    print(f"\n{'query':<26}{'what':<40}{'found':>7}{'page p50':>9}{'p95':>6}{'count':>7}"
          f"{'icontains':>10}{'page p50':>9}{'ratio':>7}")
    for text, what, base in cases:
        times, page = measure(ours(text, base), args.repeat)
        count_ms, count = measure(lambda text=text, base=base: search.apply_search(
            published if base is None else base, text).count(), max(3, args.repeat // 3))
        base_times, _ = measure(substring(text, base), baseline_repeat)
        base_count = substring_matches(text, base).count()
        ours_times += times
        base_times_all += base_times
        count_times += count_ms
        started = time.perf_counter()
        for resource in page[:PAGE]:
            search.highlight(resource.title, text, resource.language)
            search.highlight(resource.summary, text, resource.language)
        highlight_times.append((time.perf_counter() - started) * 1000)
        print(f"{text:<26}{what:<40}{count:>7,}{statistics.median(times):>9.1f}{percentile(times, 0.95):>6.1f}"
              f"{statistics.median(count_ms):>7.1f}{base_count:>10,}{statistics.median(base_times):>9.1f}"
              f"{statistics.median(base_times) / statistics.median(times):>6.0f}x")

    target = TARGETS_MS[connection.vendor]
    p50, p95 = statistics.median(ours_times), percentile(ours_times, 0.95)
    base_p50, base_p95 = statistics.median(base_times_all), percentile(base_times_all, 0.95)
    print(f"\nours, first page ({PAGE} ranked + 1): p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(ours_times):.1f} ms "
          f"over {len(ours_times)} runs")
    print(f"icontains, first page ({PAGE} by title + 1): p50 {base_p50:.1f} ms, p95 {base_p95:.1f} ms over "
          f"{len(base_times_all)} runs")
    print(f"icontains / ours: p50 {base_p50 / p50:.0f}x, p95 {base_p95 / p95:.0f}x")
    print(f"counting every match (for \"N resources found\"; not needed by core.pagination): p50 "
          f"{statistics.median(count_times):.1f} ms, p95 {percentile(count_times, 0.95):.1f} ms")
    print(f"highlighting a page (20 titles and summaries): median {statistics.median(highlight_times):.2f} ms")
    passed = p95 < target
    print(f"target: first page p95 < {target:.0f} ms on {connection.vendor} → {p95:.1f} ms "
          f"({p95 / target:.0%} of the target) {'PASS' if passed else 'FAIL'}")
    print(f"({args.repeat} timed runs per query after one warm-up; counts and icontains {baseline_repeat}; "
          f"in process, DEBUG off)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
