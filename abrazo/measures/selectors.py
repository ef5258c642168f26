"""Every read of the instrument registry that a view needs, scoped by the reader.

Instruments describe measures, not people, but a network's own instruments (its REDCap forms, the
licensed tools it describes) are still its business: a reader sees the instruments of the networks where
they hold `instrument.view`, plus the ones Abrazo ships to everyone (no network). Shipped instruments are
never reached through `instrument.manage`, so every edit path answers 404 for them. Reads are audited
like every other read (lists with the ids they returned).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils.translation import get_language

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.directory.models import Network
from abrazo.measures.models import Administration, AdministrationStatus, Instrument, Item, NormTable, Scale

INSTRUMENT_VIEW = "instrument.view"
INSTRUMENT_MANAGE = "instrument.manage"


class Licence:
    """The registry's licence filter."""

    PUBLIC_DOMAIN = "public_domain"
    LICENSED = "licensed"
    SCORES_ONLY = "scores_only"


def _readable(user: Any) -> Q:
    """Shipped instruments for anyone holding instrument.view anywhere, and their networks' own."""
    if not access.has_permission(user, INSTRUMENT_VIEW):
        return access.NOTHING
    return Q(network__isnull=True) | access.scope_q(user, INSTRUMENT_VIEW, Instrument)


def _manageable(user: Any) -> Q:
    # scope_q names the network, so an instrument with no network (shipped) is never manageable.
    return access.scope_q(user, INSTRUMENT_MANAGE, Instrument) & Q(network__isnull=False)


@dataclass(frozen=True)
class InstrumentFilters:
    level: str = ""
    respondent: str = ""
    language: str = ""  # a language code, e.g. "es"
    licence: str = ""  # a Licence value
    query: str = ""  # part of the English or Spanish name, or the short name


def _count_of(model: type[Item] | type[Scale]) -> Coalesce:
    """A correlated COUNT, so that counting items and scales does not multiply the rows of both joins."""
    counted = (
        model.objects.filter(instrument=OuterRef("pk")).order_by().values("instrument")
        .annotate(total=Count("pk")).values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def instrument_queryset_for(*, user: Any, filters: InstrumentFilters | None = None) -> QuerySet[Instrument]:
    """The registry as the user may read it, filtered, by name; with `item_count` and `scale_count`."""
    filters = filters or InstrumentFilters()
    instruments = Instrument.objects.filter(_readable(user))
    if filters.level:
        instruments = instruments.filter(level=filters.level)
    if filters.respondent:
        instruments = instruments.filter(respondent=filters.respondent)
    if filters.language:
        # The codes are a JSON list; its text holds each code in quotes on SQLite and PostgreSQL alike,
        # which avoids JSON containment (not available on SQLite).
        instruments = instruments.annotate(languages_text=Cast("languages", TextField())).filter(
            languages_text__contains=f'"{filters.language}"'
        )
    if filters.licence == Licence.PUBLIC_DOMAIN:
        instruments = instruments.filter(public_domain=True)
    elif filters.licence == Licence.LICENSED:
        instruments = instruments.filter(public_domain=False)
    elif filters.licence == Licence.SCORES_ONLY:
        instruments = instruments.filter(scores_only=True)
    query = filters.query.strip()
    if query:
        instruments = instruments.filter(
            Q(name_en__icontains=query) | Q(name_es__icontains=query) | Q(key__icontains=query)
        )
    return (
        instruments.select_related("network")
        .annotate(item_count=_count_of(Item), scale_count=_count_of(Scale))
        .order_by("name_en", "id")
    )


def instrument_page_record(*, user: Any, instruments: list[Instrument], searched: bool = False) -> None:
    audit.record_list(user=user, model=Instrument, ids=[instrument.pk for instrument in instruments],
                      action=Action.SEARCH if searched else Action.LIST)


def _get(user: Any, condition: Q, instrument_id: UUID) -> Instrument:
    instrument = (
        Instrument.objects.filter(condition).select_related("network").filter(pk=instrument_id).first()
    )
    if instrument is None:
        audit.record_denied(user=user, object_type="measures.instrument", object_id=str(instrument_id))
        raise Http404
    return instrument


def instrument_get_for(*, user: Any, instrument_id: UUID) -> Instrument:
    """An instrument the user may read (shipped, or of their network); otherwise 404."""
    instrument = _get(user, _readable(user), instrument_id)
    audit.record_view(user=user, obj=instrument)
    return instrument


def instrument_get_to_manage(*, user: Any, instrument_id: UUID) -> Instrument:
    """An instrument of a network where the user manages instruments; shipped ones and others: 404."""
    instrument = _get(user, _manageable(user), instrument_id)
    audit.record_view(user=user, obj=instrument)
    return instrument


def may_manage(*, user: Any, instrument: Instrument) -> bool:
    """Whether the page should offer edits (never for a shipped instrument)."""
    if instrument.network_id is None or not access.has_permission(user, INSTRUMENT_MANAGE):
        return False
    return Instrument.objects.filter(_manageable(user), pk=instrument.pk).exists()


def scale_get_to_manage(*, user: Any, scale_id: UUID) -> Scale:
    """A scale of an instrument the user manages (for its norm table); otherwise 404."""
    instruments = Instrument.objects.filter(_manageable(user)).values("pk")
    scale = (
        Scale.objects.select_related("instrument__network").filter(pk=scale_id, instrument__in=instruments).first()
    )
    if scale is None:
        audit.record_denied(user=user, object_type="measures.scale", object_id=str(scale_id))
        raise Http404
    audit.record_view(user=user, obj=scale)
    return scale


@dataclass
class ItemRow:
    item: Item
    choices: list[tuple[str, str]]  # (code, label in the reader's language where there is one)


@dataclass
class Section:
    header: str
    items: list[ItemRow]


@dataclass
class BandRow:
    label: str
    low: float
    high: float


@dataclass
class ScaleRow:
    scale: Scale
    bands: list[BandRow]
    item_count: int
    max_missing: int  # items that may be missing with the scale still scored (prorated)
    norm_table: NormTable | None
    parts: list[str] = field(default_factory=list)  # names of the scales it combines, or is the sum of


@dataclass
class InstrumentContents:
    sections: list[Section]
    scales: list[ScaleRow]

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)


def _spanish() -> bool:
    return (get_language() or "en").startswith("es")


def _choice_label(choice: Any) -> tuple[str, str]:
    """A stored choice [code, English, Spanish] (older rows may lack the Spanish) as (code, label)."""
    parts = [str(part) for part in choice] if isinstance(choice, list | tuple) else [str(choice)]
    code = parts[0]
    english = parts[1] if len(parts) > 1 else code
    spanish = parts[2] if len(parts) > 2 else ""
    return code, spanish if spanish and _spanish() else english


def instrument_contents(*, instrument: Instrument) -> InstrumentContents:
    """Items grouped by section (a REDCap section header opens a section that runs until the next one) and
    the scales with their bands and norm tables, in the reader's language; the caller has checked the
    instrument. Two queries."""
    sections: list[Section] = []
    for item in instrument.items.order_by("position", "key"):
        if item.section_header or not sections:
            sections.append(Section(header=item.section_header, items=[]))
        sections[-1].items.append(ItemRow(item=item, choices=[_choice_label(choice) for choice in item.choices]))
    scales = []
    stored = list(instrument.scales.select_related("norm_table").order_by("position", "key"))
    names = {scale.key: scale.name for scale in stored}
    for scale in stored:
        bands = [
            BandRow(label=(band.get("label_es") if _spanish() and band.get("label_es") else band.get("label_en"))
                    or "", low=float(band.get("low") or 0), high=float(band.get("high") or 0))
            for band in scale.bands if isinstance(band, dict)
        ]
        item_count = len(scale.items)
        scales.append(ScaleRow(
            scale=scale, bands=bands, item_count=item_count,
            # the engine's rule (scoring.Subscale.max_missing): a count, so 20% of 10 items is exactly 2
            max_missing=math.floor(item_count * scale.max_missing_share + 1e-9),
            norm_table=getattr(scale, "norm_table", None) if _has_norm_table(scale) else None,
            parts=[names.get(key, key) for key in (scale.parts or scale.sum_of or [])],
        ))
    return InstrumentContents(sections=sections, scales=scales)


def _has_norm_table(scale: Scale) -> bool:
    try:
        scale.norm_table  # noqa: B018  # loaded by select_related: no query
    except NormTable.DoesNotExist:
        return False
    return True


def networks_to_manage(*, user: Any) -> list[Network]:
    """The networks where the user may describe new instruments (usually one)."""
    return list(access.visible(user, INSTRUMENT_MANAGE, Network.objects.all()).order_by("name", "id"))


def current_version_of(*, instrument: Instrument) -> int:
    """The stored version, after a stale edit, so that the next save can go through."""
    version: int = Instrument.objects.filter(pk=instrument.pk).values_list("version", flat=True).get()
    return version


def instrument_definition(*, instrument: Instrument) -> tuple[list[Item], list[Scale]]:
    """The items and scales of an instrument the caller has checked, in order, for the scale forms."""
    items = list(instrument.items.order_by("position", "key"))
    scales = list(instrument.scales.order_by("position", "key"))
    return items, scales


def completed_count(*, instrument: Instrument) -> int:
    """How many completed administrations a change of the instrument's scales rescores."""
    return Administration.objects.filter(instrument=instrument, status=AdministrationStatus.COMPLETED).count()
