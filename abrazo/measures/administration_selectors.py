"""Every read of administrations that a view needs, scoped by the reader and audited.

Administrations are reached through `measure.view` (the episode's consultant, their supervisor, the
region's coordinator, the network admin) and changed through `measure.record` (the consultant, an admin
correcting). An episode's measures are read with the same permission on the episode itself, so the page
of an episode without any administration yet still answers 404 outside the reader's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.consultations.models import Episode
from abrazo.directory.models import ProgramStaff
from abrazo.measures import specs
from abrazo.measures.administrations import _choice_labels, needs_consent
from abrazo.measures.models import Administration, AdministrationStatus, Instrument, Scale, Timepoint

MEASURE_VIEW = "measure.view"
MEASURE_RECORD = "measure.record"
TIMEPOINT_ORDER = [Timepoint.PRE, Timepoint.POST, Timepoint.FOLLOW_UP, Timepoint.OTHER]


def _administrations() -> QuerySet[Administration]:
    return Administration.objects.select_related("instrument", "episode__program", "episode__consultant__user",
                                                 "respondent_staff", "program")


def administration_get_for(*, user: Any, administration_id: UUID, permission: str = MEASURE_VIEW) -> Administration:
    """The administration if the user holds `permission` on it; otherwise 404."""
    administration = access.get_or_404(user, permission, _administrations(), pk=administration_id)
    audit.record_view(user=user, obj=administration)
    return administration


def current_version_of(*, administration: Administration) -> int:
    return int(Administration.objects.filter(pk=administration.pk).values_list("version", flat=True).get())


@dataclass(frozen=True)
class ScoreRow:
    key: str
    name: str
    raw: float | None
    band: str | None
    standard_score: float | None
    percentile: float | None
    prorated: bool
    answered: int | None
    missing: int | None
    reason: str | None


def score_rows(administration: Administration, scales: list[Scale] | None = None) -> list[ScoreRow]:
    """The stored scores in the instrument's scale order, bands in the reader's language."""
    language = get_language() or "en"
    scales = scales if scales is not None else list(administration.instrument.scales.all())
    rows = []
    for scale in scales:
        stored = (administration.scores or {}).get(scale.key)
        if stored is None:
            continue
        rows.append(ScoreRow(
            key=scale.key, name=scale.name, raw=stored.get("raw"),
            band=specs.band_label(scale, stored.get("band"), language),
            standard_score=stored.get("standard_score"), percentile=stored.get("percentile"),
            prorated=bool(stored.get("prorated")), answered=stored.get("answered"), missing=stored.get("missing"),
            reason=stored.get("reason"),
        ))
    return rows


@dataclass(frozen=True)
class AnswerRow:
    key: str
    label: str
    answer: str
    section: str


def answer_rows(administration: Administration) -> list[AnswerRow]:
    """Each answered item with its wording and the answer as the respondent saw it (choice labels)."""
    answers = administration.answers or {}
    rows = []
    if administration.instrument.scores_only:
        for scale in administration.instrument.scales.all():
            if scale.key in answers:
                rows.append(AnswerRow(scale.key, scale.name, str(answers[scale.key]), ""))
        return rows
    section = ""
    for item in administration.instrument.items.all():
        section = item.section_header or section
        if item.key not in answers:
            continue
        value = answers[item.key]
        labels = dict(_choice_labels(item))
        if isinstance(value, list):
            shown = "; ".join(labels.get(str(code), str(code)) for code in value)
        else:
            shown = labels.get(str(value), str(value))
            if str(value) in labels and item.field_type not in ("yesno", "truefalse"):
                shown = f"{value} = {shown}"
        rows.append(AnswerRow(item.key, item.label or item.key, shown, section))
    return rows


@dataclass
class AdministrationRow:
    administration: Administration
    scores: list[ScoreRow]
    overdue: bool


@dataclass
class TimepointGroup:
    timepoint: str
    label: str
    rows: list[AdministrationRow] = field(default_factory=list)


@dataclass
class EpisodeMeasures:
    episode: Episode
    groups: list[TimepointGroup]
    may_record: bool
    total: int


def _grouped(user: Any, episode: Episode) -> tuple[list[TimepointGroup], int]:
    from django.utils import timezone

    today = timezone.localdate()
    administrations = list(
        access.visible(user, MEASURE_VIEW, Administration.objects.filter(episode=episode))
        .select_related("instrument", "respondent_staff")
        .prefetch_related("instrument__scales")
        .order_by("due_on", "created_at")
    )
    audit.record_list(user=user, model=Administration, ids=[a.pk for a in administrations])
    groups: dict[str, TimepointGroup] = {
        timepoint: TimepointGroup(timepoint, str(Timepoint(timepoint).label)) for timepoint in TIMEPOINT_ORDER
    }
    for administration in administrations:
        overdue = (administration.status == AdministrationStatus.SCHEDULED and administration.due_on is not None
                   and administration.due_on < today)
        groups[administration.timepoint].rows.append(AdministrationRow(
            administration, score_rows(administration, list(administration.instrument.scales.all())), overdue))
    return [group for group in groups.values() if group.rows], len(administrations)


def episode_measures_for(*, user: Any, episode_id: UUID) -> EpisodeMeasures:
    """An episode's administrations by time point, for a reader holding `measure.view` on the episode."""
    episode = access.get_or_404(
        user, MEASURE_VIEW, Episode.objects.select_related("program", "consultant__user"), pk=episode_id)
    audit.record_view(user=user, obj=episode)
    groups, total = _grouped(user, episode)
    return EpisodeMeasures(episode, groups, access.can(user, MEASURE_RECORD, episode), total)


def episode_section_for(*, user: Any, episode: Episode) -> EpisodeMeasures | None:
    """The context of the "Measures" section of the episode page, or None when the reader may not see
    measures there (program staff, say), in which case the section is not shown at all."""
    if not access.has_permission(user, MEASURE_VIEW) or not access.can(user, MEASURE_VIEW, episode):
        return None
    groups, total = _grouped(user, episode)
    return EpisodeMeasures(episode, groups, access.can(user, MEASURE_RECORD, episode), total)


def episode_to_record(*, user: Any, episode_id: UUID) -> Episode:
    """The episode on which the user may schedule measures, or 404."""
    episode = access.get_or_404(user, MEASURE_RECORD, Episode.objects.select_related("program"), pk=episode_id)
    audit.record_view(user=user, obj=episode)
    return episode


def instruments_for_episode(*, episode: Episode) -> QuerySet[Instrument]:
    """The instruments that may be scheduled on the episode: Abrazo's own and the network's, active."""
    return Instrument.objects.filter(Q(network__isnull=True) | Q(network_id=episode.network_id), is_active=True)


def respondents_for_episode(*, episode: Episode) -> QuerySet[ProgramStaff]:
    return ProgramStaff.objects.filter(program_id=episode.program_id).order_by("full_name")


def consent_needed(*, administration: Administration) -> bool:
    return needs_consent(administration)
