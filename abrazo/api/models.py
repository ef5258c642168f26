"""Personal API tokens and the idempotency keys that make a retried create safe."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.core.crypto import EncryptedTextField
from abrazo.core.models import BaseModel

TOKEN_PREFIX = "abz"  # noqa: S105 - the fixed, public start of every token, not a secret
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
MAX_TOKEN_LIFETIME = timedelta(days=365)
# Writing last_used_at on every call would turn every read into a write; once a minute is enough to tell an
# owner whether a token is still in use.
LAST_USED_INTERVAL = timedelta(minutes=1)
IDEMPOTENCY_WINDOW = timedelta(hours=24)

# scope -> (label, the permissions any one of which makes the scope useful to a person). A token never widens
# what its holder may do: the permissions decide, the scopes only narrow. Empty: every signed-in person.
SCOPES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "directory:read": (_("Read the directory: programs, classrooms, consultants"),
                       ("program.view", "classroom.view", "consultant.view")),
    "requests:read": (_("Read requests for consultation"), ("request.view",)),
    "requests:write": (_("Submit requests for consultation"), ("request.view",)),
    "episodes:read": (_("Read episodes and contacts"), ("episode.view",)),
    "episodes:write": (_("Record episode work and contacts"), ("episode.work",)),
    "incidents:read": (_("Read children's incidents"), ("incident.view",)),
    "incidents:write": (_("Record incidents"), ("incident.record",)),
    "measures:read": (_("Read measure administrations"), ("measure.view",)),
    "resources:read": (_("Read the resource library"), ()),
    "reports:read": (_("Read reports"), ("report.view", "report.view_suppressed")),
}


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is enough: there is nothing to guess a password from.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: datetime | None = None) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(BaseModel):
    """A person's token for the API. Only a hash of the secret is kept: the secret is shown once, when made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, so you recognise it."))
    # The public part of the token, shown in lists so that a person can tell their tokens apart.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}_{self.prefix}_…)"

    @property
    def display_prefix(self) -> str:
        return f"{TOKEN_PREFIX}_{self.prefix}_"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyKey(models.Model):
    """A create that was made with an Idempotency-Key header, and the answer it got, for 24 hours.

    The row is written in the same transaction as the create, so the key and the record exist together or not
    at all; a second request with the same key waits for (PostgreSQL) or is refused by the unique constraint.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # "POST /api/v1/requests/": the same key on another endpoint is a client mistake, not a replay.
    request_line = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    # The answer as JSON text, encrypted: it is a copy of what the create returned, which may hold text that is
    # encrypted where it really lives (a contact's notes) or a requester's details.
    response_body = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} ({self.request_line})"
