"""Reading the instrument registry: who sees which instruments, the filters, and the sections of a detail."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import translation

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.measures import selectors
from abrazo.measures.models import Instrument
from abrazo.measures.selectors import InstrumentFilters, Licence
from abrazo.measures.tests.factories import (
    InstrumentFactory,
    ItemFactory,
    LicensedInstrumentFactory,
    NormTableFactory,
    ScaleFactory,
    ShippedInstrumentFactory,
)

pytestmark = pytest.mark.django_db


REGISTRY_NAMES = ["Teacher Stress Check", "Protective Factors (licensed)", "Consultee Satisfaction",
                  "Another Network's Survey"]


@pytest.fixture
def registry(world):
    return {
        "ours": InstrumentFactory(network=world.network, name_en="Teacher Stress Check", languages=["en"]),
        "licensed": LicensedInstrumentFactory(network=world.network, name_en="Protective Factors (licensed)",
                                              languages=["en", "es"]),
        "shipped": ShippedInstrumentFactory(name_en="Consultee Satisfaction", name_es="Satisfacción",
                                            key="test-satisfaction"),
        "theirs": InstrumentFactory(network=world.other_network, name_en="Another Network's Survey"),
    }


def names(user, **filters):
    """The names listed, among this test's instruments (the shipped ones of the data migration aside)."""
    mine = set(Instrument.objects.filter(name_en__in=REGISTRY_NAMES).values_list("pk", flat=True))
    listed = selectors.instrument_queryset_for(user=user, filters=InstrumentFilters(**filters))
    return [instrument.name_en for instrument in listed if instrument.pk in mine]


@pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "supervisor", "consultant", "evaluator"])
def test_readers_see_their_networks_instruments_and_the_shipped_ones_never_another_networks(world, registry, role):
    # when someone holding instrument.view lists the registry
    listed = names(world.people[role])
    # then they see their network's and Abrazo's own, by name, and nothing of the other network
    assert listed == ["Consultee Satisfaction", "Protective Factors (licensed)", "Teacher Stress Check"]


def test_program_staff_and_anonymous_see_no_instrument_not_even_the_shipped_ones(world, registry):
    from django.contrib.auth.models import AnonymousUser

    assert names(world.people["program_staff"]) == []
    assert names(AnonymousUser()) == []


@pytest.mark.parametrize(("filters", "expected"), [
    ({"language": "es"}, ["Consultee Satisfaction", "Protective Factors (licensed)"]),
    ({"licence": Licence.SCORES_ONLY}, ["Protective Factors (licensed)"]),
    ({"licence": Licence.LICENSED}, ["Protective Factors (licensed)"]),
    ({"licence": Licence.PUBLIC_DOMAIN}, ["Consultee Satisfaction", "Teacher Stress Check"]),
    ({"level": "child"}, ["Protective Factors (licensed)"]),
    ({"respondent": "teacher"}, ["Consultee Satisfaction", "Protective Factors (licensed)", "Teacher Stress Check"]),
    ({"query": "stress"}, ["Teacher Stress Check"]),
    ({"query": "satisfacción"}, ["Consultee Satisfaction"]),  # the Spanish name is searched too
])
def test_filters(world, registry, filters, expected):
    assert names(world.people["consultant"], **filters) == expected


def test_counts_of_items_and_scales_do_not_multiply_each_other(world, registry):
    # given an instrument with three items and two scales
    instrument = registry["ours"]
    for _ in range(3):
        ItemFactory(instrument=instrument)
    ScaleFactory(instrument=instrument)
    ScaleFactory(instrument=instrument)
    # when the registry is read
    row = next(i for i in selectors.instrument_queryset_for(user=world.people["evaluator"]) if i.pk == instrument.pk)
    # then each count is its own
    assert (row.item_count, row.scale_count) == (3, 2)


def test_another_networks_instrument_is_a_404_and_the_refusal_is_audited(world, registry):
    with pytest.raises(Http404):
        selectors.instrument_get_for(user=world.people["network_admin"], instrument_id=registry["theirs"].pk)
    assert AccessEvent.objects.filter(outcome=Outcome.DENIED, object_id=str(registry["theirs"].pk)).exists()


def test_a_shipped_instrument_is_readable_but_never_manageable(world, registry):
    admin = world.people["network_admin"]
    shipped = selectors.instrument_get_for(user=admin, instrument_id=registry["shipped"].pk)
    assert AccessEvent.objects.filter(action=Action.VIEW, object_id=str(shipped.pk)).exists()
    assert selectors.may_manage(user=admin, instrument=shipped) is False
    with pytest.raises(Http404):
        selectors.instrument_get_to_manage(user=admin, instrument_id=shipped.pk)
    scale = ScaleFactory(instrument=shipped)
    with pytest.raises(Http404):
        selectors.scale_get_to_manage(user=admin, scale_id=scale.pk)


def test_only_admins_and_evaluators_manage_their_networks_instruments(world, registry):
    ours = registry["ours"]
    assert selectors.may_manage(user=world.people["evaluator"], instrument=ours)
    assert selectors.may_manage(user=world.people["network_admin"], instrument=ours)
    assert not selectors.may_manage(user=world.people["consultant"], instrument=ours)
    with pytest.raises(Http404):
        selectors.instrument_get_to_manage(user=world.people["supervisor"], instrument_id=ours.pk)


def test_items_are_grouped_by_section_and_shown_in_the_readers_language(world):
    # given items where a REDCap section header opens a new section
    instrument = InstrumentFactory(network=world.network)
    ItemFactory(instrument=instrument, key="q1", position=1, section_header="About you", label_en="Your role",
                label_es="Su función")
    ItemFactory(instrument=instrument, key="q2", position=2, label_en="Years", label_es="")
    ItemFactory(instrument=instrument, key="q3", position=3, section_header="Your classroom")
    ScaleFactory(instrument=instrument, items=["q1", "q2", "q3"], max_missing_share=0.34,
                 bands=[{"label_en": "Low", "label_es": "Bajo", "low": 0, "high": 5}])
    NormTableFactory(scale=instrument.scales.get())
    # when a Spanish reader opens it
    with translation.override("es"):
        contents = selectors.instrument_contents(instrument=instrument)
        wording = [[row.item.label for row in section.items] for section in contents.sections]
        first_choices = contents.sections[0].items[0].choices
        band_label = contents.scales[0].bands[0].label
    # then there are two sections, Spanish wording where it exists and English otherwise
    assert [section.header for section in contents.sections] == ["About you", "Your classroom"]
    assert wording[0] == ["Su función", "Years"]
    assert first_choices[0] == ("0", "Nunca")
    assert band_label == "Bajo"
    # and the prorating rule is the engine's: 34% of 3 items is 1 item
    assert contents.scales[0].max_missing == 1
    assert contents.scales[0].norm_table.source == "Manual, 2nd edition, table B.1"
