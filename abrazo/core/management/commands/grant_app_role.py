"""Give the role the application runs as exactly the rights it needs on PostgreSQL, and no more.

The append-only triggers on the audit ledger stop UPDATE, DELETE and TRUNCATE from any role, but a table's
owner may drop or disable its triggers. So production uses two roles:

- the owner role runs `abrazo migrate` (and this command) and owns every table;
- the application role, named here, gets SELECT, INSERT, UPDATE and DELETE on the application's tables, and
  only SELECT and INSERT on the append-only ones. It owns nothing, so it can neither alter a table nor drop a
  trigger, and without UPDATE, DELETE or TRUNCATE the ledger refuses it twice over.

Run it after every `migrate` (a new table has no grants until then); `--check` only reports, and exits non-zero
when the role can do more or less than it should, for a deploy pipeline to stop on.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from abrazo.audit.models import AccessEvent

APP_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
APPEND_ONLY_PRIVILEGES = ("SELECT", "INSERT")
# Never granted on any table: TRUNCATE empties a table without visiting a row, REFERENCES and TRIGGER belong to
# whoever changes the schema.
NEVER = ("TRUNCATE", "REFERENCES", "TRIGGER")


def append_only_tables() -> list[str]:
    """The ledgers nobody may rewrite: the audit events (their triggers are in the audit app's migrations)."""
    return [AccessEvent._meta.db_table]


def application_tables(connection: Any) -> list[str]:
    """Every table in the database the application uses: the models' own, the cache table, sessions and
    Django's migration record (read at start-up by the migration check)."""
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
    expected = {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model._meta.managed}
    expected |= {"django_migrations"}
    expected |= {name for name in present if name.startswith("abrazo_cache")}
    return sorted(expected & present)


def privilege_problems(connection: Any, role: str, tables: list[str]) -> list[str]:
    """What the role can do on `tables` that it should not, or cannot do that the application needs."""
    append_only = set(append_only_tables())
    problems: list[str] = []
    with connection.cursor() as cursor:
        for table in tables:
            wanted = APPEND_ONLY_PRIVILEGES if table in append_only else APP_PRIVILEGES
            for privilege in (*APP_PRIVILEGES, *NEVER):
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, f"public.{table}", privilege])
                holds = cursor.fetchone()[0]
                if holds and privilege not in wanted:
                    problems.append(f"{role} may {privilege} on {table}, which it must not")
                elif not holds and privilege in wanted:
                    problems.append(f"{role} may not {privilege} on {table}, which the application needs")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s", [role])
        owned = [row[0] for row in cursor.fetchall()]
    if owned:
        problems.append(
            f"{role} owns {len(owned)} table(s) ({', '.join(sorted(owned)[:5])}…): an owner can drop the audit "
            "triggers; run migrations as a different role and change the owner (ALTER TABLE … OWNER TO)"
        )
    return problems


class Command(BaseCommand):
    help = "Grant the application's PostgreSQL role what it needs, and only SELECT and INSERT on the audit ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="The role the application connects as (it must exist and own nothing).")
        parser.add_argument("--check", action="store_true", help="Change nothing; report and fail on any mismatch.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        role: str = options["role"]
        if connection.vendor != "postgresql":
            raise CommandError(
                "Database roles exist only on PostgreSQL. On SQLite (the demo) the audit triggers are the guard."
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            cursor.execute("SELECT current_user")
            current = cursor.fetchone()[0]
        if found is None:
            raise CommandError(f"There is no role called {role!r}. Create it first: CREATE ROLE … LOGIN PASSWORD ….")
        if found[0]:
            raise CommandError(
                f"{role!r} is a superuser, which ignores every grant; the application needs its own role."
            )
        if role == current:
            raise CommandError(
                f"{role!r} is the role running this command, which owns the tables. Run migrations and this command "
                "as the owner role and name the application's role here."
            )
        tables = application_tables(connection)
        if not options["check"]:
            self._grant(connection, role, tables)
        problems = privilege_problems(connection, role, tables)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} privilege problem(s) for {role!r}.")
        self.stdout.write(
            f"{role}: read and write on {len(tables)} tables; "
            f"read and append only on {', '.join(append_only_tables())}."
        )

    def _grant(self, connection: Any, role: str, tables: list[str]) -> None:
        quote = connection.ops.quote_name
        append_only = set(append_only_tables())
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"GRANT CONNECT ON DATABASE {quote(connection.settings_dict['NAME'])} TO {quote(role)}")
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quote(role)}")
            # Start from nothing, so a privilege granted by hand earlier (UPDATE on the ledger, say) is taken back.
            cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quote(role)}")
            for table in tables:
                privileges = APPEND_ONLY_PRIVILEGES if table in append_only else APP_PRIVILEGES
                cursor.execute(f"GRANT {', '.join(privileges)} ON {quote(table)} TO {quote(role)}")
            # Inserting into a table with an identity or serial key takes the next value of its sequence.
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
