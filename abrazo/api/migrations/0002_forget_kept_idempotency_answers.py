from django.db import migrations


def forget_kept_answers(apps, schema_editor):
    # The kept answers are a 24-hour replay cache. The next migration stores them encrypted; rows kept in clear
    # before it could not be read back (nor should they stay), so they are dropped, both ways: a client whose key
    # is forgotten gets a fresh create, as after the 24 hours.
    apps.get_model("api", "IdempotencyKey").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_api_tokens_and_idempotency_keys"),
    ]

    operations = [
        migrations.RunPython(forget_kept_answers, forget_kept_answers),
    ]
