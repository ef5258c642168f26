"""Export files prepared in the background: who asked, for what, and where the finished file is kept.

Small exports stream straight to the browser and leave no file behind (only their audit event). Large ones
are written by a task into private storage (MEDIA_ROOT/exports, never served by URL: the only way to read a
file is the exports centre's download view, which checks ownership and permissions again and audits) and
expire after ABRAZO_EXPORT_TTL_DAYS. An expired or deleted file's row stays, without its file, so the
exports centre can say what happened to it.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel


@deconstructible
class ExportStorage(FileSystemStorage):
    """Finished export files live in MEDIA_ROOT/exports and have no URL (compare ConsentFormStorage)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def base_location(self) -> str:  # read on each use so that tests can point MEDIA_ROOT elsewhere
        return os.path.join(settings.MEDIA_ROOT, "exports")

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Export files have no public URL; use the exports centre's download view")


def export_file_path(instance: ExportFile, filename: str) -> str:
    """A random name: the stored path says nothing about the owner or the contents."""
    extension = os.path.splitext(filename)[1].lower()[:6]
    return f"{uuid.uuid4().hex}{extension}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    DELETED = "deleted", _("Deleted")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportFileQuerySet(models.QuerySet["ExportFile"]):
    def owned_by(self, user: Any) -> ExportFileQuerySet:
        return self.filter(owner_id=getattr(user, "pk", None))

    def due_to_expire(self, now: Any = None) -> ExportFileQuerySet:
        return self.filter(expires_at__lte=now or timezone.now()).exclude(
            status__in=[ExportStatus.EXPIRED, ExportStatus.DELETED]
        )


class ExportFile(BaseModel):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_files")
    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("what"), max_length=40)  # a key of reports.export_kinds.KINDS
    file_format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    # Whether the rows were de-identified and suppressed (an evaluator's export), fixed when asked for.
    deidentified = models.BooleanField(default=False)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    file = models.FileField(storage=ExportStorage(), upload_to=export_file_path, blank=True, max_length=200)
    error = models.CharField(max_length=200, blank=True)  # a short reason for the owner, never cell values
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    downloaded_at = models.DateTimeField(_("last downloaded"), null=True, blank=True)

    objects = ExportFileQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="exportfile_owner_created"),
            models.Index(fields=["expires_at"], name="exportfile_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.file_format} ({self.status})"

    @property
    def filename(self) -> str:
        stamp = timezone.localtime(self.created_at).strftime("%Y%m%d-%H%M") if self.created_at else "export"
        return f"{self.kind}-{stamp}.{self.file_format}"

    @property
    def kind_label(self) -> Any:
        from abrazo.reports.export_kinds import KINDS

        kind = KINDS.get(self.kind)
        return kind.label if kind is not None else self.kind

    @property
    def is_expired(self) -> bool:
        return self.status == ExportStatus.EXPIRED or self.expires_at <= timezone.now()
