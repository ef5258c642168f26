"""Per-address rate limits: counted per bucket, address and window, and never passed by a burst sent at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from abrazo.core.models import RateCounter
from abrazo.core.ratelimit import rate_limit_hit

MOMENT = datetime(2026, 11, 21, 10, 0, 30, tzinfo=UTC)


def hit(address: str = "203.0.113.5", *, bucket: str = "form", now: datetime = MOMENT) -> bool:
    return rate_limit_hit(bucket=bucket, address=address, limit=3, window_seconds=60, now=now)


@pytest.mark.django_db
def test_the_fourth_in_a_window_is_over_the_limit_and_the_next_window_starts_afresh():
    assert [hit() for _ in range(5)] == [False, False, False, True, True]
    # another address, another bucket and the next minute each count on their own
    assert hit("203.0.113.6") is False
    assert hit(bucket="other") is False
    assert hit(now=MOMENT + timedelta(seconds=30)) is False


@pytest.mark.django_db
def test_an_unknown_address_shares_one_counter():
    assert [hit(None) for _ in range(4)] == [False, False, False, True]


@pytest.mark.django_db
def test_a_new_window_clears_the_windows_that_ended():
    hit(now=MOMENT)
    hit(now=MOMENT + timedelta(minutes=5))
    assert RateCounter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers need PostgreSQL")
def test_a_burst_sent_at_once_lets_no_more_than_the_limit_through():
    # given 20 submissions from one address arriving together (the cache's read-then-write let 9 of 30 pass)
    barrier = threading.Barrier(20)
    results: list[bool] = []

    def submit() -> None:
        try:
            barrier.wait()
            results.append(hit())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly the limit got through, and the counter saw every one
    assert results.count(False) == 3 and len(results) == 20
    assert RateCounter.objects.get().count == 20
