"""Backups that can be proven to restore: `abrazo backup`, `abrazo backup --verify`, `abrazo restore`.

A backup is one tar file holding three parts and a manifest:

- `database.pgdump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: a copy made
  with the online backup API, so the application keeps running while it is taken);
- `media.tar.gz`: the uploaded files under MEDIA_ROOT (signed consent forms, library files, prepared
  exports), which the database rows point at and which are worthless without them and vice versa;
- `manifest.json`: when, which database vendor, the applied migrations, the row count of every table and
  the sha256 of each part;
- `manifest.sig`: an HMAC-SHA256 of the manifest's bytes under the backup key (ABRAZO_BACKUP_KEYS, else
  SECRET_KEY). The checksums catch damage; the signature catches someone who rewrote a part and then the
  manifest to match, since they do not hold the key. An unsigned or wrongly signed backup is refused unless
  the operator says to trust it (`--trust-unsigned`).

The row counts and the migrations are read from the same instant as the dump (PostgreSQL: an exported
snapshot that pg_dump then uses; SQLite: the copy itself), so a verification can demand equality.

Verification restores the database part into a scratch database (a temporary PostgreSQL database, a
temporary SQLite file) that is always dropped afterwards, asks Django's migration executor whether any
migration is unapplied, and compares every table's row count with the manifest. Encrypted fields stay
encrypted in the backup: it holds Fernet tokens, never note text, and the field keys are not in it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import load_backend
from django.utils.crypto import constant_time_compare, salted_hmac

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNING_SALT = "abrazo.core.backup.manifest"
MEDIA_PART = "media.tar.gz"
DATABASE_PARTS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
HASH_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup could not be made, verified or restored. The message is meant for the operator."""


@dataclass
class Verification:
    """What a verification found; `problems` empty means the backup restores and matches its manifest."""

    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    tables_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


# --- Reading the live database -------------------------------------------------------------------------


def _vendor(connection: BaseDatabaseWrapper) -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_PARTS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts_and_migrations(cursor: Any, table_names: list[str]) -> tuple[dict[str, int], list[list[str]]]:
    counts = {}
    for table in sorted(table_names):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - names come from the catalogue
        counts[table] = int(cursor.fetchone()[0])
    migrations: list[list[str]] = []
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [[app, name] for app, name in cursor.fetchall()]
    return counts, migrations


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in cursor.fetchall()]


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [row[0] for row in cursor.fetchall()]


# --- PostgreSQL client programs ------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client-15)")
    return path


def _pg_connection(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments (-U/-h/-p) and environment (password, TLS files) for pg_dump and pg_restore;
    the password travels in the environment, never on a command line other users can read."""
    from django.db.backends.postgresql.client import DatabaseClient

    placeholder = "abrazo-database-name"
    args, env = DatabaseClient.settings_to_cmd_args_env({**settings_dict, "NAME": placeholder}, [])
    # args is [psql, -U, user, -h, host, -p, port, name]: keep the options, drop the program and the
    # database name, which each caller gives its own way (pg_restore takes it as --dbname).
    return [arg for arg in args[1:] if arg != placeholder], {**os.environ, **(env or {})}


def _major(version_text: str) -> int:
    found = re.search(r"\b(\d+)(?:\.\d+)+", version_text)  # "pg_dump (PostgreSQL) 15.20 (Debian ...)" -> 15
    if not found:
        raise BackupError(f"Cannot read a version number from {version_text!r}")
    return int(found.group(1))


def check_pg_client_version(connection: BaseDatabaseWrapper) -> tuple[int, int]:
    """(client major, server major). pg_dump refuses, and pg_restore may misread, a newer server's data:
    say so before starting rather than leave a half-written file."""
    output = subprocess.run(  # noqa: S603 - a fixed program, no shell
        [_pg_program("pg_dump"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    client_major = _major(output)
    connection.ensure_connection()
    server_major = int(getattr(connection, "pg_version")) // 10000  # noqa: B009 - PostgreSQL wrappers only
    if client_major < server_major:
        raise BackupError(
            f"pg_dump {client_major} is older than the PostgreSQL {server_major} server: install "
            f"postgresql-client-{server_major} (a dump must be made by a client at least as new as the server)"
        )
    return client_major, server_major


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if completed.returncode != 0:
        detail = completed.stderr.strip().splitlines()[-5:]
        raise BackupError(f"{what} failed (status {completed.returncode}): " + " / ".join(detail))


# --- Making a backup -----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_sqlite(connection: BaseDatabaseWrapper, target: Path) -> tuple[dict[str, int], list[list[str]]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API copies page by page while the application keeps writing; the copy is a
        # consistent state of the database, so the counts are read from the copy, not the live file.
        connection.connection.backup(copy)
        cursor = copy.cursor()
        return _counts_and_migrations(cursor, _sqlite_tables(cursor))
    finally:
        copy.close()


def _dump_postgresql(connection: BaseDatabaseWrapper, target: Path) -> tuple[dict[str, int], list[list[str]]]:
    import psycopg

    check_pg_client_version(connection)
    settings_dict = connection.settings_dict
    conn_args, env = _pg_connection(settings_dict)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    # A connection of its own, whatever transaction Django's connection is in: a repeatable-read
    # transaction whose snapshot pg_dump adopts, so the counts describe exactly the rows dumped.
    with psycopg.connect(**params, autocommit=False) as snapshot_connection:
        snapshot_connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]  # type: ignore[index]
            counts, migrations = _counts_and_migrations(cursor, _pg_tables(cursor))
            command = [
                _pg_program("pg_dump"),
                *conn_args,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                settings_dict["NAME"],
            ]
            _run(command, env, "pg_dump")
        snapshot_connection.rollback()
    return counts, migrations


def _archive_media(media_root: Path, target: Path) -> int:
    files = 0
    with tarfile.open(target, "w:gz") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=path.relative_to(media_root).as_posix(), recursive=False)
                    files += 1
    return files


def _signing_keys() -> list[str]:
    """Newest first: the first signs, every one verifies, so changing the key leaves older backups usable."""
    configured = list(getattr(settings, "ABRAZO_BACKUP_KEYS", []))
    return configured or [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def sign_manifest(manifest_bytes: bytes, key: str | None = None) -> str:
    """The manifest's signature under `key` (default: the newest backup key), as hex."""
    secret = key if key is not None else _signing_keys()[0]
    return salted_hmac(SIGNING_SALT, manifest_bytes, secret=secret, algorithm="sha256").hexdigest()


def _check_signature(path: Path, manifest_bytes: bytes, signature: bytes | None, trust_unsigned: bool) -> None:
    if trust_unsigned:
        return  # the operator vouches for this file, signed or not
    if signature is None:
        raise BackupError(
            f"{path} is not signed, so nothing shows its manifest was written by Abrazo. If you made it yourself "
            "with an earlier release and kept it where only operators can write, pass --trust-unsigned."
        )
    text = signature.decode("ascii", errors="replace").strip()
    if not any(constant_time_compare(text, sign_manifest(manifest_bytes, key)) for key in _signing_keys()):
        raise BackupError(
            f"{path}: the manifest's signature does not match: the manifest was altered, or the backup was signed "
            "with a key this installation does not hold (ABRAZO_BACKUP_KEYS, else SECRET_KEY). Nothing was restored."
        )


def default_backup_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"abrazo-{stamp}.tar"


def create_backup(
    output: Path, *, connection: BaseDatabaseWrapper | None = None, media_root: Path | None = None
) -> dict[str, Any]:
    """Write a backup of the database (default: the default one) and the uploaded files to `output`;
    returns the manifest."""
    connection = connection or connections["default"]
    vendor = _vendor(connection)
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    output.parent.mkdir(parents=True, exist_ok=True)
    created_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="abrazo-backup-") as scratch:
        work = Path(scratch)
        database_part = DATABASE_PARTS[vendor]
        if vendor == "sqlite":
            counts, migrations = _dump_sqlite(connection, work / database_part)
        else:
            counts, migrations = _dump_postgresql(connection, work / database_part)
        media_files = _archive_media(media_root, work / MEDIA_PART)
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "vendor": vendor,
            "database_part": database_part,
            "migrations": migrations,
            "row_counts": counts,
            "media_files": media_files,
            "parts": {
                name: {"sha256": _sha256(work / name), "bytes": (work / name).stat().st_size}
                for name in (database_part, MEDIA_PART)
            },
        }
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
        (work / MANIFEST).write_bytes(manifest_bytes)
        (work / SIGNATURE).write_text(sign_manifest(manifest_bytes))
        partial = output.with_name(output.name + ".partial")
        # Children's records: readable by the operating account only, from the first byte written.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as bundle:
            for name in (MANIFEST, SIGNATURE, database_part, MEDIA_PART):
                bundle.add(work / name, arcname=name)
        # A backup appears under its final name only once complete, so a crash never leaves a file that
        # looks like a backup but is not one.
        partial.replace(output)
    return manifest


# --- Opening a backup ----------------------------------------------------------------------------------


@contextlib.contextmanager
def opened_backup(path: Path, *, trust_unsigned: bool = False) -> Iterator[tuple[dict[str, Any], Path]]:
    """Unpack a backup into a temporary folder after checking its manifest's signature and every part's
    sha256; yields (manifest, folder). Raises BackupError for a missing, truncated, altered or unsigned file
    (an unsigned or wrongly signed one is let through only with `trust_unsigned`)."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}")
    with tempfile.TemporaryDirectory(prefix="abrazo-restore-") as scratch:
        work = Path(scratch)
        try:
            with tarfile.open(path, mode="r:") as bundle:
                names = set(bundle.getnames())
                if MANIFEST not in names:
                    raise BackupError(f"{path} is not an Abrazo backup (no {MANIFEST})")
                manifest_bytes = bundle.extractfile(MANIFEST).read()  # type: ignore[union-attr]
                signature = bundle.extractfile(SIGNATURE).read() if SIGNATURE in names else None  # type: ignore[union-attr]
                _check_signature(path, manifest_bytes, signature, trust_unsigned)
                manifest = json.loads(manifest_bytes)
                expected = set(manifest.get("parts", {})) | {MANIFEST}
                if signature is not None:
                    expected.add(SIGNATURE)
                if names != expected:
                    raise BackupError(f"{path} holds {sorted(names)}, the manifest lists {sorted(expected)}")
                bundle.extractall(work, filter="data")
        except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BackupError(f"{path} is corrupt or truncated: {exc}") from exc
        if manifest.get("format") != FORMAT_VERSION or manifest.get("vendor") not in DATABASE_PARTS:
            raise BackupError(f"{path} has a manifest this version of Abrazo cannot read")
        for name, part in manifest["parts"].items():
            actual = _sha256(work / name)
            if actual != part["sha256"]:
                raise BackupError(
                    f"{path}: the part {name} does not match its manifest (sha256 {actual[:12]}..., "
                    f"expected {part['sha256'][:12]}...): the file was altered or damaged"
                )
        yield manifest, work


# --- Scratch databases ---------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(vendor: str, *, like_alias: str = "default") -> Iterator[BaseDatabaseWrapper]:
    """A connection to a new, empty database, dropped (or deleted) on exit whatever happens.
    PostgreSQL: a uniquely named database on the server of `like_alias`, with its credentials.

    The connection is not registered among Django's aliases: nothing else (a router, a request, a
    test's database isolation) can reach the scratch database by accident."""
    name = f"abrazo_scratch_{uuid.uuid4().hex[:12]}"
    base = connections[like_alias].settings_dict
    folder = None
    if vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="abrazo-scratch-")
        settings_dict = {
            **base,
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(folder) / "scratch.sqlite3"),
            "OPTIONS": {},
            "HOST": "",
            "PORT": "",
            "USER": "",
            "PASSWORD": "",
        }
    else:
        if connections[like_alias].vendor != "postgresql":
            raise BackupError("Verifying a PostgreSQL backup needs a PostgreSQL server (set DATABASE_URL)")
        settings_dict = {**base, "NAME": name}
        with connections[like_alias]._nodb_cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {_quote(name)}")
    connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias=name)
    try:
        yield connection
    finally:
        connection.close()
        if vendor == "sqlite":
            shutil.rmtree(folder or "", ignore_errors=True)
        else:
            with connections[like_alias]._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")


# --- Restoring -----------------------------------------------------------------------------------------


def database_is_empty(connection: BaseDatabaseWrapper) -> bool:
    """Whether the database holds no tables at all (a database freshly created for the restore)."""
    return not connection.introspection.table_names()


def _wipe(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Everything in the schema goes (tables, sequences, the audit trigger's function), so the
            # restore recreates exactly what the backup holds and nothing of the old database remains.
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in _sqlite_tables(cursor):
                cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)}")


def _restore_database(manifest: dict[str, Any], work: Path, connection: BaseDatabaseWrapper) -> None:
    vendor = _vendor(connection)
    if vendor != manifest["vendor"]:
        raise BackupError(f"This is a {manifest['vendor']} backup; the target database is {vendor}")
    part = work / manifest["database_part"]
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(part)
        try:
            # The backup API replaces the target's whole content, page by page, in the live connection.
            source.backup(connection.connection)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"The SQLite part could not be restored: {exc}") from exc
        finally:
            source.close()
        return
    check_pg_client_version(connection)
    conn_args, env = _pg_connection(connection.settings_dict)
    connection.close()  # pg_restore works in its own session; ours must not hold locks meanwhile
    command = [
        _pg_program("pg_restore"),
        *conn_args,
        "--exit-on-error",
        "--single-transaction",
        "--no-owner",
        f"--dbname={connection.settings_dict['NAME']}",
        str(part),
    ]
    _run(command, env, "pg_restore")


def _end_restored_sessions(connection: BaseDatabaseWrapper) -> None:
    """A restore brings back the sessions of the backup's moment, including ones ended since (a sign-out,
    a password change, a deactivated account): everyone signs in again instead."""
    if "django_session" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_session")


def _restore_media(work: Path, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(work / MEDIA_PART, "r:gz") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        # The "data" filter refuses absolute paths, "..", links out of the folder and device files.
        archive.extractall(media_root, members=members, filter="data")
    return len(members)


def restore_backup(
    path: Path,
    *,
    connection: BaseDatabaseWrapper | None = None,
    force: bool = False,
    media_root: Path | None = None,
    trust_unsigned: bool = False,
) -> dict[str, Any]:
    """Restore the database and the uploaded files from a backup, after verifying its signature and checksums.
    Refuses a database that holds any table unless `force` (which drops everything in it first)."""
    connection = connection or connections["default"]
    with opened_backup(path, trust_unsigned=trust_unsigned) as (manifest, work):
        if not database_is_empty(connection):
            if not force:
                raise BackupError(
                    "The target database is not empty; restoring would overwrite it. Restore into a freshly "
                    "created database, or pass --force to drop everything in it first."
                )
            _wipe(connection)
        _restore_database(manifest, work, connection)
        _end_restored_sessions(connection)
        _restore_media(work, Path(media_root if media_root is not None else settings.MEDIA_ROOT))
    return manifest


# --- Verifying -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _reachable_by_alias(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """The migration recorder reads django_migrations through the ORM, by alias: make the scratch
    connection reachable under its own alias in this thread only, for as long as that takes."""
    already = connection.alias in connections.settings
    if not already:
        connections[connection.alias] = connection
    try:
        yield
    finally:
        if not already:
            del connections[connection.alias]


def compare_with_manifest(connection: BaseDatabaseWrapper, manifest: dict[str, Any]) -> tuple[list[str], int]:
    """Problems found comparing a restored database with its manifest, and the number of tables checked."""
    problems: list[str] = []
    with _reachable_by_alias(connection):
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in unapplied[:5])
        problems.append(f"{len(unapplied)} migration(s) not applied in the restored database: {names}")
    with connection.cursor() as cursor:
        tables = _sqlite_tables(cursor) if connection.vendor == "sqlite" else _pg_tables(cursor)
        counts, migrations = _counts_and_migrations(cursor, tables)
    if migrations != manifest["migrations"]:
        problems.append("The restored migration history differs from the manifest's")
    expected = manifest["row_counts"]
    for table in sorted(set(expected) | set(counts)):
        if table not in counts:
            problems.append(f"Table {table} is missing from the restored database")
        elif table not in expected:
            problems.append(f"Table {table} is in the restored database but not in the manifest")
        elif counts[table] != expected[table]:
            problems.append(f"Table {table}: {counts[table]} rows restored, the manifest says {expected[table]}")
    return problems, len(counts)


def _check_media(work: Path, manifest: dict[str, Any]) -> list[str]:
    try:
        with tarfile.open(work / MEDIA_PART, "r:gz") as archive:
            files = 0
            for member in archive:
                if member.isfile():
                    # Read (decompress) every byte: a damaged archive fails here, not on the day of a restore.
                    archive.extractfile(member).read()  # type: ignore[union-attr]
                    files += 1
    except (tarfile.TarError, EOFError, OSError) as exc:
        return [f"The uploaded files archive is unreadable: {exc}"]
    if files != manifest["media_files"]:
        return [f"The uploaded files archive holds {files} files, the manifest says {manifest['media_files']}"]
    return []


def verify_backup(path: Path, *, like_alias: str = "default", trust_unsigned: bool = False) -> Verification:
    """Restore the backup into a scratch database, check migrations and row counts, then drop it."""
    try:
        with opened_backup(path, trust_unsigned=trust_unsigned) as (manifest, work):
            verification = Verification(manifest=manifest)
            verification.problems.extend(_check_media(work, manifest))
            with scratch_database(manifest["vendor"], like_alias=like_alias) as scratch:
                try:
                    _restore_database(manifest, work, scratch)
                except BackupError as exc:
                    verification.problems.append(str(exc))
                    return verification
                problems, checked = compare_with_manifest(scratch, manifest)
                verification.problems.extend(problems)
                verification.tables_checked = checked
            return verification
    except BackupError as exc:
        return Verification(manifest={}, problems=[str(exc)])


def dump_as_text(path: Path) -> bytes:
    """The database part of a backup as plain bytes (PostgreSQL: the SQL pg_restore would run, table data
    uncompressed; SQLite: the database file), for checks that search what a backup discloses."""
    with opened_backup(path) as (manifest, work):
        part = work / manifest["database_part"]
        if manifest["vendor"] == "sqlite":
            return part.read_bytes()
        output = io.BytesIO()
        completed = subprocess.run(  # noqa: S603
            [_pg_program("pg_restore"), "--file=-", str(part)], capture_output=True, check=True
        )
        output.write(completed.stdout)
        return output.getvalue()
