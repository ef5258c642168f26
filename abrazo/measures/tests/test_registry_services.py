"""Writing the instrument registry: describing a scores-only instrument, editing, and norm table uploads."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from abrazo.audit.models import AccessEvent, Action
from abrazo.core.concurrency import StaleEditError
from abrazo.measures import services
from abrazo.measures.models import Instrument, NormTable, ScaleKind
from abrazo.measures.services import BandData, EnteredScaleData, InstrumentData, NormFileProblems
from abrazo.measures.tests.factories import EnteredScaleFactory, InstrumentFactory, ShippedInstrumentFactory

pytestmark = pytest.mark.django_db

DESCRIPTION = InstrumentData(name_en="Protective Factors Rating", name_es="Factores de protección", level="child",
                             respondent="teacher", languages=("en", "es"), minutes=15,
                             licence_holder="Example Publisher", licence_note="Scores only.")


def total_score(**changes):
    values = {"name_en": "Total protective factors", "minimum": 28, "maximum": 72, "bands": (
        BandData(label_en="Need", label_es="Necesidad", low=28, high=40),
        BandData(label_en="Typical", label_es="Típico", low=41, high=59),
        BandData(label_en="Strength", label_es="Fortaleza", low=60, high=72),
    )}
    values.update(changes)
    return EnteredScaleData(**values)


def test_a_scores_only_instrument_is_created_with_its_entered_scores_and_audited(world):
    # when an evaluator describes a licensed instrument with two scores
    instrument = services.instrument_create_scores_only(
        actor=world.people["evaluator"], network=world.network, data=DESCRIPTION,
        scales=[EnteredScaleData(name_en="Initiative", minimum=28, maximum=72), total_score()],
    )
    # then it is a licensed, scores-only instrument of the network, with no items
    instrument.refresh_from_db()
    assert (instrument.network, instrument.scores_only, instrument.public_domain) == (world.network, True, False)
    assert instrument.key == "protective-factors-rating"
    assert instrument.items.count() == 0
    # and its scores are entered scales with their ranges and bands, in order
    scales = list(instrument.scales.order_by("position"))
    assert [(s.key, s.kind, s.score_min, s.score_max) for s in scales] == [
        ("initiative", ScaleKind.ENTERED, 28, 72), ("total_protective_factors", ScaleKind.ENTERED, 28, 72)]
    assert scales[1].bands[1] == {"label_en": "Typical", "label_es": "Típico", "low": 41, "high": 59}
    assert AccessEvent.objects.filter(action=Action.CREATE, object_id=str(instrument.pk)).count() == 1


def test_overlapping_bands_are_refused_by_the_scoring_engine_and_nothing_is_saved(world):
    overlapping = total_score(bands=(BandData(label_en="Need", low=28, high=45),
                                     BandData(label_en="Typical", low=41, high=72)))
    with pytest.raises(ValidationError) as refused:
        services.instrument_create_scores_only(actor=world.people["evaluator"], network=world.network,
                                               data=DESCRIPTION, scales=[overlapping])
    assert refused.value.messages == [
        "Total protective factors: its bands overlap or are not in order from lowest to highest."]
    assert not Instrument.objects.filter(network__isnull=False).exists()


@pytest.mark.parametrize(("scale", "message"), [
    (total_score(minimum=80), "Total protective factors: the lowest score is above the highest score."),
    (total_score(bands=(BandData(label_en="Need", low=0, high=40),)),
     "Total protective factors: the band Need goes beyond the scores 28 to 72."),
    (total_score(reliability=1.2), "Total protective factors: the reliability must be above 0 and below 1."),
])
def test_other_impossible_scores_are_refused(world, scale, message):
    with pytest.raises(ValidationError) as refused:
        services.instrument_create_scores_only(actor=world.people["evaluator"], network=world.network,
                                               data=DESCRIPTION, scales=[scale])
    assert refused.value.messages == [message]


def test_two_scores_with_the_same_name_are_refused(world):
    with pytest.raises(ValidationError, match="two scales have the same short name"):
        services.instrument_create_scores_only(actor=world.people["evaluator"], network=world.network,
                                               data=DESCRIPTION, scales=[total_score(), total_score()])


def test_a_licensed_instrument_needs_its_licence_holder(world):
    from dataclasses import replace

    with pytest.raises(ValidationError) as refused:
        services.instrument_create_scores_only(actor=world.people["evaluator"], network=world.network,
                                               data=replace(DESCRIPTION, licence_holder=" "), scales=[total_score()])
    assert "licence_holder" in refused.value.message_dict


def test_a_double_submit_creates_one_instrument(world):
    key = uuid.uuid4()

    def submit():
        return services.instrument_create_scores_only(actor=world.people["evaluator"], network=world.network,
                                                      data=DESCRIPTION, scales=[total_score()], submission_key=key)

    first = submit()
    with pytest.raises(services.AlreadySubmitted) as again:
        submit()
    assert again.value.existing == first
    assert Instrument.objects.filter(network=world.network).count() == 1


def test_the_same_name_twice_gets_a_second_short_name(world):
    for _ in range(2):
        services.instrument_create_scores_only(actor=world.people["evaluator"], network=world.network,
                                               data=DESCRIPTION, scales=[total_score()])
    assert sorted(Instrument.objects.filter(network=world.network).values_list("key", flat=True)) == [
        "protective-factors-rating", "protective-factors-rating-2"]


@pytest.mark.parametrize("role", ["consultant", "supervisor", "regional_coordinator", "program_staff"])
def test_roles_that_do_not_manage_instruments_cannot_create_one(world, role):
    with pytest.raises(PermissionDenied):
        services.instrument_create_scores_only(actor=world.people[role], network=world.network, data=DESCRIPTION,
                                               scales=[total_score()])


def test_an_admin_cannot_create_an_instrument_in_another_network(world):
    with pytest.raises(PermissionDenied):
        services.instrument_create_scores_only(actor=world.people["network_admin"], network=world.other_network,
                                               data=DESCRIPTION, scales=[total_score()])


class TestEditing:
    def test_an_edit_is_versioned_and_audited(self, world):
        instrument = InstrumentFactory(network=world.network, name_en="Old name")
        services.instrument_update(actor=world.people["network_admin"], instrument=instrument, expected_version=1,
                                   data=DESCRIPTION)
        instrument.refresh_from_db()
        assert (instrument.name_en, instrument.version, instrument.languages) == (
            "Protective Factors Rating", 2, ["en", "es"])
        assert AccessEvent.objects.filter(action=Action.UPDATE, object_id=str(instrument.pk)).exists()

    def test_a_stale_edit_is_refused(self, world):
        instrument = InstrumentFactory(network=world.network, name_en="Old name", version=3)
        with pytest.raises(StaleEditError):
            services.instrument_update(actor=world.people["evaluator"], instrument=instrument, expected_version=2,
                                       data=DESCRIPTION)
        instrument.refresh_from_db()
        assert (instrument.name_en, instrument.version) == ("Old name", 3)

    def test_a_shipped_instrument_cannot_be_changed_even_by_an_admin(self, world):
        shipped = ShippedInstrumentFactory(name_en="Consultee Satisfaction")
        with pytest.raises(PermissionDenied):
            services.instrument_update(actor=world.people["network_admin"], instrument=shipped, expected_version=1,
                                       data=DESCRIPTION)
        shipped.refresh_from_db()
        assert shipped.name_en == "Consultee Satisfaction"


def upload(scale, actor, text, source="Manual, 2nd ed., table B.3"):
    return services.norm_table_upload(actor=actor, scale=scale, upload=io.BytesIO(text.encode()),
                                      filename="norms.csv", source=source)


HEADER = "min_months,max_months,raw_low,raw_high,standard_score,percentile\n"


class TestNormTables:
    def test_rows_are_stored_by_age_band_and_raw_score_and_replace_the_old_table(self, world):
        # given a scale with a norm table already
        scale = EnteredScaleFactory(instrument__network=world.network)
        NormTable.objects.create(scale=scale, source="old", rows=[])
        # when a table printed from the highest score down, in two age bands, is uploaded
        text = HEADER + "36,47,50,100,60,84\n36,47,0,49,45,31\n48,59,0,100,50,50\n"
        table = upload(scale, world.people["evaluator"], text)
        # then it replaced the old one, ordered for the engine, with its source
        assert NormTable.objects.filter(scale=scale).count() == 1
        assert table.source == "Manual, 2nd ed., table B.3"
        assert [(r["min_months"], r["raw_low"], r["standard_score"]) for r in table.rows] == [
            (36, 0, 45), (36, 50, 60), (48, 0, 50)]
        assert table.uploaded_by == world.people["evaluator"]

    def test_every_bad_row_is_named_by_its_line_and_nothing_changes(self, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        NormTable.objects.create(scale=scale, source="old", rows=[{"raw_low": 0}])
        text = HEADER + "36,47,0,49,45,31\n36,47,fifty,100,60,84\n36,47,60,50,,\n36.5,47,0,10,1,1\n"
        with pytest.raises(NormFileProblems) as refused:
            upload(scale, world.people["evaluator"], text)
        assert refused.value.messages == [
            "Line 3: raw_low 'fifty' is not a number.",
            "Line 4: raw_low is above raw_high; give a standard_score or a percentile.",
            "Line 5: min_months '36.5' is not a whole number of months.",
        ]
        assert NormTable.objects.get(scale=scale).source == "old"

    def test_overlapping_raw_ranges_are_found_by_the_engine_and_named_by_line(self, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        text = HEADER + ",,0,49,45,31\n,,40,100,60,84\n"
        with pytest.raises(NormFileProblems) as refused:
            upload(scale, world.people["evaluator"], text)
        assert refused.value.messages == [
            "Line 3: its raw scores overlap those of another row of the same age band."]
        assert not NormTable.objects.exists()

    def test_overlapping_age_bands_are_named_by_line(self, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        text = HEADER + "36,47,0,100,45,31\n40,59,0,100,50,50\n"
        with pytest.raises(NormFileProblems) as refused:
            upload(scale, world.people["evaluator"], text)
        assert refused.value.messages == [
            "Line 3: its age band overlaps another age band, or an open-ended age band is not the last one."]

    def test_a_file_without_the_columns_says_which_are_missing(self, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        with pytest.raises(NormFileProblems) as refused:
            upload(scale, world.people["evaluator"], "raw_low,raw_high,standard_score\n0,1,2\n")
        assert refused.value.messages[0].startswith("The file has no column min_months, max_months, percentile.")

    def test_the_source_is_required(self, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        with pytest.raises(ValidationError):
            upload(scale, world.people["evaluator"], HEADER + ",,0,1,2,3\n", source="  ")

    def test_a_consultant_cannot_upload(self, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        with pytest.raises(PermissionDenied):
            upload(scale, world.people["consultant"], HEADER + ",,0,1,2,3\n")
