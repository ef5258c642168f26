"""TRUNCATE empties a table without touching its rows one by one, so the row triggers of 0002 never see it: a
statement-level trigger refuses it on PostgreSQL (SQLite has no TRUNCATE).

The test runner empties every table with one TRUNCATE between transactional tests; abrazo.audit's own `flush`
command lifts this trigger for that statement only, and only in the test posture (see its docstring).
"""

from django.db import migrations

TRIGGER = "audit_accessevent_no_truncate"
# abrazo_audit_refuse_change (0002) raises for any TG_OP, so the statement-level trigger reuses it.
PG_UP = f"""
CREATE TRIGGER {TRIGGER}
    BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION abrazo_audit_refuse_change();
"""
PG_DOWN = f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_accessevent;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_break_glass")]
    operations = [migrations.RunPython(forwards, backwards)]
