"""Encrypted note fields: ciphertext in the database and in backups; key rotation reaches every one of them
and lets the old key be retired.

One row is seeded for every encrypted field, each holding a marker nobody else writes. The list of
encrypted fields is checked twice, independently: from the models' source (every `EncryptedTextField(`
assignment) and from the model registry that rotation walks. A new encrypted field that this file does not
seed fails the first test, so rotation coverage cannot silently lag behind the models.
"""

from __future__ import annotations

import re
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from abrazo.api.models import IdempotencyKey
from abrazo.consultations.tests.factories import ConsentFactory, ContactFactory, EpisodeFactory, FollowUpFactory
from abrazo.consultations.tests.group_factories import BriefContactFactory, GroupSessionFactory
from abrazo.core import backup, crypto
from abrazo.core.models import OutgoingMail
from abrazo.incidents.tests.factories import ExclusionFactory, IncidentFactory

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
APPS_DIR = Path(__file__).resolve().parents[2] / "abrazo"

# How to make one row holding `text` in each encrypted field, keyed by "app_label.Model.field".
SEEDERS: dict[str, Any] = {
    "consultations.Contact.notes": lambda world, text: ContactFactory(notes=text),
    "consultations.FollowUp.notes": lambda world, text: FollowUpFactory(notes=text),
    "consultations.GroupSession.notes": lambda world, text: GroupSessionFactory(notes=text),
    "consultations.BriefContact.notes": lambda world, text: BriefContactFactory(notes=text),
    "incidents.Incident.notes": lambda world, text: IncidentFactory(notes=text),
    "incidents.Exclusion.notes": lambda world, text: ExclusionFactory(notes=text),
    "core.OutgoingMail.message": lambda world, text: OutgoingMail.objects.create(
        message=f'{{"to": ["someone@example.org"], "body": "{text}"}}', next_attempt_at=timezone.now()
    ),
    "api.IdempotencyKey.response_body": lambda world, text: IdempotencyKey.objects.create(
        user=world.people[sorted(world.people)[0]],
        key=uuid.uuid4().hex,
        request_line="POST /api/v1/contacts/",
        body_hash="0" * 64,
        status_code=201,
        response_body=f'{{"notes": "{text}"}}',
    ),
}


def registry_fields() -> set[str]:
    return {f"{model._meta.label}.{attname}" for model, attname in crypto.encrypted_fields()}


def source_fields() -> set[str]:
    """Every `name = EncryptedTextField(` in the apps' models, read from the files (independent of Django)."""
    found = set()
    for models_file in APPS_DIR.glob("*/models.py"):
        app_label = models_file.parent.name
        current_class = None
        for line in models_file.read_text().splitlines():
            class_match = re.match(r"class (\w+)\(", line)
            if class_match:
                current_class = class_match.group(1)
            field_match = re.match(r"\s+(\w+)\s*=\s*EncryptedTextField\(", line)
            if field_match:
                found.add(f"{app_label}.{current_class}.{field_match.group(1)}")
    return found


def raw_value(label: str, pk: Any) -> str:
    """The stored value of one encrypted field, read with SQL (no decryption)."""
    app_model, attname = label.rsplit(".", 1)
    model = next(model for model, _ in crypto.encrypted_fields() if model._meta.label == app_model)
    column = model._meta.get_field(attname).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
            f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
            [model._meta.pk.get_db_prep_value(pk, connection)],
        )
        return cursor.fetchone()[0]


def read_back(label: str, pk: Any) -> str:
    app_model, attname = label.rsplit(".", 1)
    model = next(model for model, _ in crypto.encrypted_fields() if model._meta.label == app_model)
    return getattr(model._base_manager.get(pk=pk), attname)


@pytest.fixture
def seeded(world: Any, settings: Any) -> dict[str, tuple[Any, str]]:
    """label -> (primary key, marker), every row written under OLD_KEY only."""
    settings.ABRAZO_FIELD_KEYS = [OLD_KEY]
    rows = {}
    for label, make in SEEDERS.items():
        marker = f"SEEDED-PLAINTEXT-{uuid.uuid4().hex[:10]}"
        rows[label] = (make(world, marker).pk, marker)
    return rows


def test_every_encrypted_field_is_seeded_here_and_seen_by_rotation() -> None:
    from_source = source_fields()
    # four consultation notes, two incident notes, the API's kept answers, the mail outbox
    assert len(from_source) >= 8
    assert from_source == registry_fields() == set(SEEDERS)


@pytest.mark.django_db
def test_encrypted_fields_hold_only_ciphertext_in_the_database(seeded: dict[str, tuple[Any, str]]) -> None:
    for label, (pk, marker) in seeded.items():
        stored = raw_value(label, pk)
        assert marker not in stored, label
        assert stored.startswith("gAAAAA"), label  # a Fernet token (version byte 0x80, base64)
        assert marker in Fernet(OLD_KEY.encode()).decrypt(stored.encode()).decode(), label
        assert marker in read_back(label, pk), label


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_no_note_text(seeded: dict[str, tuple[Any, str]], settings: Any, tmp_path: Path) -> None:
    # given a plaintext control in an unencrypted field (a consent's scope), so the search is known to see data
    control = f"CONTROL-PLAINTEXT-{uuid.uuid4().hex[:10]}"
    ConsentFactory(episode=EpisodeFactory(child=True), scope=control)
    settings.MEDIA_ROOT = tmp_path / "media"
    # when a backup is taken and its database part read as plain bytes (PostgreSQL's compressed table data
    # expanded by pg_restore, SQLite's file as is)
    path = tmp_path / "backup.tar"
    backup.create_backup(path)
    dumped = backup.dump_as_text(path)
    # then the control is there, the tokens are there, and no note's text is
    assert control.encode() in dumped
    for label, (pk, marker) in seeded.items():
        assert marker.encode() not in dumped, label
        assert raw_value(label, pk).encode() in dumped, label
    # nor is it anywhere in the backup file's raw bytes
    raw = path.read_bytes()
    assert not any(marker.encode() in raw for _pk, marker in seeded.values())


@pytest.mark.django_db
def test_rotation_re_encrypts_every_column_and_retires_the_old_key(
    seeded: dict[str, tuple[Any, str]], settings: Any
) -> None:
    before = {label: raw_value(label, pk) for label, (pk, _marker) in seeded.items()}

    # given the old key removed WITHOUT rotating first: every encrypted field becomes unreadable
    settings.ABRAZO_FIELD_KEYS = [NEW_KEY]
    for label, (pk, _marker) in seeded.items():
        with pytest.raises(crypto.FieldDecryptionError):
            read_back(label, pk)

    # when the new key is put first, the old one kept after it, and the rotation runs
    settings.ABRAZO_FIELD_KEYS = [NEW_KEY, OLD_KEY]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    for label in seeded:
        assert f"{label}: 1 value(s) re-encrypted" in out.getvalue()
    assert f"{len(seeded)} value(s) re-encrypted in all" in out.getvalue()

    # then every stored token changed and opens with the new key alone
    for label, (pk, marker) in seeded.items():
        after = raw_value(label, pk)
        assert after != before[label], label
        assert marker in Fernet(NEW_KEY.encode()).decrypt(after.encode()).decode(), label

    # and with the old key retired, everything still reads
    settings.ABRAZO_FIELD_KEYS = [NEW_KEY]
    for label, (pk, marker) in seeded.items():
        assert marker in read_back(label, pk), label
    # and a second run finds nothing left under an old key
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "0 value(s) re-encrypted in all" in out.getvalue()
