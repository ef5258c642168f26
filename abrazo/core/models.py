"""The base every Abrazo record stands on."""

import uuid

from django.db import models

from abrazo.core.crypto import EncryptedTextField


class BaseModel(models.Model):
    """UUID primary key (ids in URLs reveal nothing about volumes) and creation/update stamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(BaseModel):
    """A record two people may edit at once: `version` catches the second, stale save."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class RateCounter(models.Model):
    """One public form's submissions from one address in one time window (core/ratelimit.py).

    A row of its own rather than a cache entry: the database cache's increment is a read then a write, so
    requests sent in parallel all read the same count and a burst slipped past the limit. An UPDATE of
    `count = count + 1` is atomic on every database."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class OutgoingMail(models.Model):
    """An email the mail server could not take when it was sent, kept until it can (core/mail.py).

    The whole message is one encrypted JSON value: recipients, subject and body can name a person or carry a
    survey or certificate link, so a dump of this table reveals nothing. The row is deleted once the message
    is delivered; only the attempt count and the error's class name are kept in the clear."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    message = EncryptedTextField()
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=100, blank=True)
    gave_up = models.BooleanField(default=False)

    class Meta:
        ordering = ["next_attempt_at"]

    def __str__(self) -> str:
        return f"outgoing mail {self.pk} ({self.attempts} attempts)"
