"""The export task may be delivered twice: only the run that moves the export to ready (or failed) builds it and
emails its owner; a second delivery changes nothing and sends nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from abrazo.intake.tests.factories import RequestFactory
from abrazo.reports import export_service, tasks
from abrazo.reports.models import ExportFile, ExportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_second_delivery_of_the_build_task_sends_no_second_email(world, settings,
                                                                   django_capture_on_commit_callbacks):
    # given a queued export built by its task, and its owner told once
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 0
    admin = world.people["network_admin"]
    RequestFactory(region=world.region_a)
    with django_capture_on_commit_callbacks(execute=True):
        export_service.export_start(user=admin, kind_key="requests", file_format="csv")
    export = ExportFile.objects.get(owner=admin)
    assert export.status == ExportStatus.READY and len(mail.outbox) == 1
    built = (export.file.name, export.finished_at)
    # when the queue delivers the same task again
    tasks.build_export.enqueue(export_id=str(export.pk))
    # then nothing is rebuilt and no second email is sent
    export.refresh_from_db()
    assert (export.file.name, export.finished_at) == built
    assert len(mail.outbox) == 1


def test_only_the_run_that_finishes_a_running_export_notifies(world):
    # given an export being built, finished by two runs that both thought they held it
    export = ExportFile.objects.create(owner=world.people["network_admin"], network=world.network, kind="requests",
                                       file_format="csv", status=ExportStatus.RUNNING,
                                       expires_at=timezone.now() + dt.timedelta(days=7))
    told: list[str] = []
    first = export_service._finish(export, status=ExportStatus.READY, notify=lambda e: told.append(e.status))
    second = export_service._finish(export, status=ExportStatus.FAILED, error="error",
                                    notify=lambda e: told.append(e.status))
    # then the first one only moved it, and only it told the owner
    assert first is not None and second is None
    assert told == [ExportStatus.READY]
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.error == ""


def test_a_queued_export_is_claimed_once(world):
    export = ExportFile.objects.create(owner=world.people["consultant"], network=world.network, kind="requests",
                                       file_format="csv", expires_at=timezone.now() + dt.timedelta(days=7))
    told: list[str] = []
    assert export_service.export_build(export_id=str(export.pk), notify=lambda e: told.append(e.status))
    assert export_service.export_build(export_id=str(export.pk), notify=lambda e: told.append(e.status)) is None
    assert told == [ExportStatus.FAILED]  # the consultant may not export requests: failed, and told once
