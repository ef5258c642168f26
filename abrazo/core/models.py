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
