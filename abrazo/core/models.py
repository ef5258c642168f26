"""The base every Abrazo record stands on."""

import uuid

from django.db import models


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
