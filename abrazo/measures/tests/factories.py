"""Factories for instruments, their items and scales, and norm tables.

Records are built directly, not through the services, so a test can make any shape of definition it
needs. An instrument belongs to a network unless the test passes `network=None` (one Abrazo ships).
`ScaleFactory` makes a sum over no items; pass `items=[...]` (item keys) or `kind=ScaleKind.ENTERED` with
a range for a scores-only scale.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.measures.models import (
    Instrument,
    Item,
    Level,
    NormTable,
    Respondent,
    Scale,
    ScaleKind,
    ScaleMethod,
    Source,
)


class InstrumentFactory(factory.django.DjangoModelFactory):
    """A short teacher-reported survey of a network, in English and Spanish, free to use."""

    class Meta:
        model = Instrument

    network = factory.SubFactory(NetworkFactory)
    key = factory.Sequence(lambda n: f"instrument-{n}")
    name_en = factory.Sequence(lambda n: f"Teacher survey {n}")
    name_es = factory.Sequence(lambda n: f"Encuesta docente {n}")
    level = Level.TEACHER
    respondent = Respondent.TEACHER
    languages = factory.LazyFunction(lambda: ["en", "es"])
    minutes = 10
    public_domain = True
    source = Source.CUSTOM


class ShippedInstrumentFactory(InstrumentFactory):
    """One of the instruments Abrazo ships to every network (no network)."""

    network = None
    source = Source.SHIPPED


class LicensedInstrumentFactory(InstrumentFactory):
    """A licensed tool a network records by scores only (no item wording)."""

    public_domain = False
    scores_only = True
    licence_holder = "Example Publisher"
    licence_note = "Scores only under the network's licence."
    source = Source.LICENSED
    level = Level.CHILD


class ItemFactory(factory.django.DjangoModelFactory):
    """A 0-4 radio item with English and Spanish wording and its choices."""

    class Meta:
        model = Item

    instrument = factory.SubFactory(InstrumentFactory)
    key = factory.Sequence(lambda n: f"item_{n}")
    position = factory.Sequence(lambda n: n)
    field_type = "radio"
    label_en = factory.Sequence(lambda n: f"Question {n}")
    label_es = factory.Sequence(lambda n: f"Pregunta {n}")
    choices = factory.LazyFunction(lambda: [
        ["0", "Never", "Nunca"], ["1", "Rarely", "Rara vez"], ["2", "Sometimes", "A veces"],
        ["3", "Often", "A menudo"], ["4", "Always", "Siempre"],
    ])
    score_min = 0.0
    score_max = 4.0


class ScaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scale

    instrument = factory.SubFactory(InstrumentFactory)
    key = factory.Sequence(lambda n: f"scale_{n}")
    position = factory.Sequence(lambda n: n)
    name_en = factory.Sequence(lambda n: f"Scale {n}")
    name_es = factory.Sequence(lambda n: f"Escala {n}")
    kind = ScaleKind.ITEMS
    method = ScaleMethod.SUM


class EnteredScaleFactory(ScaleFactory):
    """A score typed in from a licensed tool's own scoring, 0-100."""

    instrument = factory.SubFactory(LicensedInstrumentFactory)
    kind = ScaleKind.ENTERED
    score_min = 0.0
    score_max = 100.0


class NormTableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NormTable

    scale = factory.SubFactory(EnteredScaleFactory)
    source = "Manual, 2nd edition, table B.1"
    rows = factory.LazyFunction(lambda: [
        {"min_months": None, "max_months": None, "raw_low": 0, "raw_high": 49, "standard_score": 40,
         "percentile": 16},
        {"min_months": None, "max_months": None, "raw_low": 50, "raw_high": 100, "standard_score": 55,
         "percentile": 69},
    ])


class AdministrationFactory(factory.django.DjangoModelFactory):
    """A scheduled pre administration of an instrument on an episode (network and program follow it)."""

    class Meta:
        model = "measures.Administration"

    episode = factory.SubFactory("abrazo.consultations.tests.factories.EpisodeFactory")
    network = factory.SelfAttribute("episode.network")
    program = factory.SelfAttribute("episode.program")
    instrument = factory.SubFactory(InstrumentFactory, network=factory.SelfAttribute("..network"))
    respondent_role = Respondent.TEACHER
    timepoint = "pre"
    due_on = factory.LazyFunction(timezone.localdate)
