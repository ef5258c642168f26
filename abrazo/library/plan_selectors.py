"""Reads for resources in an episode's work: what is attached to the action plan, what was sent to whom, and
the published resources a consultant may attach.

Who sees what follows the episode page (consultations/selectors.py), whose resources section these feed:
- the attached resources are part of the action plan, so everyone who sees the episode sees them (program staff
  included, like the goals);
- the list of what was sent (which resource, to whom by name, when, by whom) likewise;
- the recipient's email address and the consultant's note to them are personal data, shown only to those who
  work the episode or see its contacts (the consultant, their supervisor, the coordinator, the administrator).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.consultations import selectors as episodes
from abrazo.consultations.models import ActionPlan, Episode
from abrazo.library import search
from abrazo.library.models import Audience, PlanResource, Resource, ResourceShare

WORK = "episode.work"


def plan_episode_get_for(*, user: Any, episode_id: UUID) -> Episode:
    """The episode whose plan the user may change (the assigned consultant); 404 otherwise."""
    return episodes.episode_get_for(user=user, episode_id=episode_id, permission=WORK)


def plan_of(episode: Episode) -> ActionPlan | None:
    return ActionPlan.objects.filter(episode=episode).first()


def plan_resource_get_for(*, user: Any, link_id: UUID) -> PlanResource:
    """An attached resource of an episode the user works; 404 otherwise, so existence is not revealed."""
    worked = Episode.objects.visible_to(user, WORK).values("pk")
    queryset = PlanResource.objects.select_related(
        "resource", "plan__episode__program", "plan__episode__language").filter(plan__episode__in=worked)
    link = queryset.filter(pk=link_id).first()
    if link is None:
        audit.record_denied(user=user, object_type="library.planresource", object_id=str(link_id))
        raise Http404
    audit.record_view(user=user, obj=link)
    return link


def attachable_resource(*, episode: Episode, resource_id: UUID | None) -> Resource | None:
    """The published resource of the episode's network with this id, or None."""
    if resource_id is None:
        return None
    return Resource.objects.published().filter(network_id=episode.network_id, pk=resource_id).first()


def attachable_resources_for(
    *, user: Any, episode: Episode, plan: ActionPlan | None, text: str = "", language: str = "", audience: str = "",
) -> QuerySet[Resource]:
    """Published resources of the episode's network, narrowed by the search words (best match first) and by
    language and audience, each annotated `in_plan` when it is already attached. `user` must work the episode
    (the caller got it through plan_episode_get_for)."""
    resources = Resource.objects.published().filter(network_id=episode.network_id)
    if language in dict(settings.LANGUAGES):
        resources = resources.filter(language=language)
    if audience in Audience.values:
        resources = resources.for_audience(audience)
    if plan is not None:
        resources = resources.annotate(in_plan=Exists(PlanResource.objects.filter(plan=plan, resource=OuterRef("pk"))))
    words = text.strip()
    if words:
        return search.apply_search(resources, words)
    return resources.order_by("title", "pk")


def published_languages(resource: Resource) -> list[str]:
    """The languages the resource can be sent in: its published versions (translations of one another)."""
    return sorted(set(
        Resource.objects.published().filter(work_id=resource.work_id).values_list("language", flat=True)))


@dataclass
class EpisodeResources:
    """What the episode page shows of resources, already cut to the reader's level of sight."""

    episode: Episode
    has_plan: bool
    may_work: bool
    may_see_contacts: bool
    links: list[PlanResource] = field(default_factory=list)
    shares: list[ResourceShare] = field(default_factory=list)


def episode_resources_for(*, user: Any, episode_id: UUID) -> EpisodeResources:
    """The resources attached to the episode's plan and what was sent from it, cut to what the user may see of
    the episode; 404 when they may not see it at all. The episode page already recorded the view of the episode;
    the list of shares is recorded here when it shows email addresses."""
    episode = access.get_or_404(user, "episode.view", Episode.objects.all(), pk=episode_id)
    may_work = access.can(user, WORK, episode)
    # Emails and notes to recipients go where the episode's contacts go (consultations.selectors: "clinical").
    may_see_contacts = may_work or any(access.can(user, permission, episode)
                                       for permission in ("episode.notes", "episode.manage"))
    links = list(PlanResource.objects.filter(plan__episode=episode).select_related("resource", "added_by"))
    # Whether a plan exists matters only to offer attaching; links imply one, so ask only when there are none.
    has_plan = bool(links) or (may_work and ActionPlan.objects.filter(episode=episode).exists())
    shares = ResourceShare.objects.filter(episode=episode).select_related("resource", "sent_by")
    if not may_see_contacts:
        # Never even read for people who may not see them.
        shares = shares.defer("recipient_email", "message")
    section = EpisodeResources(episode=episode, has_plan=has_plan, may_work=may_work,
                               may_see_contacts=may_see_contacts, links=links, shares=list(shares))
    if section.shares and may_see_contacts:
        audit.record_list(user=user, model=ResourceShare, ids=[share.pk for share in section.shares],
                          action=Action.VIEW)
    else:
        # The section is a request of its own (HTMX, or a page without JavaScript): it leaves its own event.
        audit.record_view(user=user, obj=episode)
    return section
