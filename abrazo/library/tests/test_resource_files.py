"""Uploaded files on disk: a replaced or removed file is deleted once the edit commits (never before, never when
the edit fails); a declined suggestion keeps its file, since it may be published again. And how the public file
is cached: by the visitor's browser only, briefly, so a withdrawn resource's file stops being served soon."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.core.concurrency import StaleEditError
from abrazo.library import resource_services as services
from abrazo.library.models import Resource, ResourceStatus
from abrazo.library.tests.factories_curation import pdf_upload
from abrazo.library.tests.factories_resource import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def edit_data(resource: Resource, **overrides) -> services.ResourceData:
    values = {"title": resource.title, "summary": resource.summary, "kind": resource.kind,
              "language": resource.language, "audiences": tuple(resource.audiences), "url": resource.url,
              "age_from_months": resource.age_from_months, "age_to_months": resource.age_to_months}
    values.update(overrides)
    return services.ResourceData(**values)


def with_file(world, **kwargs) -> Resource:
    resource = ResourceFactory(network=world.network, **kwargs)
    resource.file.save("upload.pdf", pdf_upload(), save=True)
    return Resource.objects.get(pk=resource.pk)


def stored(media: Path) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def test_a_replaced_file_is_deleted_once_the_edit_commits(world, media, django_capture_on_commit_callbacks):
    # given a resource with an uploaded file
    resource = with_file(world)
    old = resource.file.name
    # when a curator uploads another one, and the edit has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        edited = services.resource_edit(actor=world.people["network_admin"], resource=resource,
                                        data=edit_data(resource), expected_version=resource.version,
                                        upload=pdf_upload("new.pdf", b"%PDF-1.7 a newer version"))
    # then both files are still there (a rollback would still need the old one)
    assert edited.file.name != old
    assert stored(media) == sorted([old, edited.file.name])
    # and once it commits, only the new one is left, and it is the one served
    for callback in waiting:
        callback()
    assert stored(media) == [edited.file.name]
    with Resource.objects.get(pk=resource.pk).file.open("rb") as served:
        assert served.read() == b"%PDF-1.7 a newer version"


def test_a_removed_file_is_deleted_once_the_edit_commits(world, media, django_capture_on_commit_callbacks):
    resource = with_file(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_edit(actor=world.people["network_admin"], resource=resource, data=edit_data(resource),
                               expected_version=resource.version, remove_file=True)
    assert not Resource.objects.get(pk=resource.pk).file
    assert stored(media) == []


def test_an_edit_that_keeps_the_file_keeps_it(world, media, django_capture_on_commit_callbacks):
    resource = with_file(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_edit(actor=world.people["network_admin"], resource=resource,
                               data=edit_data(resource, title="A better title"), expected_version=resource.version)
    assert stored(media) == [resource.file.name]


def test_a_stale_edit_leaves_the_old_file_and_no_new_one(world, media, django_capture_on_commit_callbacks):
    # given a resource with a file that someone else edited meanwhile
    resource = with_file(world)
    loaded = resource.version
    Resource.objects.filter(pk=resource.pk).update(version=loaded + 1)
    # when a curator replaces the file from the page they loaded before
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(StaleEditError):
        services.resource_edit(actor=world.people["network_admin"], resource=resource, data=edit_data(resource),
                               expected_version=loaded, upload=pdf_upload("new.pdf"))
    # then nothing changed on disk: the old file is kept, the new one not left behind
    assert stored(media) == [resource.file.name]


def test_a_declined_suggestion_keeps_its_file_and_can_be_published_with_it(world, media,
                                                                            django_capture_on_commit_callbacks):
    # given a suggestion that came with a PDF
    suggestion = with_file(world, suggested=True, url="")
    curator = world.people["regional_coordinator"]
    # when a curator declines it
    with django_capture_on_commit_callbacks(execute=True):
        declined = services.resource_decline(actor=curator, resource=suggestion, reason="Not for young children.",
                                             expected_version=suggestion.version)
    # then its file is kept
    assert declined.status == ResourceStatus.DECLINED
    assert stored(media) == [suggestion.file.name]
    # because another curator may publish it again, and visitors then download that file
    with django_capture_on_commit_callbacks(execute=True):
        published = services.resource_approve(actor=curator, resource=declined, expected_version=declined.version,
                                              summary="A guide for families.")
    response = Client().get(reverse("library:resource-file", args=[published.pk]))
    assert response.status_code == 200
    # (reading the content to its end closes the file; the test client then finishes the request its own way)
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_file_is_cached_by_the_visitor_s_browser_only_so_a_withdrawn_file_goes_soon(world, media):
    # given a published resource with a file, downloaded by a visitor
    resource = with_file(world)
    client = Client()
    response = client.get(reverse("library:resource-file", args=[resource.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # then no shared cache may keep it, and the visitor's browser only for five minutes
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"
    # and once a curator withdraws the resource, the file is no longer served
    services.resource_withdraw(actor=world.people["network_admin"], resource=resource,
                               expected_version=resource.version)
    assert client.get(reverse("library:resource-file", args=[resource.pk])).status_code == 404
