"""The application's own database user cannot rewrite or erase the audit ledger (PostgreSQL).

Every statement here goes through the application's connection (django.db.connection, the DATABASES user the
app runs as), as raw SQL, so nothing in the ORM (whose refusals abrazo/audit/tests/test_immutability.py covers)
stands in the way: only the database's triggers do. TRUNCATE needs a trigger of its own, since it never visits
rows. SQLite, the demo database, refuses UPDATE only (its test runner deletes rows between tests).
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="DELETE and TRUNCATE are refused on PostgreSQL (the production database)"
)
TRIGGERS = {"audit_accessevent_append_only", "audit_accessevent_no_truncate"}


def table() -> str:
    return connection.ops.quote_name(AccessEvent._meta.db_table)


def write_event(email: str = "reader@example.org") -> AccessEvent:
    return AccessEvent.objects.create(
        occurred_at=timezone.now(),
        user_email=email,
        action=Action.VIEW,
        object_type="consultations.episode",
        object_id="42",
    )


def refused(sql: str, params: list[object] | None = None) -> str:
    """Run one statement on the app's connection, in a savepoint; the database's refusal, as text."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(refusal.value)


def triggers_enabled() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [AccessEvent._meta.db_table],
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_a_raw_update_by_the_app_user_is_refused_on_every_database():
    # given an event in the ledger
    event = write_event()
    # when the app's own connection rewrites it in SQL, then the database refuses
    assert "append-only" in refused(f"UPDATE {table()} SET user_email = %s WHERE id = %s", ["x@example.org", event.pk])  # noqa: S608
    # and the row is as written
    assert AccessEvent.objects.get(pk=event.pk).user_email == "reader@example.org"


@postgresql_only
@pytest.mark.django_db
def test_the_app_user_cannot_update_delete_or_truncate_the_ledger():
    # given two events, written by the application's own database user
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        app_user = cursor.fetchone()[0]
    assert app_user == (connection.settings_dict["USER"] or app_user)
    events = [write_event("first@example.org"), write_event("second@example.org")]
    # when that user tries each way of changing or removing rows, as raw SQL
    attempts = {
        "UPDATE": refused(f"UPDATE {table()} SET outcome = 'denied'"),  # noqa: S608
        "DELETE one": refused(f"DELETE FROM {table()} WHERE id = %s", [events[0].pk]),  # noqa: S608
        "DELETE all": refused(f"DELETE FROM {table()}"),  # noqa: S608
        "TRUNCATE": refused(f"TRUNCATE {table()}"),
        "TRUNCATE CASCADE": refused(f"TRUNCATE {table()} RESTART IDENTITY CASCADE"),
        # the shape of the test runner's flush: the ledger among other tables in one statement
        "TRUNCATE with others": refused(f"TRUNCATE {connection.ops.quote_name('django_session')}, {table()}"),
    }
    # then the database refuses every one, naming the operation
    for attempt, message in attempts.items():
        assert "append-only" in message, f"{attempt}: {message}"
    assert "TRUNCATE refused" in attempts["TRUNCATE"] and "DELETE refused" in attempts["DELETE one"]
    # and both events are still there, unchanged
    assert sorted(AccessEvent.objects.values_list("user_email", flat=True)) == [
        "first@example.org",
        "second@example.org",
    ]
    assert set(AccessEvent.objects.values_list("outcome", flat=True)) == {"allowed"}


@postgresql_only
@pytest.mark.django_db
def test_both_triggers_are_installed_and_enabled():
    # given the catalogue of the migrated database, then the row and the statement trigger are both on ("O")
    assert triggers_enabled() == dict.fromkeys(TRIGGERS, "O")


@postgresql_only
@pytest.mark.django_db
def test_a_flush_outside_the_test_posture_stops_at_the_ledger(settings):
    # given a database that is not a test run's (the production posture), with an event in the ledger
    settings.TESTING = False
    event = write_event()
    # when someone runs `abrazo flush` against it, then it fails at the ledger and removes nothing
    with pytest.raises(CommandError), transaction.atomic():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    assert AccessEvent.objects.filter(pk=event.pk).exists()
    assert triggers_enabled() == dict.fromkeys(TRIGGERS, "O")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_test_runners_flush_still_empties_the_ledger_and_puts_the_trigger_back():
    # given a transactional test (committed rows, emptied by a TRUNCATE flush afterwards) that wrote an event
    write_event()
    assert AccessEvent.objects.count() == 1
    # when the test runner's flush runs (as it will again after this test)
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    # then the ledger is empty, and the TRUNCATE trigger is enabled again for everyone else
    assert AccessEvent.objects.count() == 0
    assert triggers_enabled() == dict.fromkeys(TRIGGERS, "O")
    assert "TRUNCATE refused" in refused(f"TRUNCATE {table()}")
