"""Every read of the curators' pages: the queue of suggestions, the list of all resources with their link and
review state, one resource, the networks and topics a curator works with. Scoped by accounts.access: outside
the curator's networks a resource does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.directory.models import Network
from abrazo.library import search
from abrazo.library.default_topics import ensure_topics
from abrazo.library.models import LinkStatus, Resource, ResourceStatus, Topic
from abrazo.library.resource_services import CURATE, SITE_EDIT

REVIEW_SOON_DAYS = 30  # "review soon" on the curators' list: within a month


def curated_resources_for(*, user: Any) -> QuerySet[Resource]:
    return access.visible(user, CURATE, Resource.objects.all())


def suggestion_queue_for(*, user: Any) -> QuerySet[Resource]:
    """Suggestions waiting for a decision, the longest waiting first."""
    return (curated_resources_for(user=user).filter(status=ResourceStatus.SUGGESTED)
            .select_related("network").prefetch_related("topics").order_by("created_at", "pk"))


@dataclass(frozen=True)
class CurationCounts:
    waiting: int
    oldest_waiting_since: datetime | None
    published: int
    broken_links: int
    review_overdue: int

    @property
    def oldest_waiting_days(self) -> int | None:
        if self.oldest_waiting_since is None:
            return None
        return (timezone.now() - self.oldest_waiting_since).days


def curation_counts_for(*, user: Any, today: date | None = None) -> CurationCounts:
    """The numbers at the top of the queue, in one query."""
    day = today or timezone.localdate()
    published = Q(status=ResourceStatus.PUBLISHED)
    found = curated_resources_for(user=user).aggregate(
        waiting=Count("pk", filter=Q(status=ResourceStatus.SUGGESTED)),
        oldest=Min("created_at", filter=Q(status=ResourceStatus.SUGGESTED)),
        published=Count("pk", filter=published),
        broken=Count("pk", filter=published & Q(link_status=LinkStatus.BROKEN)),
        overdue=Count("pk", filter=published & Q(review_on__lt=day)),
    )
    return CurationCounts(waiting=found["waiting"], oldest_waiting_since=found["oldest"],
                          published=found["published"], broken_links=found["broken"], review_overdue=found["overdue"])


@dataclass(frozen=True)
class ResourceFilters:
    text: str = ""
    status: str = ""
    language: str = ""
    kind: str = ""
    link: str = ""  # a LinkStatus value
    review: str = ""  # "overdue", "soon" or "none"


def resource_list_for(*, user: Any, filters: ResourceFilters, today: date | None = None) -> QuerySet[Resource]:
    """Every resource of the curator's networks, any status, narrowed by the filters; best match first when
    searching, else by title."""
    day = today or timezone.localdate()
    resources = curated_resources_for(user=user).select_related("network", "curated_by")
    if filters.status:
        resources = resources.filter(status=filters.status)
    if filters.language:
        resources = resources.filter(language=filters.language)
    if filters.kind:
        resources = resources.filter(kind=filters.kind)
    if filters.link:
        resources = resources.filter(link_status=filters.link)
    if filters.review == "overdue":
        resources = resources.filter(review_on__lt=day)
    elif filters.review == "soon":
        resources = resources.filter(review_on__gte=day, review_on__lte=day + timedelta(days=REVIEW_SOON_DAYS))
    elif filters.review == "none":
        resources = resources.filter(review_on__isnull=True)
    if filters.text.strip():
        return search.apply_search(resources, filters.text.strip())
    return resources.order_by("title", "pk")


def resource_page_record(*, user: Any, resources: list[Resource]) -> None:
    """A list page shows suggesters' names to staff: the ledger keeps which records were listed."""
    audit.record_list(user=user, model=Resource, ids=[resource.pk for resource in resources])


def resource_get_for(*, user: Any, resource_id: UUID) -> Resource:
    """One resource of the curator's networks (any status), or 404."""
    resource = access.get_or_404(
        user, CURATE, Resource.objects.select_related("network", "work", "curated_by").prefetch_related("topics"),
        pk=resource_id)
    audit.record_view(user=user, obj=resource)
    return resource


def versions_of(resource: Resource) -> list[Resource]:
    """The other language versions of the same work, any status."""
    return list(Resource.objects.filter(work_id=resource.work_id).exclude(pk=resource.pk).order_by("language"))


def curation_networks_for(*, user: Any, permission: str = CURATE) -> list[Network]:
    return list(access.visible(user, permission, Network.objects.all()).order_by("name"))


def network_for_new(*, user: Any, network_id: Any = None, permission: str = CURATE) -> Network:
    """The network a curator adds to: the one chosen (when they work in several), else their first. 404 when
    they curate nowhere."""
    networks = curation_networks_for(user=user, permission=permission)
    if not networks:
        raise Http404
    if network_id:
        for network in networks:
            if str(network.pk) == str(network_id):
                return network
    primary = getattr(user, "primary_network", None)
    return next((network for network in networks if primary is not None and network.pk == primary.pk), networks[0])


def topics_for(*, network: Network, include: list[Any] | None = None) -> list[Topic]:
    """The topics offered on a form: the network's active ones (the defaults installed the first time), plus any
    retired topic the record already has, so that saving it does not drop them silently."""
    ensure_topics(network)
    extra = Q(pk__in=include) if include else Q(pk__in=[])
    return list(Topic.objects.filter(Q(network=network) & (Q(is_active=True) | extra)).order_by("position", "name_en"))


def topic_list_for(*, user: Any) -> QuerySet[Topic]:
    """Every topic of the administrator's networks (the defaults installed first), with how many resources use
    each."""
    for network in curation_networks_for(user=user, permission=SITE_EDIT):
        ensure_topics(network)
    return (access.visible(user, SITE_EDIT, Topic.objects.all()).select_related("network")
            .annotate(resource_count=Count("resources")).order_by("network__name", "position", "name_en"))


def topic_get_for(*, user: Any, topic_id: UUID) -> Topic:
    return access.get_or_404(user, SITE_EDIT, Topic.objects.select_related("network"), pk=topic_id)

