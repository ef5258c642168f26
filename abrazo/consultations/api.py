"""Episodes and their contacts over the REST API (/api/v1/episodes/).

The API reads through the same selectors as the web and with the same permissions: an episode outside the
caller's scope answers 404, program staff see episodes but never contacts, and contact notes reach only the
people holding "episode.notes" (the consultant and their supervisor). Writes go through `services.contact_log`,
so the API and the quick-log form refuse the same things.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from abrazo.accounts import access
from abrazo.api.base import ScopedCreateView, ScopedListView, ScopedRetrieveView
from abrazo.api.schema import ErrorSerializer
from abrazo.api.serializers import FastSerializer
from abrazo.audit import services as audit
from abrazo.consultations import selectors, services
from abrazo.consultations.models import (
    FINISHED_PHASES,
    ActivityType,
    Contact,
    Episode,
    EpisodeType,
    Modality,
    ParticipantRole,
    Phase,
    Topic,
)
from abrazo.directory.models import Language

EPISODE_VIEW = "episode.view"
EPISODE_WORK = "episode.work"
EPISODE_NOTES = "episode.notes"
EPISODE_MANAGE = "episode.manage"


class EpisodeStatus:
    OPEN = "open"
    CLOSED = "closed"
    CHOICES = [(OPEN, _("Open")), (CLOSED, _("Closed or followed up"))]


# --- Serializers -----------------------------------------------------------------------------------


class EpisodeFilterSerializer(serializers.Serializer):
    """Query parameters of the episode list; unknown values are refused with 400, never ignored."""

    status = serializers.ChoiceField(choices=EpisodeStatus.CHOICES, required=False)
    type = serializers.ChoiceField(choices=EpisodeType.choices, required=False)
    phase = serializers.ChoiceField(choices=Phase.choices, required=False)
    program = serializers.UUIDField(required=False)
    consultant = serializers.UUIDField(required=False, help_text=_("The consultant's profile id."))
    opened_after = serializers.DateField(required=False, help_text=_("Opened on or after this local day."))
    opened_before = serializers.DateField(required=False, help_text=_("Opened on or before this local day."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after, before = attrs.get("opened_after"), attrs.get("opened_before")
        if after and before and before < after:
            raise serializers.ValidationError({"opened_before": _("The period ends before it starts.")})
        return attrs


class EpisodeOutputSerializer(FastSerializer):
    id = serializers.UUIDField()
    episode_type = serializers.CharField()
    phase = serializers.CharField()
    status = serializers.SerializerMethodField()
    program = serializers.UUIDField(source="program_id")
    program_name = serializers.CharField(source="program.name")
    classroom = serializers.UUIDField(source="classroom_id", allow_null=True)
    child_code = serializers.CharField(help_text=_("The code the program uses for the child; empty if none."))
    consultant = serializers.UUIDField(source="consultant_id")
    consultant_name = serializers.CharField(source="consultant.user.full_name")
    language = serializers.CharField(source="language_id", allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_status(self, episode: Episode | dict[str, Any]) -> str:
        # The list reads `.values()` dicts (EpisodeList.list_values); the detail reads an Episode.
        phase = episode["phase"] if isinstance(episode, dict) else episode.phase
        return EpisodeStatus.CLOSED if phase in FINISHED_PHASES else EpisodeStatus.OPEN


class ContactOutputSerializer(FastSerializer):
    id = serializers.UUIDField()
    episode = serializers.UUIDField(source="episode_id")
    contact_date = serializers.DateField()
    minutes = serializers.IntegerField()
    minutes_in_classroom = serializers.IntegerField()
    minutes_meeting = serializers.IntegerField()
    modality = serializers.CharField()
    activity_type = serializers.CharField()
    participants = serializers.ListField(child=serializers.CharField())
    topics = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField(source="language_id")
    notes = serializers.SerializerMethodField(
        help_text=_("Only for the consultant and their supervisor; null for everyone else.")
    )

    def get_notes(self, contact: Contact) -> str | None:
        # Notes were not even loaded (deferred) for readers who may not see them.
        return contact.notes if self.context.get("with_notes") else None


class ContactInputSerializer(serializers.Serializer):
    contact_date = serializers.DateField()
    minutes = serializers.IntegerField(min_value=1, max_value=600)
    minutes_in_classroom = serializers.IntegerField(
        min_value=0, max_value=600, required=False, allow_null=True,
        help_text=_("Leave out: observation and modelling count as classroom time, everything else as meeting "
                    "time."),
    )
    modality = serializers.ChoiceField(choices=Modality.choices)
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    # Multiple-choice fields rather than lists of choices: a wrong code is then reported on the field itself
    # ("topics": [...]), in the one error shape the document describes, not keyed by its position in the list.
    participants = serializers.MultipleChoiceField(choices=ParticipantRole.choices, required=False)
    topics = serializers.MultipleChoiceField(choices=Topic.choices, required=False)
    # A code checked as text first (a NUL byte is refused here with 400; PostgreSQL would fail on it), then looked up.
    language = serializers.CharField(max_length=8, help_text=_("The language used, by code (en, es...)."))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20_000, trim_whitespace=True)

    def validate_language(self, code: str) -> Language:
        language = Language.objects.filter(code=code).first()
        if language is None:
            raise serializers.ValidationError(_("No language has this code."), code="does_not_exist")
        return language


# --- Reads -----------------------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    """Periods are counted in the site's local days, as on the web's reports."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def episode_queryset(*, user: Any, filters: dict[str, Any]) -> QuerySet[Episode]:
    """The episode list of the web (selectors.episode_list_for), narrowed by the validated filters."""
    episodes = selectors.episode_list_for(user=user, phase=filters.get("phase", "")).select_related(
        "program", "consultant__user"
    )
    status = filters.get("status")
    if status == EpisodeStatus.OPEN:
        episodes = episodes.open()
    elif status == EpisodeStatus.CLOSED:
        episodes = episodes.filter(phase__in=FINISHED_PHASES)
    if filters.get("type"):
        episodes = episodes.filter(episode_type=filters["type"])
    if filters.get("program"):
        episodes = episodes.filter(program_id=filters["program"])
    if filters.get("consultant"):
        episodes = episodes.filter(consultant_id=filters["consultant"])
    if filters.get("opened_after"):
        episodes = episodes.filter(opened_at__gte=_local_midnight(filters["opened_after"]))
    if filters.get("opened_before"):
        episodes = episodes.filter(opened_at__lt=_local_midnight(filters["opened_before"] + dt.timedelta(days=1)))
    return episodes


def contacts_for(*, user: Any, episode_id: UUID) -> tuple[Episode, QuerySet[Contact], bool]:
    """The episode's contacts for a reader with clinical sight of it (notes only with "episode.notes").

    404 outside the scope (so existence is not revealed); 403 for someone who sees the episode but not its
    clinical record (program staff)."""
    episode = selectors.episode_get_for(user=user, episode_id=episode_id)
    with_notes = access.can(user, EPISODE_NOTES, episode)
    if not with_notes and not access.can(user, EPISODE_MANAGE, episode):
        raise PermissionDenied(EPISODE_NOTES)
    contacts = Contact.objects.filter(episode=episode).order_by("-contact_date", "-created_at", "id")
    if not with_notes:
        contacts = contacts.defer("notes")  # never decrypted for people who may not read them
    return episode, contacts, with_notes


def _in_order(chosen: set[str], codes: list[str]) -> list[str]:
    """The chosen codes in the order of their choices, so that what is stored does not depend on a set's order."""
    return [code for code in codes if code in chosen]


def contact_create(*, user: Any, episode_id: UUID, data: dict[str, Any]) -> Contact:
    """Log a contact through the service; its ValidationErrors become 400 answers in the view."""
    episode = selectors.episode_get_for(user=user, episode_id=episode_id, permission=EPISODE_WORK)
    return services.contact_log(
        actor=user, episode=episode, contact_date=data["contact_date"], minutes=data["minutes"],
        modality=data["modality"], activity_type=data["activity_type"], language=data["language"],
        participants=_in_order(data.get("participants", set()), ParticipantRole.values),
        topics=_in_order(data.get("topics", set()), Topic.values), notes=data.get("notes", ""),
        minutes_in_classroom=data.get("minutes_in_classroom"),
    )


def record_contacts_read(*, user: Any, contacts: list[Contact], with_notes: bool) -> None:
    """Audit the page of contacts: as a view when notes were returned (clinical text left Abrazo)."""
    audit.record_list(user=user, model=Contact, ids=[c.pk for c in contacts], action="view" if with_notes else "list")



# --- Endpoints -------------------------------------------------------------------------------------


class EpisodeList(ScopedListView):
    """Episodes the caller may see (program staff their program's, consultants their own...), newest first."""

    required_scope = "episodes:read"
    permission = EPISODE_VIEW
    filter_serializer_class = EpisodeFilterSerializer
    serializer_class = EpisodeOutputSerializer
    # The page as dicts, not 500 Episode/Program/Profile/User instances each (whose garbage made the p95): the
    # columns EpisodeOutputSerializer reads, by its sources ("program.name" -> "program__name").
    list_values = (
        "id", "episode_type", "phase", "program_id", "program__name", "classroom_id", "child_code", "consultant_id",
        "consultant__user__full_name", "language_id", "opened_at", "closed_at",
    )

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Episode]:
        return episode_queryset(user=self.request.user, filters=filters)


class EpisodeDetail(ScopedRetrieveView):
    required_scope = "episodes:read"
    permission = EPISODE_VIEW
    serializer_class = EpisodeOutputSerializer
    selector_records_view = True  # episode_get_for audits the view

    def get_scoped_object(self, pk: Any) -> models.Model:
        return selectors.episode_get_for(user=self.request.user, episode_id=pk)


_ERROR = OpenApiResponse(ErrorSerializer, description="An error; see docs/api.md.")


# The generic schema does not know that a nested list or create answers 404 for an episode out of scope.
@extend_schema_view(
    get=extend_schema(responses={200: ContactOutputSerializer(many=True), 400: _ERROR, 401: _ERROR, 403: _ERROR,
                                 404: _ERROR, 429: _ERROR}),
    post=extend_schema(request=ContactInputSerializer,
                       responses={201: ContactOutputSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR,
                                  409: _ERROR, 422: _ERROR, 429: _ERROR}),
)
class EpisodeContacts(ScopedListView, ScopedCreateView):
    """GET: the episode's contacts (consultant, supervisor, coordinator, admin; notes for the first two only).
    POST: log a contact (the episode's consultant), with an optional Idempotency-Key header."""

    required_scope: ClassVar[str | dict[str, str] | None] = {
        "GET": "episodes:read", "HEAD": "episodes:read", "OPTIONS": "episodes:read", "POST": "episodes:write"}
    serializer_class = ContactOutputSerializer
    input_serializer_class = ContactInputSerializer

    @property
    def permission(self) -> str:  # type: ignore[override]
        return EPISODE_WORK if self.request.method == "POST" else EPISODE_VIEW

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _episode, contacts, with_notes = contacts_for(user=request.user, episode_id=kwargs["pk"])
        self._with_notes = with_notes
        paginator = self.paginator
        assert paginator is not None
        rows = paginator.paginate_queryset(contacts, request, view=self)
        record_contacts_read(user=request.user, contacts=rows, with_notes=with_notes)
        return paginator.get_paginated_response(self.get_serializer(rows, many=True).data)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._with_notes = True  # the author wrote the notes; they hold "episode.notes" on their episode
        return self.create(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "with_notes": getattr(self, "_with_notes", False)}

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Contact]:
        raise NotImplementedError("contacts are read through contacts_for, which also decides on notes")

    def perform_create_from(self, data: dict[str, Any]) -> models.Model:
        return contact_create(user=self.request.user, episode_id=self.kwargs["pk"], data=data)

    def check_create_target(self) -> None:
        # A replayed contact answer holds its notes: only while the caller still works this episode (404 otherwise).
        access.get_or_404(self.request.user, EPISODE_WORK, Episode.objects.all(), pk=self.kwargs["pk"])


urlpatterns = [
    path("episodes/", EpisodeList.as_view(), name="consultations-episode-list"),
    path("episodes/<uuid:pk>/", EpisodeDetail.as_view(), name="consultations-episode-detail"),
    path("episodes/<uuid:pk>/contacts/", EpisodeContacts.as_view(), name="consultations-episode-contacts"),
]
