"""The audit ledger is append-only: through the ORM, and in the database itself."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action

pytestmark = pytest.mark.django_db

only_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the DELETE trigger exists on PostgreSQL only (SQLite keeps DELETE for the test runner's flush); "
    "CI runs this file on PostgreSQL too",
)


@pytest.fixture
def event() -> AccessEvent:
    return AccessEvent.objects.create(
        occurred_at=timezone.now(), user_email="someone@example.org", action=Action.VIEW,
        object_type="directory.program", object_id="1",
    )


def table() -> str:
    return connection.ops.quote_name(AccessEvent._meta.db_table)


def test_new_events_can_be_written(event):
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_saving_an_existing_event_is_refused(event):
    # given an event in the ledger, changed in memory
    event.user_email = "someone-else@example.org"
    # when it is saved again, then the ORM refuses
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    event.refresh_from_db()
    assert event.user_email == "someone@example.org"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_and_delete_through_the_orm_are_refused(event):
    # given the queryset paths that go around Model.save and Model.delete
    events = AccessEvent.objects.filter(pk=event.pk)
    # then each is refused, and the row is untouched
    with pytest.raises(ValueError, match="append-only"):
        events.update(user_email="x@example.org")
    with pytest.raises(ValueError, match="append-only"):
        events.delete()
    # (bulk_update opens a transaction of its own; the savepoint keeps the test's usable after the refusal)
    with pytest.raises(ValueError, match="append-only"), transaction.atomic():
        AccessEvent.objects.bulk_update([event], ["user_email"])
    assert AccessEvent.objects.get(pk=event.pk).user_email == "someone@example.org"


def test_a_raw_sql_update_is_refused_by_the_database(event):
    # given someone with a database connection who bypasses the ORM (on SQLite and on PostgreSQL)
    # when they rewrite an event, then the trigger refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table()} SET user_email = %s WHERE id = %s", ["x@example.org", event.pk])  # noqa: S608
    assert AccessEvent.objects.get(pk=event.pk).user_email == "someone@example.org"


@only_on_postgresql
def test_a_raw_sql_delete_is_refused_on_postgresql(event):
    # given someone with a database connection who bypasses the ORM
    # when they delete an event, then the trigger refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table()} WHERE id = %s", [event.pk])  # noqa: S608
    assert AccessEvent.objects.filter(pk=event.pk).exists()


@only_on_postgresql
def test_the_postgresql_trigger_is_installed():
    # given the catalogue of the migrated database
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [AccessEvent._meta.db_table],
        )
        triggers = {row[0] for row in cursor.fetchall()}
    # then the append-only trigger is on the table
    assert "audit_accessevent_append_only" in triggers
