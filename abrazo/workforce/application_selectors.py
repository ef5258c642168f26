"""Every read of the applications area that a view needs.

The public side reads cohorts only (which are taking applications, which counties an applicant may live
in). The review side reads applications, which hold applicants' demographics: they are reached through
"application.review" only, scoped by accounts.access, audited on every list and every view, and answer
404 outside the reader's scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.directory.models import County, Network, Region
from abrazo.directory.selectors import public_network
from abrazo.intake.selectors import request_form_counties
from abrazo.workforce.application_services import REVIEW, places_taken
from abrazo.workforce.models import (
    Application,
    ApplicationStatus,
    Cohort,
    CohortStatus,
    Participant,
    ParticipantStatus,
)

# --- The public side ------------------------------------------------------------------------------


def apply_network(*, slug: str | None, user: Any) -> Network:
    """The network whose cohorts are listed: the one in the URL, else the signed-in person's, else as every
    public page decides (directory.selectors.public_network)."""
    return public_network(slug=slug, user=user)


def application_counties(*, network: Network) -> QuerySet[County]:
    """The counties an applicant may choose: the network's own (the same list as the public request form)."""
    return request_form_counties(network=network)


def cohort_description(cohort: Cohort, language: str | None = None) -> str:
    """The cohort's description in the page's language, the other language when only that one is written."""
    spanish = (language or get_language() or "en").startswith("es")
    first, second = (cohort.description_es, cohort.description_en) if spanish else (
        cohort.description_en, cohort.description_es)
    return first or second


@dataclass(frozen=True)
class CohortCard:
    cohort: Cohort
    description: str
    places_left: int


def _open_cohorts(today: date) -> QuerySet[Cohort]:
    return Cohort.objects.filter(status=CohortStatus.RECRUITING).filter(
        Q(applications_close_on__isnull=True) | Q(applications_close_on__gte=today)
    )


def open_cohort_cards(*, network: Network, today: date | None = None) -> list[CohortCard]:
    """The network's cohorts taking applications, the soonest to close first."""
    day = today or timezone.localdate()
    cohorts = list(
        _open_cohorts(day).filter(network=network).select_related("region")
        .annotate(taken=Count("participants", filter=~Q(participants__status=ParticipantStatus.WITHDRAWN)))
        .order_by(F("applications_close_on").asc(nulls_last=True), "starts_on", "name")
    )
    return [
        CohortCard(cohort=cohort, description=cohort_description(cohort),
                   places_left=max(0, cohort.capacity - cohort.taken))  # type: ignore[attr-defined]
        for cohort in cohorts
    ]


def public_cohort_get(*, cohort_id: UUID) -> Cohort:
    """A cohort for its public application page. Planned cohorts are not announced yet, so they do not exist
    for the public; a cohort that has stopped taking applications is returned (the page says it is closed)."""
    cohort = get_object_or_404(Cohort.objects.select_related("network", "region"), pk=cohort_id)
    if cohort.status == CohortStatus.PLANNED:
        raise Http404
    return cohort


# --- Review -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationFilters:
    cohort_id: UUID | None = None
    status: str = ""
    region_id: UUID | None = None


def review_cohorts_for(*, user: Any) -> QuerySet[Cohort]:
    """Cohorts whose applications the user may review: the whole network's for an admin, their region's
    cohorts for a coordinator (network-wide cohorts are reviewed by network staff)."""
    return access.visible(user, REVIEW, Cohort.objects.all()).order_by("-starts_on", "name")


def review_regions_for(*, user: Any) -> QuerySet[Region]:
    """Regions an applicant may come from, for the filter: every region of the reviewer's networks."""
    networks = {membership.network_id for membership in getattr(user, "active_memberships", [])}
    return Region.objects.filter(network_id__in=networks).order_by("name")


def _reviewable(user: Any) -> QuerySet[Application]:
    return access.visible(user, REVIEW, Application.objects.all())


def _filtered(user: Any, filters: ApplicationFilters, *, with_status: bool) -> QuerySet[Application]:
    applications = _reviewable(user)
    if filters.cohort_id is not None:
        applications = applications.filter(cohort_id=filters.cohort_id)
    if filters.region_id is not None:
        applications = applications.filter(region_id=filters.region_id)
    if with_status and filters.status:
        applications = applications.filter(status=filters.status)
    return applications


def application_list_for(*, user: Any, filters: ApplicationFilters) -> QuerySet[Application]:
    """Applications the user may review, newest first; not evaluated. Demographic fields are deferred: the
    list never shows them, and they are read on the application's own page only."""
    return (
        _filtered(user, filters, with_status=True)
        .select_related("cohort", "county", "region")
        .defer("race_ethnicity", "gender", "gender_self_described", "lived_experience")
        .order_by("-created_at", "id")
    )


def application_status_counts(*, user: Any, filters: ApplicationFilters) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, within the cohort and region filters (not the status one)."""
    counted = dict(
        _filtered(user, filters, with_status=False).order_by().values_list("status").annotate(n=Count("id"))
    )
    return [(value, str(label), int(counted.get(value, 0))) for value, label in ApplicationStatus.choices]


def application_page_record(*, user: Any, applications: Sequence[Application]) -> None:
    audit.record_list(user=user, model=Application, ids=[application.pk for application in applications])


def application_get_for(*, user: Any, application_id: UUID) -> Application:
    """The application if the user may review it; otherwise 404. Every read is written to the ledger."""
    application = access.get_or_404(
        user, REVIEW,
        Application.objects.select_related("cohort__network", "cohort__region", "county", "region", "reviewed_by")
        .prefetch_related("languages"),
        pk=application_id,
    )
    audit.record_view(user=user, obj=application)
    return application


def application_participant(*, application: Application) -> Participant | None:
    """The participant this application was enrolled as, if any (reached through the application's scope)."""
    return Participant.objects.filter(application=application).first()


def cohort_places(*, cohort: Cohort) -> tuple[int, int]:
    """(places taken, capacity) of a cohort."""
    return places_taken(cohort), cohort.capacity
