#!/usr/bin/env python
"""Benchmark: the public library's browse page (issue 7) on the resource search benchmark's 100,000 resources.

Targets: the browse page's selector (`resource_selectors.browse`: the total, five facets' counts and the first
page of cards) answers in under 300 ms when it has answered the same filters before (warm) and in under 1 s the
first time for those filters (cold), on SQLite and PostgreSQL, with no search and for the search benchmark's
queries (also narrowed by facets and by a topic).

It reuses bench/library_search.py's database (generated there once; run that first, or pass --regenerate here
to build it). For each case it times, in the same run:

- the first way (`browse_by_queries`): a count, the page, and one query per facet over every match, nothing
  kept between requests;
- cold: `browse` the first time for those filters (this process's table of kept counts emptied first; the
  database's own caches are warm, as on a running server);
- warm: `browse` again (the counts and the page's ids kept for the network's library version).

It checks that both ways give the same total and the same counts for every facet's choices. Then it times a
change: a resource edited (`search.index_resources`, as every service calls it) and the page browsed again,
which must count afresh and show the change.

    .venv/bin/python bench/library_browse.py [--database sqlite:///var/bench_library_search.sqlite3 |
                                              postgres://postgres@127.0.0.1:5432/abrazo_bench_search]
                                             [--repeat 5] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import library_search  # noqa: E402 - after the path is set
from bench.workforce_capacity import prepare_database  # noqa: E402

WARM_TARGET_MS, COLD_TARGET_MS = 300.0, 1000.0
FACETED = [("language", "es"), ("type", "tip_sheet"), ("audience", "families"), ("age", "toddlers")]
TOPIC = [("topic", "feelings")]


def cases(quick: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    """(what, GET parameters) for each case: no search, then the search benchmark's queries."""
    found: list[tuple[str, list[tuple[str, str]]]] = [
        ("(no search)", []), ("(no search) + es, tip sheet, families, toddlers", FACETED),
        ("(no search) + topic", TOPIC), ("(no search) + type video, pdf", [("type", "video"), ("type", "pdf")]),
    ]
    queries = [text for text, _what in library_search.QUERIES]
    if quick:
        queries = ["niños", "families", "berrinches", "gemelos"]
    found += [(text, [("q", text)]) for text in queries]
    found += [(f"{text} + es, tip sheet, families, toddlers", [("q", text), *FACETED])
              for text in library_search.FACETED_QUERIES]
    found += [(f"{text} + topic", [("q", text), *TOPIC]) for text in library_search.TOPIC_QUERIES]
    return found


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = work()
    return (time.perf_counter() - started) * 1000, answer


def shown_counts(result: Any) -> tuple[int, dict[str, dict[str, int]]]:
    return result.total, {facet.name: {option.value: option.count for option in facet.options}
                          for facet in result.facets}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=library_search.DEFAULT_DATABASE)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each way per case (the first way: 1)")
    parser.add_argument("--quick", action="store_true", help="four searches instead of the whole set")
    args = parser.parse_args()

    prepare_database(args.database, args.regenerate)
    from django.db import connection
    from django.http import QueryDict
    from django.utils import translation

    from abrazo.directory.models import Network
    from abrazo.library import browse_cache, search
    from abrazo.library import resource_selectors as selectors
    from abrazo.library.models import Resource

    if not Network.objects.filter(slug=library_search.NETWORK_SLUG).exists():
        library_search.generate(args)
    network = Network.objects.get(slug=library_search.NETWORK_SLUG)
    translation.activate("en")
    topics = selectors.active_topics(network)
    print(f"{connection.vendor}; {selectors.published_in(network).count():,} published resources; "
          f"page language en")

    def browse(params: list[tuple[str, str]], way: Callable[..., Any]) -> Callable[[], Any]:
        filters = selectors.parse_filters(QueryDict(urlencode(params)), topics=topics).filters
        return lambda: way(network=network, filters=filters, topics=topics, page_language="en")

    print(f"\n{'case':<50}{'total':>8}{'first way':>11}{'cold':>8}{'warm':>7}{'first/cold':>11}"
          f"{'first/warm':>11}  same")
    firsts, colds, warms = [], [], []
    all_same = True
    for what, params in cases(args.quick):
        first_ms, reference = timed(browse(params, selectors.browse_by_queries))
        cold_runs, warm_runs = [], []
        for _ in range(args.repeat):
            browse_cache.forget_everything()
            cold_ms, result = timed(browse(params, selectors.browse))
            cold_runs.append(cold_ms)
            warm_runs.append(timed(browse(params, selectors.browse))[0])
        same = shown_counts(result) == shown_counts(reference) and (
            [card.resource.pk for card in result.page.items] == [card.resource.pk for card in reference.page.items])
        all_same &= same
        cold, warm = statistics.median(cold_runs), statistics.median(warm_runs)
        firsts.append(first_ms)
        colds += cold_runs
        warms += warm_runs
        print(f"{what[:49]:<50}{result.total:>8,}{first_ms:>9.0f}ms{cold:>6.0f}ms{warm:>5.0f}ms"
              f"{first_ms / cold:>10.1f}x{first_ms / warm:>10.0f}x  {'yes' if same else 'NO'}")

    # A change is seen at once: a resource of the first page changes type; the next browse counts afresh.
    params: list[tuple[str, str]] = []
    before = browse(params, selectors.browse)()
    changed = before.page.items[0].resource
    old_kind = changed.kind
    new_kind = next(kind for kind in ("video", "pdf") if kind != old_kind)
    Resource.objects.filter(pk=changed.pk).update(kind=new_kind)
    try:
        index_ms, _ = timed(lambda: search.index_resources([changed.pk]))
        after_ms, after = timed(browse(params, selectors.browse))
        kinds_before = shown_counts(before)[1]["type"]
        kinds_after = shown_counts(after)[1]["type"]
        seen = (kinds_after[new_kind] == kinds_before[new_kind] + 1
                and kinds_after.get(old_kind, 0) == kinds_before[old_kind] - 1)
    finally:
        Resource.objects.filter(pk=changed.pk).update(kind=old_kind)
        search.index_resources([changed.pk])

    def summary(values: list[float]) -> str:
        return (f"p50 {statistics.median(values):.0f} ms, p95 {library_search.percentile(values, 0.95):.0f} ms, "
                f"max {max(values):.0f} ms")

    print(f"\nfirst way (a query per count, nothing kept): {summary(firsts)}")
    print(f"cold (first time for the filters):            {summary(colds)}")
    print(f"warm (the same filters again):                {summary(warms)}")
    print(f"first way / cold: p50 {statistics.median(firsts) / statistics.median(colds):.1f}x; "
          f"first way / warm: p50 {statistics.median(firsts) / statistics.median(warms):.0f}x")
    print(f"a resource changed: index_resources {index_ms:.0f} ms, next browse {after_ms:.0f} ms, "
          f"change {'shown' if seen else 'NOT SHOWN'}")
    print(f"same totals, counts and first pages both ways: {'yes' if all_same else 'NO'}")
    passed = max(warms) < WARM_TARGET_MS and max(colds) < COLD_TARGET_MS and all_same and seen
    print(f"targets: warm < {WARM_TARGET_MS:.0f} ms (slowest {max(warms):.0f}), cold < {COLD_TARGET_MS:.0f} ms "
          f"(slowest {max(colds):.0f}) → {'PASS' if passed else 'FAIL'}")
    print(f"({args.repeat} cold and warm runs per case, the first way once; in process, DEBUG off)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
