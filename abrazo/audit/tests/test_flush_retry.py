"""The test posture's flush waits for a table lock held by a live server's request instead of failing (SQLite)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db(transaction=True)


def _flaky_flush(monkeypatch: Any, failures: int, message: str) -> list[int]:
    calls: list[int] = []
    real = connection.ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError(message)
        real(sql_list)

    monkeypatch.setattr(connection.ops, "execute_sql_flush", execute_sql_flush)
    return calls


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the shared-cache lock is SQLite's")
def test_a_locked_table_is_waited_for(monkeypatch):
    calls = _flaky_flush(monkeypatch, failures=2, message="database table is locked")
    call_command("flush", interactive=False, verbosity=0)
    assert len(calls) == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the shared-cache lock is SQLite's")
def test_any_other_failure_is_raised_at_once(monkeypatch):
    calls = _flaky_flush(monkeypatch, failures=1, message="no such table: nowhere")
    with pytest.raises(CommandError):
        call_command("flush", interactive=False, verbosity=0)
    assert len(calls) == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the shared-cache lock is SQLite's")
def test_a_lock_held_by_another_connection_is_waited_for_and_the_connection_stays_usable():
    import sqlite3
    import threading

    from django.db import transaction

    from abrazo.directory.models import Network

    name = connection.settings_dict["NAME"]
    if "mode=memory" not in str(name):
        pytest.skip("the live server's shared in-memory database only")
    Network.objects.create(name="Held", slug="held")
    # given another connection (the live server's thread) in the middle of a write
    other = sqlite3.connect(str(name), uri=True, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE directory_network SET name = 'Held still' WHERE slug = 'held'")
    releaser = threading.Timer(0.5, other.commit)
    releaser.start()
    # when the test's flush runs while it still holds the lock
    call_command("flush", interactive=False, verbosity=0)
    releaser.join()
    other.close()
    # then the tables are empty and the connection still commits and runs on_commit callbacks
    assert not Network.objects.exists()
    ran: list[int] = []
    with transaction.atomic():
        Network.objects.create(name="After", slug="after")
        transaction.on_commit(lambda: ran.append(1))
    assert ran == [1]
