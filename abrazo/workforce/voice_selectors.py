"""Reads for curating "voices from the field" (feedback.curate) and for the public page that shows them.

Curators read the free-text comments of completed satisfaction and training feedback surveys of their network,
whether or not their authors agreed to publication: reading them is how the network learns. Each comment
says whether its author agreed ("May we share your comments publicly, without your name?" answered yes);
only those may become a voice. The list never names the author: not the participant of a cohort, not the
teacher who answered after consultation; it says what the survey was about. Every list and every comment
opened is audited.

The public page reads published voices only, with nothing but the quote, its language and its attribution.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.directory.models import Network
from abrazo.measures.models import Administration, AdministrationStatus, Item
from abrazo.measures.shipped import SATISFACTION, SHARE_COMMENT_ITEMS, SHARE_COMMENT_YES, TRAINING_FEEDBACK
from abrazo.workforce.models import FeedbackContext, Voice, VoiceStatus

CURATE = "feedback.curate"


@dataclass(frozen=True)
class CommentSource:
    """Where an instrument keeps its comments and its author's answer about publication."""

    instrument_key: str
    share_item: str
    comment_items: tuple[str, ...]


def _source(definition: dict[str, Any]) -> CommentSource:
    share = next(item["key"] for item in definition["items"] if item["key"] in SHARE_COMMENT_ITEMS)
    return CommentSource(definition["key"], share, SHARE_COMMENT_ITEMS[share])


SOURCES: dict[str, CommentSource] = {
    definition["key"]: _source(definition) for definition in (SATISFACTION, TRAINING_FEEDBACK)
}
COMMENT_KEYS: tuple[str, ...] = tuple(key for source in SOURCES.values() for key in source.comment_items)
CONSENTED = Q()
for _source_row in SOURCES.values():
    CONSENTED |= Q(**{f"answers__{_source_row.share_item}": SHARE_COMMENT_YES})


def consent_of(administration: Administration) -> bool | None:
    """True when the author agreed to publication, False when they said no, None when they did not answer
    (which is a no, said differently on the page)."""
    source = SOURCES.get(administration.instrument.key)
    if source is None:
        return None
    value = (administration.answers or {}).get(source.share_item)
    if value in (None, ""):
        return None
    return str(value) == SHARE_COMMENT_YES


def context_of(administration: Administration) -> str:
    request = getattr(administration, "feedback_request", None)
    return request.context if request is not None else FeedbackContext.EPISODE


# --- the comments --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentFilters:
    consenting_only: bool = False
    context: str = ""  # "" = every context
    language: str = ""  # "" = every language


def _base(user: Any) -> QuerySet[Administration]:
    return access.visible(user, CURATE, Administration.objects.filter(
        status=AdministrationStatus.COMPLETED, instrument__network__isnull=True, instrument__key__in=list(SOURCES),
    ))


def comment_queryset_for(*, user: Any, filters: CommentFilters) -> QuerySet[Administration]:
    """Completed surveys with at least one comment, newest first (for pagination)."""
    queryset = _base(user).filter(answers__has_any_keys=list(COMMENT_KEYS))
    if filters.consenting_only:
        queryset = queryset.filter(CONSENTED)
    if filters.context == FeedbackContext.EPISODE:
        queryset = queryset.filter(feedback_request__isnull=True, episode__isnull=False)
    elif filters.context:
        queryset = queryset.filter(feedback_request__context=filters.context)
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    return queryset.select_related(
        "instrument", "program__region", "feedback_request__cohort__region", "feedback_request__session",
        "feedback_request__group__region",
    ).order_by("-completed_on", "-created_at", "pk")


@dataclass
class Comment:
    item_key: str
    question: str
    text: str


@dataclass
class CommentRow:
    administration: Administration
    context: str
    about: str  # what the survey was about, never who answered
    region: str
    completed_on: dt.date | None
    language: str
    consent: bool | None
    comments: list[Comment]
    voices: list[Voice] = field(default_factory=list)

    @property
    def may_publish(self) -> bool:
        return self.consent is True

    @property
    def context_label(self) -> str:
        return str(FeedbackContext(self.context).label)


def _questions(keys: set[str]) -> dict[str, str]:
    spanish = (get_language() or "en").startswith("es")
    rows = Item.objects.filter(instrument__network__isnull=True, key__in=keys).values("key", "label_en", "label_es")
    return {row["key"]: (row["label_es"] if spanish and row["label_es"] else row["label_en"]) for row in rows}


def _about(administration: Administration) -> tuple[str, str]:
    """What the survey was about and its region, as curators may read them (no person's name)."""
    request = getattr(administration, "feedback_request", None)
    if request is not None and request.cohort is not None:
        about = request.cohort.name if request.session is None else f"{request.cohort.name} · {request.session}"
        return about, request.cohort.region.name if request.cohort.region else ""
    if request is not None and request.group is not None:
        return request.group.name, request.group.region.name
    program = administration.program
    return (program.name if program else _("Consultation"), program.region.name if program and program.region
            else "")


def comment_rows(*, user: Any, administrations: list[Administration]) -> list[CommentRow]:
    """The comments of one page of surveys, with the voices already made from them; the list is audited."""
    questions = _questions(set(COMMENT_KEYS))
    voices: dict[UUID, list[Voice]] = {}
    for voice in Voice.objects.filter(administration__in=administrations).order_by("created_at"):
        voices.setdefault(voice.administration_id, []).append(voice)  # type: ignore[arg-type]
    rows = []
    for administration in administrations:
        source = SOURCES[administration.instrument.key]
        answers = administration.answers or {}
        comments = [Comment(key, questions.get(key, key), str(answers[key])) for key in source.comment_items
                    if str(answers.get(key) or "").strip()]
        about, region = _about(administration)
        rows.append(CommentRow(
            administration=administration, context=context_of(administration), about=about, region=region,
            completed_on=administration.completed_on, language=administration.language,
            consent=consent_of(administration), comments=comments, voices=voices.get(administration.pk, []),
        ))
    audit.record_list(user=user, model=Administration, ids=[row.administration.pk for row in rows])
    return rows


def administration_for_voice(*, user: Any, administration_id: UUID) -> CommentRow:
    """One survey's comments for making a voice from them; 404 outside the curator's networks. Audited."""
    administration = access.get_or_404(user, CURATE, _base(user).select_related(
        "instrument", "network", "program__region", "feedback_request__cohort__region", "feedback_request__session",
        "feedback_request__group__region",
    ), pk=administration_id)
    audit.record_view(user=user, obj=administration)
    rows = comment_rows(user=user, administrations=[administration])
    return rows[0]


# --- voices --------------------------------------------------------------------------------------------


def voice_queryset_for(*, user: Any) -> QuerySet[Voice]:
    """Every voice of the curator's networks, in the order the public page shows them (drafts and withdrawn
    ones among them)."""
    return access.visible(user, CURATE, Voice.objects.select_related("network", "curated_by")).order_by(
        "network__name", "position", "-published_at", "created_at")


def voice_get_for(*, user: Any, voice_id: UUID) -> Voice:
    voice = access.get_or_404(user, CURATE, Voice.objects.select_related("network", "administration__instrument"),
                              pk=voice_id)
    audit.record_view(user=user, obj=voice)
    return voice


def original_comment(voice: Voice) -> str | None:
    """The comment the voice was made from, when its survey is still there."""
    administration = voice.administration
    if administration is None or not voice.item_key:
        return None
    text = (administration.answers or {}).get(voice.item_key)
    return str(text) if text else None


# --- the public page -----------------------------------------------------------------------------------


def networks_with_voices() -> QuerySet[Network]:
    return Network.objects.filter(voices__status=VoiceStatus.PUBLISHED).distinct().order_by("name")


def published_voices(*, network: Network) -> list[Voice]:
    return list(Voice.objects.filter(network=network, status=VoiceStatus.PUBLISHED)
                .only("pk", "text", "language", "attribution", "context", "position", "published_at", "updated_at")
                .order_by("position", "-published_at", "pk"))
