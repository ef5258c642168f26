"""The scale pages of the registry over HTTP: who may add, edit and delete a scale (each role, another
network's instrument and shipped ones answer 404), the rescoring said on save, engine errors beside the
form with the input kept, stale pages, and second clicks."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.measures import administrations
from abrazo.measures.models import Instrument, Item, Respondent, Scale, ScaleKind
from abrazo.measures.tests.factories import (
    AdministrationFactory,
    EnteredScaleFactory,
    InstrumentFactory,
    ItemFactory,
    LicensedInstrumentFactory,
    ScaleFactory,
    ShippedInstrumentFactory,
)

pytestmark = pytest.mark.django_db

MANAGERS = ["network_admin", "evaluator"]
NOT_MANAGERS = ["regional_coordinator", "supervisor", "consultant", "program_staff"]


def signed_in(client, world, role):
    client.force_login(world.people[role])
    return client


def detail(instrument):
    return reverse("measures:instrument-detail", args=[instrument.pk])


def new(instrument, kind=""):
    return reverse("measures:scale-new", args=[instrument.pk]) + (f"?kind={kind}" if kind else "")


def edit(scale):
    return reverse("measures:scale-edit", args=[scale.pk])


def delete(scale):
    return reverse("measures:scale-delete", args=[scale.pk])


@pytest.fixture
def stress(world):
    instrument = InstrumentFactory(network=world.network, name_en="Teacher stress")
    for position in range(1, 5):
        ItemFactory(instrument=instrument, key=f"q{position}", position=position, label_en=f"Question {position}")
    ScaleFactory(instrument=instrument, key="total", name_en="Total", items=["q1", "q2", "q3", "q4"])
    return instrument


def completed(world, instrument, answers):
    profile = ConsultantProfile.objects.get(user=world.people["consultant"])
    episode = EpisodeFactory(program=world.program_a, consultant=profile)
    administration = AdministrationFactory(episode=episode, instrument=instrument,
                                           respondent_role=Respondent.CONSULTANT)
    return administrations.administration_record_answers(
        actor=world.people["consultant"], administration=administration, answers=answers, language="en",
        source="form", completed_on=dt.date(2025, 1, 15))


def total_post(instrument, **changes):
    data = {"name_en": "Total", "name_es": "Total", "method": "sum", "items": ["q1", "q2", "q3", "q4"],
            "reverse_items": ["q2"], "max_missing_share": "25", "bands": "0-7 Low | Bajo\n8-16 High | Alto",
            "higher_is_better": "lower", "reliability": "0.8", "version": str(instrument.version),
            "submission_key": str(uuid.uuid4())}
    data.update(changes)
    return data


class TestWhoGetsWhat:
    @pytest.mark.parametrize("role", MANAGERS)
    def test_managers_get_every_scale_page_and_the_links(self, client, world, stress, role):
        scale = stress.scales.get()
        signed_in(client, world, role)
        body = client.get(detail(stress)).content.decode()
        assert edit(scale) in body and delete(scale) in body
        assert new(stress, ScaleKind.ITEMS) in body and new(stress, ScaleKind.COMPOSITE) in body
        assert new(stress, ScaleKind.ENTERED) not in body  # an item instrument has no entered scores
        for url in (new(stress), new(stress, ScaleKind.COMPOSITE), edit(scale), delete(scale)):
            assert client.get(url).status_code == 200, url

    @pytest.mark.parametrize("role", NOT_MANAGERS)
    def test_everyone_else_gets_404_and_no_links(self, client, world, stress, role):
        scale = stress.scales.get()
        signed_in(client, world, role)
        if role != "program_staff":  # program staff cannot read the registry at all
            body = client.get(detail(stress)).content.decode()
            assert edit(scale) not in body and delete(scale) not in body and new(stress) not in body
        for url in (new(stress), edit(scale), delete(scale)):
            assert client.get(url).status_code == 404, url
        assert client.post(edit(scale), total_post(stress)).status_code == 404
        assert client.post(delete(scale), {"version": "1"}).status_code == 404
        assert Scale.objects.filter(pk=scale.pk, items=["q1", "q2", "q3", "q4"], bands=[]).exists()

    def test_another_networks_instrument_does_not_exist_for_an_admin(self, client, world):
        theirs = InstrumentFactory(network=world.other_network)
        scale = ScaleFactory(instrument=theirs)
        signed_in(client, world, "network_admin")
        for url in (new(theirs), edit(scale), delete(scale)):
            assert client.get(url).status_code == 404
        assert client.post(delete(scale), {"version": "1"}).status_code == 404
        assert Scale.objects.filter(pk=scale.pk).exists()

    def test_shipped_instruments_stay_read_only(self, client, world):
        shipped = ShippedInstrumentFactory(key="shipped-for-scale-test")
        scale = ScaleFactory(instrument=shipped, name_en="Shipped total")
        signed_in(client, world, "network_admin")
        body = client.get(detail(shipped)).content.decode()
        assert edit(scale) not in body and new(shipped) not in body
        for url in (new(shipped), edit(scale), delete(scale)):
            assert client.get(url).status_code == 404
        assert client.post(edit(scale), {"name_en": "Mine", "version": "1"}).status_code == 404
        assert client.post(delete(scale), {"version": "1"}).status_code == 404
        assert Scale.objects.get(pk=scale.pk).name_en == "Shipped total"

    def test_a_kind_the_instrument_cannot_have_is_404(self, client, world, stress):
        signed_in(client, world, "evaluator")
        assert client.get(new(stress, ScaleKind.ENTERED)).status_code == 404
        assert client.get(new(stress, "nonsense")).status_code == 404


class TestEditing:
    def test_the_edit_form_shows_the_items_table_and_the_stored_definition(self, client, world, stress):
        Item.objects.filter(instrument=stress, key="q3").update(reverse_scored=True)
        signed_in(client, world, "evaluator")
        form = client.get(edit(stress.scales.get())).context["form"]
        assert [label for label, _include, _reverse in form.item_rows()] == [
            "q1 · Question 1", "q2 · Question 2", "q3 · Question 3", "q4 · Question 4"]
        assert form.initial["reverse_items"] == ["q3"] and form.initial["max_missing_share"] == "0"
        assert "key" not in form.fields and "minimum" not in form.fields

    def test_a_save_rescores_and_says_how_many(self, client, world, stress):
        # given two completed measures: 3+1+4+2 = 10, and one with q4 unanswered (not scored)
        full = completed(world, stress, {"q1": "3", "q2": "1", "q3": "4", "q4": "2"})
        completed(world, stress, {"q1": "0", "q2": "4", "q3": "1"})
        signed_in(client, world, "evaluator")
        # when the evaluator reverses q2, allows 25% missing and adds bands
        response = client.post(edit(stress.scales.get()), total_post(stress), follow=True)
        # then the page says both were scored again, and the new total is 3 + (4 - 1) + 4 + 2 = 12, "High"
        body = response.content.decode()
        assert "Total saved. 2 completed measures were scored again." in body
        full.refresh_from_db()
        assert (full.scores["total"]["raw"], full.scores["total"]["band"]) == (12.0, "High")
        scale = stress.scales.get()
        assert (scale.higher_is_better, scale.reliability, scale.max_missing_share) == (False, 0.8, 0.25)
        assert "0-7 Low" not in body and "Bajo" not in body  # the English reader sees English labels

    def test_an_engine_refusal_comes_back_beside_the_form_with_the_input_kept(self, client, world, stress):
        signed_in(client, world, "evaluator")
        response = client.post(edit(stress.scales.get()), total_post(stress, bands="0-9 Low\n8-16 High"))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Total: its bands overlap or are not in order from lowest to highest." in body
        assert "0-9 Low" in body
        assert stress.scales.get().bands == []

    def test_a_band_beyond_the_possible_scores_is_named(self, client, world, stress):
        signed_in(client, world, "evaluator")
        response = client.post(edit(stress.scales.get()), total_post(stress, bands="0-40 Low"))
        assert "Total: the band Low goes beyond the scores 0 to 16." in response.content.decode()

    def test_a_stale_page_keeps_the_input_and_adopts_the_stored_version(self, client, world, stress):
        signed_in(client, world, "evaluator")
        Instrument.objects.filter(pk=stress.pk).update(version=4)
        response = client.post(edit(stress.scales.get()), total_post(stress, name_en="My total"))
        body = response.content.decode()
        assert "Someone else changed this record while you were editing it." in body
        assert 'value="My total"' in body and 'name="version" value="4"' in body
        assert stress.scales.get().name_en == "Total"

    def test_a_second_click_saves_once(self, client, world, stress):
        signed_in(client, world, "evaluator")
        data = total_post(stress)
        first = client.post(edit(stress.scales.get()), data)
        second = client.post(edit(stress.scales.get()), data)
        assert first.status_code == second.status_code == 302
        assert second["Location"] == detail(stress) + "#scales-title"
        stress.refresh_from_db()
        assert stress.version == 2


class TestAdding:
    def test_a_subscale_is_added_once_even_when_sent_twice(self, client, world, stress):
        signed_in(client, world, "network_admin")
        data = total_post(stress, name_en="Calm", items=["q1", "q2"], key="", bands="")
        first = client.post(new(stress, ScaleKind.ITEMS), data)
        second = client.post(new(stress, ScaleKind.ITEMS), data)
        assert first.status_code == second.status_code == 302
        calm = Scale.objects.get(instrument=stress, key="calm")
        assert (calm.items, calm.kind) == (["q1", "q2"], ScaleKind.ITEMS)

    def test_a_combined_scale_offers_the_other_scales(self, client, world, stress):
        signed_in(client, world, "evaluator")
        form = client.get(new(stress, ScaleKind.COMPOSITE)).context["form"]
        assert form.fields["parts"].choices == [("total", "Total")]
        response = client.post(new(stress, ScaleKind.COMPOSITE), {
            "name_en": "Overall", "method": "mean", "parts": ["total"], "higher_is_better": "higher",
            "version": "1", "submission_key": str(uuid.uuid4())})
        assert response.status_code == 302
        assert Scale.objects.get(instrument=stress, key="overall").parts == ["total"]

    def test_an_entered_score_with_its_total_on_a_scores_only_instrument(self, client, world):
        instrument = LicensedInstrumentFactory(network=world.network)
        EnteredScaleFactory(instrument=instrument, key="social", name_en="Social", score_min=0, score_max=40)
        EnteredScaleFactory(instrument=instrument, key="emotion", name_en="Emotion", score_min=0, score_max=40)
        signed_in(client, world, "evaluator")
        assert client.get(new(instrument)).context["form"].fields["sum_of"].choices == [
            ("social", "Social"), ("emotion", "Emotion")]
        response = client.post(new(instrument, ScaleKind.ENTERED), {
            "name_en": "Total", "minimum": "0", "maximum": "80", "whole_numbers": "on",
            "sum_of": ["social", "emotion"], "higher_is_better": "higher", "version": "1",
            "submission_key": str(uuid.uuid4())}, follow=True)
        total = Scale.objects.get(instrument=instrument, key="total")
        assert (total.kind, total.sum_of, total.whole_numbers) == (ScaleKind.ENTERED, ["social", "emotion"], True)
        assert "The total of Social, Emotion: added up when left empty" in response.content.decode()


class TestDeleting:
    def test_a_delete_is_confirmed_and_a_second_click_goes_back_to_the_instrument(self, client, world, stress):
        calm = ScaleFactory(instrument=stress, key="calm", name_en="Calm", items=["q1"])
        signed_in(client, world, "evaluator")
        assert "Delete Calm" in client.get(delete(calm)).content.decode()
        data = {"version": "1", "submission_key": str(uuid.uuid4())}
        first = client.post(delete(calm), data)
        second = client.post(delete(calm), data)
        assert first.status_code == second.status_code == 302
        assert second["Location"] == detail(stress) + "#scales-title"
        assert not Scale.objects.filter(pk=calm.pk).exists()

    def test_a_refused_delete_says_why(self, client, world, stress):
        completed(world, stress, {"q1": "3", "q2": "1", "q3": "4", "q4": "2"})
        signed_in(client, world, "evaluator")
        response = client.post(delete(stress.scales.get()), {"version": "1", "submission_key": str(uuid.uuid4())})
        assert response.status_code == 200
        assert "Total is the only scale of an instrument that has measures scheduled or done" in \
            response.content.decode()
        assert stress.scales.exists()
