"""Backups restore: a round trip through `abrazo backup` and `abrazo restore` gives back the same rows and
files; verification catches a damaged file; a restore never silently overwrites a database.

The tests run on whichever database the suite runs on (CI runs it on SQLite and on PostgreSQL), with
committed data (pg_dump reads through a connection of its own). Every scratch database they create is
uniquely named and dropped, pass or fail.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from abrazo.consultations.models import Contact
from abrazo.consultations.tests.factories import ConsentFactory, ContactFactory, EpisodeFactory
from abrazo.core import backup
from abrazo.directory.models import Program

pytestmark = pytest.mark.django_db(transaction=True)

FORM_BYTES = b"%PDF-1.4\n% a signed consent form, as uploaded\n%%EOF\n"


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def records(world: Any, media_root: Path) -> dict[str, Any]:
    """A few contacts with notes and a consent with its signed form on disk."""
    episode = EpisodeFactory(program=world.program_a)
    contacts = [ContactFactory(episode=episode, notes=f"Note number {index}: naps went better.") for index in range(3)]
    consent = ConsentFactory(episode=EpisodeFactory(program=world.program_a, child=True))
    consent.form.save("signed.pdf", ContentFile(FORM_BYTES), save=True)
    return {"contacts": contacts, "consent": consent}


def scratch_names() -> set[str]:
    """Databases on the server whose names the scratch helper uses (PostgreSQL only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'abrazo_scratch_%%'")
        return {row[0] for row in cursor.fetchall()}


def test_round_trip_restores_rows_values_and_files(records: dict[str, Any], tmp_path: Path) -> None:
    # given a database with rows and an uploaded form, backed up
    path = tmp_path / "nightly.tar"
    manifest = backup.create_backup(path)
    assert manifest["vendor"] == connection.vendor
    assert manifest["row_counts"]["consultations_contact"] == Contact.objects.count() == 3
    assert manifest["media_files"] == 1
    assert path.stat().st_mode & 0o077 == 0  # readable by the operating account only

    # when it is restored into a fresh, empty database and an empty media folder
    restored_media = tmp_path / "restored-media"
    with backup.scratch_database(connection.vendor) as scratch:
        assert backup.database_is_empty(scratch)
        backup.restore_backup(path, connection=scratch, media_root=restored_media)

        # then every table has the row count the manifest promised, and no migration is missing
        problems, tables = backup.compare_with_manifest(scratch, manifest)
        assert problems == []
        assert tables == len(manifest["row_counts"]) > 50
        # and the values read back the same, the encrypted note included (the scratch database is
        # deliberately not a Django alias, so it is read with SQL and the field's own decryption)
        original = records["contacts"][1]
        token = one_value(scratch, "SELECT notes FROM consultations_contact WHERE id IN (%s, %s)", original.pk)
        notes_field = Contact._meta.get_field("notes")
        assert notes_field.from_db_value(token, None, scratch) == "Note number 1: naps went better."
        with scratch.cursor() as cursor:
            cursor.execute("SELECT name FROM directory_program")
            assert {row[0] for row in cursor.fetchall()} == set(Program.objects.values_list("name", flat=True))
        consent = records["consent"]
        query = "SELECT given_by_name FROM consultations_consent WHERE id IN (%s, %s)"
        assert one_value(scratch, query, consent.pk) == consent.given_by_name
        form_name = one_value(scratch, "SELECT form FROM consultations_consent WHERE id IN (%s, %s)", consent.pk)
        # and the signed form is back under the new media folder, byte for byte
        assert (restored_media / "consent" / form_name).read_bytes() == FORM_BYTES


def one_value(scratch: Any, query: str, pk: Any) -> Any:
    """One column of the row with this UUID key (SQLite stores UUIDs as hex, PostgreSQL as uuid)."""
    with scratch.cursor() as cursor:
        cursor.execute(query, [pk.hex, str(pk)])
        return cursor.fetchone()[0]


def test_backup_command_with_verify_reports_success(records: dict[str, Any], tmp_path: Path) -> None:
    out = StringIO()
    path = tmp_path / "verified.tar"
    # (another run's verification may be under way on a shared server: only this one's must be gone)
    scratch_before = scratch_names() if connection.vendor == "postgresql" else set()
    call_command("backup", "--output", str(path), "--verify", stdout=out)
    text = out.getvalue()
    assert f"Backup written to {path}" in text
    assert "verified" in text and "no unapplied migrations" in text
    if connection.vendor == "postgresql":
        assert scratch_names() <= scratch_before  # the scratch database was dropped


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as bundle:
        return {member.name: bundle.extractfile(member).read() for member in bundle.getmembers()}  # type: ignore[union-attr]


def _write_members(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as bundle:
        for member_name, data in members.items():
            info = tarfile.TarInfo(member_name)
            info.size = len(data)
            bundle.addfile(info, BytesIO(data))


def _rewrite_part(path: Path, name: str, change: Any) -> None:
    """Rewrite one member of a backup tar, keeping the others as they were (an altered or damaged part)."""
    members = _members(path)
    members[name] = change(members[name])
    _write_members(path, members)


def test_verify_catches_a_tampered_database_part(records: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "tampered.tar"
    manifest = backup.create_backup(path)
    part = manifest["database_part"]
    # one byte flipped in the middle of the dump
    _rewrite_part(
        path,
        part,
        lambda data: data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0xFF]) + data[len(data) // 2 + 1 :],
    )
    verification = backup.verify_backup(path)
    assert not verification.ok
    assert f"the part {part} does not match its manifest" in verification.problems[0]
    with pytest.raises(CommandError, match="FAILED verification"):
        call_command("restore", "--verify-only", str(path), stdout=StringIO())


def test_verify_catches_a_truncated_file(records: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "truncated.tar"
    backup.create_backup(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    verification = backup.verify_backup(path)
    assert not verification.ok
    assert "corrupt or truncated" in verification.problems[0] or "does not match" in verification.problems[0]
    with pytest.raises(CommandError):
        call_command("restore", "--verify-only", str(path), stdout=StringIO())


def test_verify_catches_row_counts_that_differ_from_the_manifest(records: dict[str, Any], tmp_path: Path) -> None:
    # given a backup whose manifest claims one contact more than the dump holds (checksums kept consistent,
    # as a bug in the backup itself would leave them)
    path = tmp_path / "lying.tar"
    backup.create_backup(path)

    def claim_one_more(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["row_counts"]["consultations_contact"] += 1
        return json.dumps(manifest).encode()

    _rewrite_part(path, backup.MANIFEST, claim_one_more)
    _rewrite_part(path, backup.SIGNATURE, lambda _old: _signature_of_manifest(path))  # signed by the key holder
    verification = backup.verify_backup(path)
    assert verification.problems == ["Table consultations_contact: 3 rows restored, the manifest says 4"]


def _member(path: Path, name: str) -> bytes:
    return _members(path)[name]


def _signature_of_manifest(path: Path, key: str | None = None) -> bytes:
    return backup.sign_manifest(_member(path, backup.MANIFEST), key).encode()


def _drop_member(path: Path, name: str) -> None:
    members = _members(path)
    del members[name]
    _write_members(path, members)


def test_a_part_and_manifest_rewritten_to_match_are_caught_by_the_signature(records: dict[str, Any], tmp_path: Path):
    # given a backup whose media part was swapped and whose manifest was then rewritten to carry the new checksum
    # (what someone able to write to backup storage, but without the key, could do)
    path = tmp_path / "forged.tar"
    backup.create_backup(path)
    forged_media = BytesIO()
    with tarfile.open(fileobj=forged_media, mode="w:gz") as archive:
        info = tarfile.TarInfo("consent/planted.pdf")
        info.size = 4
        archive.addfile(info, BytesIO(b"evil"))
    _rewrite_part(path, backup.MEDIA_PART, lambda _old: forged_media.getvalue())

    def matching_checksum(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["parts"][backup.MEDIA_PART]["sha256"] = hashlib.sha256(forged_media.getvalue()).hexdigest()
        manifest["parts"][backup.MEDIA_PART]["bytes"] = len(forged_media.getvalue())
        return json.dumps(manifest, indent=2, sort_keys=True).encode()

    _rewrite_part(path, backup.MANIFEST, matching_checksum)
    # then verification, a restore and the restore command all refuse it, and nothing was restored
    verification = backup.verify_backup(path)
    assert len(verification.problems) == 1 and "the manifest's signature does not match" in verification.problems[0]
    with pytest.raises(backup.BackupError, match="signature does not match"):
        backup.restore_backup(path, force=True, media_root=tmp_path / "restored-media")
    assert not (tmp_path / "restored-media").exists()
    with pytest.raises(CommandError, match="signature does not match"):
        call_command("restore", "--verify-only", str(path), stdout=StringIO())
    # and with the same forgery re-signed under the key, the checksums pass: the signature was the only guard
    _rewrite_part(path, backup.SIGNATURE, lambda _old: _signature_of_manifest(path))
    assert backup.verify_backup(path).ok


def test_an_unsigned_backup_is_refused_unless_the_operator_trusts_it(records: dict[str, Any], tmp_path: Path):
    path = tmp_path / "unsigned.tar"
    backup.create_backup(path)
    _drop_member(path, backup.SIGNATURE)
    refused = backup.verify_backup(path)
    assert len(refused.problems) == 1 and "is not signed" in refused.problems[0]
    with pytest.raises(CommandError, match="--trust-unsigned"):
        call_command("restore", "--verify-only", str(path), stdout=StringIO())
    # the operator vouches for it
    assert backup.verify_backup(path, trust_unsigned=True).ok
    out = StringIO()
    call_command("restore", "--verify-only", "--trust-unsigned", str(path), stdout=out)
    assert "signature not required" in out.getvalue()


def test_a_backup_signed_under_another_key_needs_that_key(records: dict[str, Any], tmp_path: Path, settings: Any):
    path = tmp_path / "old-key.tar"
    settings.ABRAZO_BACKUP_KEYS = ["the-key-of-last-year"]
    backup.create_backup(path)
    assert _member(path, backup.SIGNATURE) == _signature_of_manifest(path, "the-key-of-last-year")
    # a new key alone cannot vouch for it
    settings.ABRAZO_BACKUP_KEYS = ["the-key-of-this-year"]
    assert "signature does not match" in backup.verify_backup(path).problems[0]
    # kept after the new key, the old key still verifies (and the new one signs the next backup)
    settings.ABRAZO_BACKUP_KEYS = ["the-key-of-this-year", "the-key-of-last-year"]
    assert backup.verify_backup(path).ok
    newer = tmp_path / "new-key.tar"
    backup.create_backup(newer)
    assert _member(newer, backup.SIGNATURE) == _signature_of_manifest(newer, "the-key-of-this-year")


def test_without_backup_keys_the_secret_key_and_its_fallbacks_sign(records: dict[str, Any], tmp_path: Path, settings):
    settings.ABRAZO_BACKUP_KEYS = []
    path = tmp_path / "secret.tar"
    backup.create_backup(path)
    assert _member(path, backup.SIGNATURE) == _signature_of_manifest(path, settings.SECRET_KEY)
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-rotated-secret-" + "y" * 40, [old_secret]
    assert backup.verify_backup(path).ok
    settings.SECRET_KEY_FALLBACKS = []
    assert not backup.verify_backup(path).ok


def test_restore_refuses_a_non_empty_database_without_force(records: dict[str, Any], tmp_path: Path) -> None:
    # a signed-in session at the time of the backup
    SessionStore().create()
    path = tmp_path / "backup.tar"
    manifest = backup.create_backup(path)
    assert manifest["row_counts"]["django_session"] == 1
    # the test database itself is in use and full: the command refuses it and changes nothing
    before = Contact.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(path), stdout=StringIO())
    assert Contact.objects.count() == before

    # a scratch database holding other data is refused too, then replaced with --force
    restored_media = tmp_path / "other-media"
    with backup.scratch_database(connection.vendor) as scratch:
        with scratch.cursor() as cursor:
            cursor.execute("CREATE TABLE leftover (id integer)")
            cursor.execute("INSERT INTO leftover VALUES (1)")
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore_backup(path, connection=scratch, media_root=restored_media)
        assert not restored_media.exists()
        backup.restore_backup(path, connection=scratch, force=True, media_root=restored_media)
        tables = scratch.introspection.table_names()
        assert "leftover" not in tables and "consultations_contact" in tables
        with scratch.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM consultations_contact")
            assert cursor.fetchone()[0] == before
            # and the backup's sessions do not come back: everyone signs in again
            cursor.execute("SELECT COUNT(*) FROM django_session")
            assert cursor.fetchone()[0] == 0
