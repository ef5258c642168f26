"""Measure administrations and their scores over the REST API (/api/v1/administrations/).

Read only. The scope is the web's: "measure.view" (the episode's consultant and their supervisor, the region's
coordinator, the network admin); program staff and evaluators get no rows, and an administration outside the
scope answers 404. Answers are not exposed: scores are what an integration needs, and item answers of
licensed instruments may not leave the network.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import models
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from abrazo.accounts import access
from abrazo.api.base import ScopedListView, ScopedRetrieveView
from abrazo.api.serializers import FastSerializer
from abrazo.measures.administration_selectors import MEASURE_VIEW, administration_get_for
from abrazo.measures.models import Administration, AdministrationStatus, Timepoint


class AdministrationFilterSerializer(serializers.Serializer):
    episode = serializers.UUIDField(required=False)
    instrument = serializers.SlugField(required=False, max_length=64, help_text=_("The instrument's short name."))
    timepoint = serializers.ChoiceField(choices=Timepoint.choices, required=False)
    status = serializers.ChoiceField(choices=AdministrationStatus.choices, required=False)
    completed_after = serializers.DateField(required=False, help_text=_("Completed on or after this day."))
    completed_before = serializers.DateField(required=False, help_text=_("Completed on or before this day."))


class ScoreSerializer(FastSerializer):
    """One scale's stored score. `band` is the band's code in the instrument's scoring rules."""

    key = serializers.CharField()
    raw = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)
    standard_score = serializers.FloatField(allow_null=True)
    percentile = serializers.FloatField(allow_null=True)
    prorated = serializers.BooleanField()
    answered = serializers.IntegerField(allow_null=True)
    missing = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text=_("Why the scale was not scored, when it was not."))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def scores_of(administration: Administration | dict[str, Any]) -> list[dict[str, Any]]:
    """The stored scores as a list in key order, each value typed (the JSON column is not trusted blindly).
    `administration` is an Administration or a `.values()` row holding "scores" (the list's)."""
    stored_scores = administration["scores"] if isinstance(administration, dict) else administration.scores
    rows = []
    for key, stored in sorted((stored_scores or {}).items()):
        stored = stored if isinstance(stored, dict) else {}
        rows.append({
            "key": str(key), "raw": _number(stored.get("raw")), "band": _text(stored.get("band")),
            "standard_score": _number(stored.get("standard_score")), "percentile": _number(stored.get("percentile")),
            "prorated": bool(stored.get("prorated")), "answered": _count(stored.get("answered")),
            "missing": _count(stored.get("missing")), "reason": _text(stored.get("reason")),
        })
    return rows


class AdministrationOutputSerializer(FastSerializer):
    id = serializers.UUIDField()
    instrument = serializers.UUIDField(source="instrument_id")
    instrument_key = serializers.CharField(source="instrument.key")
    instrument_name = serializers.CharField(source="instrument.name_en")
    episode = serializers.UUIDField(source="episode_id", allow_null=True)
    program = serializers.UUIDField(source="program_id", allow_null=True)
    child_code = serializers.SerializerMethodField(help_text=_("The code the program gives the child, if any."))
    respondent_role = serializers.CharField()
    timepoint = serializers.CharField()
    status = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    language = serializers.CharField()
    source = serializers.CharField()
    scores = serializers.SerializerMethodField()

    def get_child_code(self, administration: Administration | dict[str, Any]) -> str | None:
        # The list reads `.values()` dicts (AdministrationList.list_values); the detail an Administration.
        if isinstance(administration, dict):
            return administration["child__code"] if administration["child_id"] else None  # type: ignore[no-any-return]
        return administration.child.code if administration.child_id else None

    # scores_of already gives each entry the typed shape ScoreSerializer documents: no second pass per score.
    @extend_schema_field(ScoreSerializer(many=True))
    def get_scores(self, administration: Administration | dict[str, Any]) -> list[dict[str, Any]]:
        return scores_of(administration)


def administration_queryset(*, user: Any, filters: dict[str, Any]) -> QuerySet[Administration]:
    """Administrations the user may see ("measure.view", as on the episode page), newest first."""
    administrations = access.visible(user, MEASURE_VIEW, Administration.objects.all()).select_related(
        "instrument", "child"
    )
    if filters.get("episode"):
        administrations = administrations.filter(episode_id=filters["episode"])
    if filters.get("instrument"):
        administrations = administrations.filter(instrument__key=filters["instrument"])
    if filters.get("timepoint"):
        administrations = administrations.filter(timepoint=filters["timepoint"])
    if filters.get("status"):
        administrations = administrations.filter(status=filters["status"])
    if filters.get("completed_after"):
        administrations = administrations.filter(completed_on__gte=filters["completed_after"])
    if filters.get("completed_before"):
        administrations = administrations.filter(completed_on__lte=filters["completed_before"])
    return administrations.order_by("-due_on", "-created_at", "id")


def administration_detail(*, user: Any, administration_id: UUID) -> Administration:
    return administration_get_for(user=user, administration_id=administration_id)


# --- Endpoints -------------------------------------------------------------------------------------


class AdministrationList(ScopedListView):
    required_scope = "measures:read"
    permission = MEASURE_VIEW
    filter_serializer_class = AdministrationFilterSerializer
    serializer_class = AdministrationOutputSerializer
    # The page as dicts rather than 500 Administration, Instrument and Child instances (whose garbage made the
    # p95): the columns AdministrationOutputSerializer reads (scores, not answers).
    list_values = (
        "id", "instrument_id", "instrument__key", "instrument__name_en", "episode_id", "program_id", "child_id",
        "child__code", "respondent_role", "timepoint", "status", "due_on", "completed_on", "language", "source",
        "scores",
    )

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Administration]:
        return administration_queryset(user=self.request.user, filters=filters)


class AdministrationDetail(ScopedRetrieveView):
    required_scope = "measures:read"
    permission = MEASURE_VIEW
    serializer_class = AdministrationOutputSerializer
    selector_records_view = True  # administration_get_for audits the view

    def get_scoped_object(self, pk: Any) -> models.Model:
        return administration_detail(user=self.request.user, administration_id=pk)


urlpatterns = [
    path("administrations/", AdministrationList.as_view(), name="measures-administration-list"),
    path("administrations/<uuid:pk>/", AdministrationDetail.as_view(), name="measures-administration-detail"),
]
