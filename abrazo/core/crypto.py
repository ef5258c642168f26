"""Field-level encryption for clinical text (consultation notes), with keys that are not SECRET_KEY.

A database dump, a replica or a backup then reveals no note text: only Fernet tokens. The keys come from
the ABRAZO_FIELD_KEYS setting (the comma-separated environment variable of the same name), newest
first. New values are always encrypted with the newest key; values written under an older key still
read, and `abrazo rotate_field_keys` re-encrypts them so the old key can be retired.

Outside production a fixed development key is used when none is configured, so that the demo and the
tests run without setup; production refuses to start with it (settings) and `check --deploy` flags it.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

# Derived from a public phrase on purpose: anyone can recompute it, which is exactly why it is refused
# in production. It only exists so that development databases work out of the box.
DEVELOPMENT_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"abrazo development field key, never production").digest())


class FieldDecryptionError(Exception):
    """A stored value could not be decrypted with any configured key: a key was removed too early, or
    the value was tampered with. Loud on purpose; silently showing an empty note would lose data."""


def configured_keys() -> list[bytes]:
    keys = [key.encode() if isinstance(key, str) else key for key in getattr(settings, "ABRAZO_FIELD_KEYS", [])]
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("ABRAZO_FIELD_KEYS must be set in production")
    return [DEVELOPMENT_KEY]


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[bytes, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:  # a malformed key: say which setting, never print the key
        raise ImproperlyConfigured(
            "ABRAZO_FIELD_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(configured_keys()))


def primary_fernet() -> Fernet:
    return Fernet(configured_keys()[0])


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise FieldDecryptionError(
            "An encrypted field could not be decrypted with any key in ABRAZO_FIELD_KEYS"
        ) from exc


def is_under_primary_key(token: str) -> bool:
    """Whether the newest key already encrypts this token (rotation skips it)."""
    try:
        primary_fernet().decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate_token(token: str) -> str:
    """Re-encrypt under the newest key, keeping the token's original timestamp."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise FieldDecryptionError("A token could not be decrypted with any key in ABRAZO_FIELD_KEYS") from exc


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. Python code sees plain text; the database never does.

    The database cannot search inside the value, so every lookup but `isnull` is refused rather than
    silently comparing ciphertext.
    """

    description = _("Encrypted text")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        return value if value is None else str(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            # An empty note says nothing; keeping it empty lets "has notes" be asked without decrypting.
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class EmptyOnlyExact(Exact):
    """Equality with an encrypted value is only meaningful for "no text" (tokens are salted, so the same
    text never encrypts twice the same); comparing with real text would silently match nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError("Encrypted fields can only be compared with an empty value")
        return super().get_prep_lookup()


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) that stores an EncryptedTextField, for key rotation."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field.attname))
    return found


@checks.register(checks.Tags.security, deploy=True)
def check_field_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    keys = [key.encode() if isinstance(key, str) else key for key in getattr(settings, "ABRAZO_FIELD_KEYS", [])]
    if not keys:
        return [checks.Error(
            "ABRAZO_FIELD_KEYS is not set: consultation notes would be encrypted with the public development key.",
            hint="Generate one with `abrazo rotate_field_keys --generate` and set the environment variable.",
            id="abrazo.E101",
        )]
    if DEVELOPMENT_KEY in keys:
        return [checks.Error(
            "ABRAZO_FIELD_KEYS contains the public development key.",
            hint="Generate a new key, put it first, run `abrazo rotate_field_keys`, then drop the development key.",
            id="abrazo.E102",
        )]
    if settings.SECRET_KEY.encode() in keys:
        return [checks.Error("ABRAZO_FIELD_KEYS must not reuse SECRET_KEY.", id="abrazo.E103")]
    return []
