"""Data migration: install the instruments Abrazo writes and ships to every network (no network).

Uses the historical models, so it keeps working whatever the models become later; `abrazo load_instruments`
runs the same installer with the current models after an upgrade changes the wording.
"""

from django.db import migrations

from abrazo.measures.shipped import install, uninstall


def forwards(apps, schema_editor):
    install(
        apps.get_model("measures", "Instrument"),
        apps.get_model("measures", "Item"),
        apps.get_model("measures", "Scale"),
    )


def backwards(apps, schema_editor):
    uninstall(apps.get_model("measures", "Instrument"))


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
