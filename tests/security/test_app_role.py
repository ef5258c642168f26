"""The application's own PostgreSQL role, set up by `abrazo grant_app_role`, cannot rewrite, erase or unguard the
audit ledger, yet can do all the application's ordinary work (PostgreSQL).

test_audit_immutability.py proves the triggers refuse UPDATE, DELETE and TRUNCATE. A table's owner could still
drop or disable those triggers; here the application connects as a role that owns nothing and holds only
SELECT and INSERT on the ledger, so each of those moves is refused by privileges as well. The statements run on
a second connection opened as that role, against the committed test database.
"""

# The SQL below interpolates table and column names read from the models and the database, never input:
# ruff: noqa: S608

from __future__ import annotations

import uuid
from collections.abc import Iterator
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.core.management.commands.grant_app_role import application_tables

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="roles exist only on PostgreSQL")
pytestmark = pytest.mark.django_db(transaction=True)
LEDGER = AccessEvent._meta.db_table


def admin_sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def app_role() -> Iterator[str]:
    """A fresh login role that owns nothing; dropped with all its grants afterwards (roles are cluster-wide)."""
    name = f"abrazo_app_{uuid.uuid4().hex[:10]}"
    admin_sql(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
    try:
        yield name
    finally:
        admin_sql(f'DROP OWNED BY "{name}"')
        admin_sql(f'DROP ROLE "{name}"')


def connect_as(role: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 5432),
        dbname=settings["NAME"],
        user=role,
        autocommit=True,
    )


def refusal(app: psycopg.Connection, statement: str) -> str:
    """The database's refusal of one statement, as text. The text tells a privilege refusal ("permission
    denied", "must be owner") from the trigger's ("append-only"), which shares its SQLSTATE."""
    with pytest.raises(psycopg.Error) as refused:
        app.execute(statement)
    return str(refused.value)


def an_event() -> AccessEvent:
    return AccessEvent.objects.create(
        occurred_at=timezone.now(), user_email="reader@example.org", action=Action.VIEW,
        object_type="consultations.episode", object_id="42",
    )


@postgresql_only
def test_the_application_role_may_append_to_the_ledger_but_never_rewrite_or_unguard_it(app_role):
    event = an_event()
    call_command("grant_app_role", app_role, stdout=StringIO())
    columns = ", ".join(
        f'"{field.column}"' for field in AccessEvent._meta.concrete_fields if not field.primary_key
    )
    with connect_as(app_role) as app:
        # reading and appending: what the application does on every request
        assert app.execute(f'SELECT count(*) FROM "{LEDGER}" WHERE id = %s', [event.pk]).fetchone() == (1,)
        app.execute(f'INSERT INTO "{LEDGER}" ({columns}) SELECT {columns} FROM "{LEDGER}" WHERE id = %s', [event.pk])
        assert AccessEvent.objects.filter(object_id="42").count() == 2
        # rewriting, erasing, emptying: refused by privileges, before any trigger is reached
        for statement in (
            f"UPDATE \"{LEDGER}\" SET user_email = 'someone-else@example.org'",
            f'DELETE FROM "{LEDGER}"',
            f'TRUNCATE "{LEDGER}"',
        ):
            assert f"permission denied for table {LEDGER}" in refusal(app, statement), statement
        # unguarding: only an owner may drop or disable a trigger, only a superuser may skip them all
        assert "must be owner" in refusal(app, f'ALTER TABLE "{LEDGER}" DISABLE TRIGGER ALL')
        assert "must be owner" in refusal(app, f'DROP TRIGGER audit_accessevent_append_only ON "{LEDGER}"')
        assert "permission denied" in refusal(app, "SET session_replication_role = replica")
    assert AccessEvent.objects.filter(user_email="someone-else@example.org").count() == 0
    assert AccessEvent.objects.filter(object_id="42").count() == 2


@postgresql_only
def test_the_application_role_may_read_and_write_every_other_table(app_role):
    call_command("grant_app_role", app_role, stdout=StringIO())
    tables = application_tables(connection)
    assert {"django_session", "django_migrations", "directory_program"} <= set(tables)
    with connect_as(app_role) as app:
        for table in tables:
            if table == LEDGER:
                continue
            app.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
            # a write that changes nothing still needs the privilege: UPDATE and DELETE of no row
            app.execute(f'UPDATE "{table}" SET {_first_column(table)} = {_first_column(table)} WHERE false')
            app.execute(f'DELETE FROM "{table}" WHERE false')
        assert "permission denied for table django_session" in refusal(app, 'TRUNCATE "django_session"')


@postgresql_only
def test_check_reports_a_privilege_granted_by_hand_and_granting_again_takes_it_back(app_role):
    call_command("grant_app_role", app_role, stdout=StringIO())
    call_command("grant_app_role", app_role, "--check", stdout=StringIO())  # passes as granted
    admin_sql(f'GRANT UPDATE ON "{LEDGER}" TO "{app_role}"')
    errors = StringIO()
    with pytest.raises(CommandError, match="1 privilege problem"):
        call_command("grant_app_role", app_role, "--check", stdout=StringIO(), stderr=errors)
    assert f"{app_role} may UPDATE on {LEDGER}, which it must not" in errors.getvalue()
    call_command("grant_app_role", app_role, stdout=StringIO())
    call_command("grant_app_role", app_role, "--check", stdout=StringIO())


@postgresql_only
def test_check_reports_a_table_the_role_cannot_write(app_role):
    call_command("grant_app_role", app_role, stdout=StringIO())
    admin_sql(f'REVOKE DELETE ON "django_session" FROM "{app_role}"')
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("grant_app_role", app_role, "--check", stdout=StringIO(), stderr=errors)
    assert "may not DELETE on django_session, which the application needs" in errors.getvalue()


@postgresql_only
def test_a_role_that_owns_tables_or_bypasses_grants_is_refused(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match=r"superuser|owns the tables"):
        call_command("grant_app_role", owner, stdout=StringIO())
    with pytest.raises(CommandError, match="no role called"):
        call_command("grant_app_role", "no_such_role_here", stdout=StringIO())
    # a role that was given a table of its own is told why that is unsafe
    admin_sql(f'CREATE TABLE "owned_{app_role}" (id int)')
    admin_sql(f'ALTER TABLE "owned_{app_role}" OWNER TO "{app_role}"')
    try:
        errors = StringIO()
        with pytest.raises(CommandError):
            call_command("grant_app_role", app_role, stdout=StringIO(), stderr=errors)
        assert "an owner can drop the audit triggers" in errors.getvalue()
    finally:
        admin_sql(f'DROP TABLE "owned_{app_role}"')


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite answer")
def test_on_sqlite_the_command_says_the_triggers_are_the_guard():
    with pytest.raises(CommandError, match="only on PostgreSQL"):
        call_command("grant_app_role", "abrazo_app", stdout=StringIO())


def _first_column(table: str) -> str:
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table)
    return f'"{described[0].name}"'
