"""Notes are encrypted at rest with ABRAZO_FIELD_KEYS (not SECRET_KEY), rotatable, and fail loudly."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from abrazo.consultations.models import Contact, FollowUp
from abrazo.consultations.tests.factories import ContactFactory, FollowUpFactory
from abrazo.core import crypto

pytestmark = pytest.mark.django_db

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def raw_notes(table: str, pk) -> str:
    """The stored value, read around the ORM (and its decryption)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT notes FROM {table} WHERE id IN (%s, %s)", [pk.hex, str(pk)])  # noqa: S608
        return cursor.fetchone()[0]


def test_notes_are_not_stored_as_plain_text(settings):
    # given a configured key
    settings.ABRAZO_FIELD_KEYS = [OLD_KEY]
    # when a contact note is saved
    contact = ContactFactory(notes="Mother worried about the move; teacher noticed biting after naps.")
    # then the database holds a Fernet token that the key opens, and the ORM gives back the text
    stored = raw_notes("consultations_contact", contact.pk)
    assert "biting" not in stored
    assert Fernet(OLD_KEY.encode()).decrypt(stored.encode()).decode().startswith("Mother worried")
    assert Contact.objects.get(pk=contact.pk).notes.startswith("Mother worried")


def test_the_key_is_not_the_secret_key(settings):
    # given the development default (no ABRAZO_FIELD_KEYS)
    settings.ABRAZO_FIELD_KEYS = []
    contact = ContactFactory(notes="Quiet week.")
    stored = raw_notes("consultations_contact", contact.pk)
    # then the token opens with the development key and SECRET_KEY plays no part
    assert Fernet(crypto.DEVELOPMENT_KEY).decrypt(stored.encode()) == b"Quiet week."
    assert settings.SECRET_KEY.encode() not in crypto.configured_keys()


def test_empty_notes_stay_empty_and_text_lookups_are_refused(settings):
    settings.ABRAZO_FIELD_KEYS = [OLD_KEY]
    contact = ContactFactory(notes="")
    assert raw_notes("consultations_contact", contact.pk) == ""
    # a search inside ciphertext would silently find nothing, so it is refused outright
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Contact.objects.filter(notes__icontains="biting"))
    with pytest.raises(FieldError):
        list(Contact.objects.filter(notes="Quiet week."))
    # while asking for "no notes" works
    assert list(Contact.objects.filter(notes="")) == [contact]


def test_rotation_re_encrypts_with_the_newest_key(settings):
    # given notes written under the old key
    settings.ABRAZO_FIELD_KEYS = [OLD_KEY]
    contact = ContactFactory(notes="Observed circle time.")
    followup = FollowUpFactory(notes="Child still enrolled.")
    empty = ContactFactory(notes="")
    # when a new key is put first and the rotation command runs
    settings.ABRAZO_FIELD_KEYS = [NEW_KEY, OLD_KEY]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    # then every value opens with the new key alone, the empty note stays empty
    for table, pk in (("consultations_contact", contact.pk), ("consultations_followup", followup.pk)):
        Fernet(NEW_KEY.encode()).decrypt(raw_notes(table, pk).encode())
    assert raw_notes("consultations_contact", empty.pk) == ""
    assert "2 value(s) re-encrypted in all" in out.getvalue()
    # and once the old key is dropped the notes still read
    settings.ABRAZO_FIELD_KEYS = [NEW_KEY]
    assert Contact.objects.get(pk=contact.pk).notes == "Observed circle time."
    assert FollowUp.objects.get(pk=followup.pk).notes == "Child still enrolled."
    # and a second run has nothing left to do
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "0 value(s) re-encrypted in all" in out.getvalue()


def test_a_wrong_key_fails_loudly(settings):
    # given a note written under one key
    settings.ABRAZO_FIELD_KEYS = [OLD_KEY]
    contact = ContactFactory(notes="Sensitive.")
    # when the only configured key is another one
    settings.ABRAZO_FIELD_KEYS = [NEW_KEY]
    # then reading raises rather than showing an empty or garbled note
    with pytest.raises(crypto.FieldDecryptionError):
        Contact.objects.get(pk=contact.pk)


def test_a_malformed_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ABRAZO_FIELD_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_generate_prints_a_usable_key():
    out = StringIO()
    call_command("rotate_field_keys", "--generate", stdout=out)
    assert Fernet(out.getvalue().strip().encode()).decrypt(Fernet(out.getvalue().strip().encode()).encrypt(b"x"))


class TestDeployCheck:
    def test_missing_or_development_keys_are_errors(self, settings):
        settings.ABRAZO_FIELD_KEYS = []
        assert [e.id for e in crypto.check_field_keys()] == ["abrazo.E101"]
        settings.ABRAZO_FIELD_KEYS = [crypto.DEVELOPMENT_KEY.decode()]
        assert [e.id for e in crypto.check_field_keys()] == ["abrazo.E102"]
        settings.ABRAZO_FIELD_KEYS = [NEW_KEY]
        assert crypto.check_field_keys() == []

    def test_production_refuses_to_run_without_keys(self, settings):
        # given production settings with no key, then nothing can be encrypted with the public default
        from django.core.exceptions import ImproperlyConfigured

        settings.ABRAZO_FIELD_KEYS = []
        settings.PRODUCTION = True
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")

    def test_settings_refuse_to_load_in_production_without_keys(self):
        # given the environment of a production server without ABRAZO_FIELD_KEYS
        import os
        import subprocess
        import sys

        env = {**os.environ, "ABRAZO_ENV": "production", "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "example.org"}
        env.pop("ABRAZO_FIELD_KEYS", None)
        # when the settings are loaded, then they refuse
        result = subprocess.run(
            [sys.executable, "-c", "import abrazo.settings"], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode != 0
        assert "ABRAZO_FIELD_KEYS" in result.stderr
