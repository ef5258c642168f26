"""Running writers at the same moment, for the tests that prove one of them wins cleanly.

SQLite's in-memory test database locks whole tables across connections (and runs every write
transaction IMMEDIATE), so these races only mean something on PostgreSQL; CI runs the suite on both,
and each race has a sequential sibling test that covers SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (CI runs the suite on it too)"
)


def at_once(count: int, work: Callable[[Any], Any], *, prepare: Callable[[int], Any] = lambda index: index
            ) -> list[Any]:
    """Run `work(prepare(index))` on `count` threads, each with its own database connection.

    `prepare` runs first on each thread (loading the rows a writer starts from), then a barrier releases
    all of them together, so that the writes race rather than the reads. Returns, in finishing order,
    what each `work` returned or the exception it raised.
    """
    barrier = threading.Barrier(count)
    outcomes: list[Any] = []

    def run(index: int) -> None:
        try:
            prepared = prepare(index)
            barrier.wait(timeout=10)
            outcomes.append(work(prepared))
        except Exception as failure:  # kept for the test to assert on: which writer lost, and how
            outcomes.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
