"""Data migration: install the training and group feedback survey (and the satisfaction survey's question
asking to share comments) in databases migrated before the workforce app shipped them.

A fresh database already has them: measures' own data migration installs every shipped instrument with the
current definitions. The installer is idempotent (updates in place, keeps row ids), so running it here
changes only what is missing. The reverse leaves the instruments: administrations may already point at them.
"""

from django.db import migrations

from abrazo.measures.shipped import install


def forwards(apps, schema_editor):
    install(
        apps.get_model("measures", "Instrument"),
        apps.get_model("measures", "Item"),
        apps.get_model("measures", "Scale"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0001_initial"),
        ("measures", "0006_entered_total_is_the_sum_of_scores"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
