"""Reads for the public site (its network, menu, pages, home, sitemap) and for the editors of its pages.

The public site belongs to one network: the one named by the ABRAZO_SITE_NETWORK setting (a slug) if the
deployment sets it, otherwise the first network by name (a single-network deployment has only one), decided by
directory.selectors.public_network like every public page (the library, the forms, voices), so the home's links
lead to the same network. Editors reach only the pages of the networks where they hold "site.edit"; any other
page answers 404 so that its existence is not revealed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from abrazo.accounts import access
from abrazo.directory.models import Network
from abrazo.directory.selectors import public_network
from abrazo.library.models import Page, PageStatus, Resource, ResourceStatus

EDIT = "site.edit"
NEWEST_RESOURCES = 6
HOME_VOICES = 3
# One sitemap file holds at most 50,000 addresses (the sitemaps protocol); past that, the newest resources win.
SITEMAP_LIMIT = 50_000


def site_network() -> Network:
    """The network whose public site this deployment shows (404 when there is no network at all)."""
    return public_network(slug=None)


def library_url() -> str:
    """The library's front page (its root while the library's own pages are not mounted)."""
    try:
        return reverse("library:resource-list")
    except NoReverseMatch:
        return "/library/"


def network_has_pages(*, network: Network) -> bool:
    return Page.objects.filter(network=network).exists()


def _published(network: Network) -> QuerySet[Page]:
    return Page.objects.filter(network=network, status=PageStatus.PUBLISHED)


def menu_pages(*, network: Network) -> list[Page]:
    """The published pages that go in the site menu, in the editors' order."""
    return list(_published(network).filter(in_menu=True).only(
        "pk", "network_id", "slug", "title_en", "title_es", "position").order_by("position", "slug"))


def public_page(*, network: Network, slug: str) -> Page:
    """A published page of the site; a draft or an unknown address is 404 for everyone."""
    return get_object_or_404(_published(network), slug=slug)


def newest_resources(*, network: Network, language: str, limit: int = NEWEST_RESOURCES) -> list[Resource]:
    """The library's newest published resources in the visitor's language, or in any language when there are none
    in it yet (a new library may start with one language)."""
    published = Resource.objects.filter(network=network, status=ResourceStatus.PUBLISHED).only(
        "pk", "title", "summary", "language", "kind", "source_organisation", "published_at", "created_at",
    ).order_by("-published_at", "-created_at", "pk")
    found = list(published.filter(language=language)[:limit])
    return found or list(published[:limit])


def page_list_for(*, user: Any) -> QuerySet[Page]:
    """Every page the editor may change (published and drafts), network by network, in menu order."""
    return access.visible(user, EDIT, Page.objects.select_related("network", "updated_by")).order_by(
        "network__name", "position", "slug")


def page_get_for(*, user: Any, page_id: UUID) -> Page:
    return access.get_or_404(user, EDIT, Page.objects.select_related("network", "updated_by"), pk=page_id)


def editable_networks_for(*, user: Any) -> list[Network]:
    """The networks where the person may write pages (usually one)."""
    return list(access.visible(user, EDIT, Network.objects.all()).order_by("name"))


# --- the sitemap -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    """One address of the sitemap: its path, when it last changed, and its versions in each language
    (language code -> path; "x-default" for the version that follows the visitor's language)."""

    path: str
    lastmod: datetime | None
    alternates: dict[str, str] = field(default_factory=dict)


def sitemap_pages(*, network: Network) -> list[Page]:
    return list(_published(network).only("pk", "slug", "updated_at").order_by("position", "slug"))


def sitemap_resources(*, network: Network, limit: int) -> list[SitemapEntry]:
    """Each published resource (one language version each), with its published translations as alternates."""
    rows = list(Resource.objects.filter(network=network, status=ResourceStatus.PUBLISHED)
                .order_by("-published_at", "-created_at", "pk")
                .values_list("pk", "work_id", "language", "updated_at")[:limit])
    by_work: dict[UUID, dict[str, str]] = defaultdict(dict)
    paths: dict[UUID, str] = {}
    for pk, work_id, language, _updated in rows:
        paths[pk] = Resource(pk=pk).get_absolute_url()
        by_work[work_id].setdefault(language, paths[pk])
    entries = []
    for pk, work_id, _language, updated in rows:
        versions = by_work[work_id]
        entries.append(SitemapEntry(path=paths[pk], lastmod=updated,
                                    alternates=dict(versions) if len(versions) > 1 else {}))
    return entries
