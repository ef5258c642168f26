"""Data migration: California's 58 counties and the languages most spoken by its families."""

from django.db import migrations

from abrazo.directory.reference import DATA_DIR, load_counties, load_languages


def forwards(apps, schema_editor):
    load_counties(apps.get_model("directory", "County"), DATA_DIR / "counties_ca.csv")
    load_languages(apps.get_model("directory", "Language"), DATA_DIR / "languages.csv")


def backwards(apps, schema_editor):
    apps.get_model("directory", "County").objects.filter(state_code="CA").delete()
    apps.get_model("directory", "Language").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
