"""The resource library on /api/v1/: published resources of the caller's network(s), read-only.

Published resources are public (the library's pages need no account), so nothing here is audited, as on the web.
The API still asks for a token or a session, like every other endpoint, so that rate limits and token scopes
apply the same way. Only what the public page shows is returned: never a suggester's name, email or note, a
decline reason or the link checker's findings.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import path, reverse
from rest_framework import serializers

from abrazo.api.base import ScopedListView, ScopedRetrieveView
from abrazo.api.fields import RelatedKeysField
from abrazo.api.serializers import FastSerializer
from abrazo.directory.selectors import network_ids_of
from abrazo.library.models import AgeBand, Audience, Resource, ResourceKind, Topic

SCOPE = "resources:read"
# The columns a published resource shows; the curation-only ones are never read.
PUBLIC_FIELDS = (
    "id", "network_id", "work_id", "language", "title", "summary", "kind", "audience_bits", "age_from_months",
    "age_to_months", "source_organisation", "url", "file", "published_at", "updated_at",
)


class ResourceSerializer(FastSerializer):
    id = serializers.UUIDField()
    network_id = serializers.UUIDField()
    work_id = serializers.UUIDField(help_text="Language versions of one resource share a work_id.")
    language = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    kind = serializers.ChoiceField(choices=ResourceKind.choices)
    audiences = serializers.ListField(child=serializers.ChoiceField(choices=Audience.choices))
    topics = RelatedKeysField(attribute="key")
    age_from_months = serializers.IntegerField()
    age_to_months = serializers.IntegerField()
    source_organisation = serializers.CharField()
    url = serializers.CharField()
    file_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_file_url(self, resource: Resource) -> str | None:
        if not resource.file:
            return None
        return str(reverse("library:resource-file", args=[resource.pk]))

    def get_page_url(self, resource: Resource) -> str:
        return str(reverse("library:resource-detail", args=[resource.pk]))


class ResourceFilterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    language = serializers.RegexField(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$", required=False)
    type = serializers.ChoiceField(choices=ResourceKind.choices, required=False)
    topic = serializers.SlugField(required=False, max_length=60, help_text="A topic key, e.g. challenging-behavior.")
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    age = serializers.ChoiceField(choices=AgeBand.choices, required=False)


def published_for(user: Any) -> QuerySet[Resource]:
    """Published resources of the networks the caller belongs to, with their topics in one more query."""
    return (
        Resource.objects.published().filter(network_id__in=network_ids_of(user)).only(*PUBLIC_FIELDS)
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.only("id", "key").order_by("key")))
    )


class ResourceList(ScopedListView):
    """Published resources, newest first."""

    required_scope = SCOPE
    filter_serializer_class = ResourceFilterSerializer
    serializer_class = ResourceSerializer
    audit_lists = False  # public data: the library's web pages are not audited either

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Resource]:
        resources = published_for(self.request.user)
        if filters.get("language"):
            resources = resources.filter(language=filters["language"])
        if filters.get("type"):
            resources = resources.filter(kind=filters["type"])
        if filters.get("topic"):
            resources = resources.filter(pk__in=Resource.topics.through.objects.filter(
                topic__key=filters["topic"]).values("resource_id"))
        if filters.get("audience"):
            resources = resources.for_audience(filters["audience"])
        if filters.get("age"):
            resources = resources.for_age_band(filters["age"])
        return resources.order_by("-published_at", "id")


class ResourceDetail(ScopedRetrieveView):
    """One published resource of the caller's network(s)."""

    required_scope = SCOPE
    serializer_class = ResourceSerializer
    selector_records_view = True  # public data: nothing to audit

    def get_scoped_object(self, pk: UUID) -> Resource:
        resource = published_for(self.request.user).filter(pk=pk).first()
        if resource is None:
            raise Http404
        return resource


urlpatterns = [
    path("resources/", ResourceList.as_view(), name="library-resource-list"),
    path("resources/<uuid:pk>/", ResourceDetail.as_view(), name="library-resource-detail"),
]

