"""The instrument registry over HTTP: who gets which page, shipped instruments read-only, the scores-only
form (engine errors, double submit), stale edits, norm uploads refused by line, and bounded list queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from abrazo.measures.models import Instrument, NormTable
from abrazo.measures.tests.factories import (
    EnteredScaleFactory,
    InstrumentFactory,
    ItemFactory,
    LicensedInstrumentFactory,
    ScaleFactory,
    ShippedInstrumentFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("measures:instrument-list")
NEW = reverse("measures:instrument-new")
READERS = ["network_admin", "regional_coordinator", "supervisor", "consultant", "evaluator"]
MANAGERS = ["network_admin", "evaluator"]


def signed_in(client, world, role, language="en"):
    person = world.people[role]
    person.preferred_language = language  # the language a signed-in person sees Abrazo in
    person.save(update_fields=["preferred_language"])
    client.force_login(person)
    return client


def detail(instrument):
    return reverse("measures:instrument-detail", args=[instrument.pk])


def edit(instrument):
    return reverse("measures:instrument-edit", args=[instrument.pk])


def norms(scale):
    return reverse("measures:norm-upload", args=[scale.pk])


@pytest.fixture
def ours(world):
    instrument = InstrumentFactory(network=world.network, name_en="Teacher Stress Check", name_es="Estrés docente")
    ItemFactory(instrument=instrument, key="stress_1", label_en="I feel calm", label_es="Me siento tranquila",
                section_header="How you feel")
    ScaleFactory(instrument=instrument, key="total", name_en="Total stress", items=["stress_1"],
                 bands=[{"label_en": "High", "label_es": "Alto", "low": 3, "high": 4}], reliability=0.81)
    return instrument


class TestWhoGetsWhat:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_see_the_registry_and_a_detail(self, client, world, ours, role):
        signed_in(client, world, role)
        assert client.get(LIST).status_code == 200
        assert client.get(detail(ours)).status_code == 200

    @pytest.mark.parametrize("url", [LIST, NEW])
    def test_program_staff_get_nothing(self, client, world, ours, url):
        signed_in(client, world, "program_staff")
        assert client.get(url).status_code == 404
        assert client.get(detail(ours)).status_code == 404

    def test_anonymous_people_are_sent_to_sign_in(self, client, ours):
        for url in (LIST, detail(ours), NEW, edit(ours)):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant"])
    def test_readers_who_do_not_manage_get_no_edit_pages_and_no_edit_links(self, client, world, ours, role):
        signed_in(client, world, role)
        body = client.get(detail(ours)).content.decode()
        assert edit(ours) not in body and norms(ours.scales.get()) not in body
        assert client.get(edit(ours)).status_code == 404
        assert client.get(NEW).status_code == 404
        assert client.get(norms(ours.scales.get())).status_code == 404

    @pytest.mark.parametrize("role", MANAGERS)
    def test_managers_get_the_edit_pages(self, client, world, ours, role):
        signed_in(client, world, role)
        body = client.get(detail(ours)).content.decode()
        assert edit(ours) in body and norms(ours.scales.get()) in body
        for url in (NEW, edit(ours), norms(ours.scales.get())):
            assert client.get(url).status_code == 200

    def test_another_networks_instrument_does_not_exist_for_an_admin(self, client, world):
        theirs = InstrumentFactory(network=world.other_network)
        scale = ScaleFactory(instrument=theirs)
        signed_in(client, world, "network_admin")
        for url in (detail(theirs), edit(theirs), norms(scale)):
            assert client.get(url).status_code == 404
        assert theirs.name_en not in client.get(LIST).content.decode()


class TestShippedInstruments:
    def test_they_are_listed_and_readable_but_read_only_for_an_admin(self, client, world):
        shipped = ShippedInstrumentFactory(name_en="Shipped Survey For Test", key="test-shipped")
        scale = ScaleFactory(instrument=shipped)
        signed_in(client, world, "network_admin")
        assert "Shipped Survey For Test" in client.get(LIST).content.decode()
        body = client.get(detail(shipped)).content.decode()
        assert "It is read-only: nobody can change it." in body
        assert edit(shipped) not in body and norms(scale) not in body
        # and the edit pages do not exist for it, even when posted to
        assert client.get(edit(shipped)).status_code == 404
        assert client.post(edit(shipped), {"name_en": "Mine now", "version": 1}).status_code == 404
        assert client.post(norms(scale), {"source": "x"}).status_code == 404
        shipped.refresh_from_db()
        assert shipped.name_en == "Shipped Survey For Test"


class TestTheListPage:
    def test_it_shows_level_respondent_languages_length_counts_and_licence(self, client, world, ours):
        LicensedInstrumentFactory(network=world.network, name_en="Protective Factors", licence_holder="Kaplan Ltd",
                                  minutes=None, languages=["en"])
        body = signed_in(client, world, "consultant").get(LIST + "?licence=scores_only").content.decode()
        assert "Protective Factors" in body and "Teacher Stress Check" not in body
        assert "Licensed: Kaplan Ltd" in body and "Scores only" in body
        body = client.get(LIST + "?q=stress").content.decode()
        assert "Teacher Stress Check" in body and "Protective Factors" not in body
        assert "10 minutes" in body and "English, Spanish" in body and "Teacher or caregiver" in body

    def test_in_spanish_names_are_spanish(self, client, world, ours):
        signed_in(client, world, "consultant", language="es")
        body = client.get(LIST).content.decode()
        assert "Estrés docente" in body

    def test_its_queries_do_not_grow_with_the_number_of_instruments(self, client, world,
                                                                    django_assert_max_num_queries):
        for _ in range(25):
            instrument = InstrumentFactory(network=world.network)
            ItemFactory(instrument=instrument)
            ScaleFactory(instrument=instrument)
        signed_in(client, world, "evaluator")
        with django_assert_max_num_queries(12):
            response = client.get(LIST)
        assert response.status_code == 200


class TestTheDetailPage:
    def test_items_by_section_scales_and_bands_in_the_readers_language(self, client, world, ours):
        signed_in(client, world, "consultant", language="es")
        body = client.get(detail(ours)).content.decode()
        assert "Me siento tranquila" in body and "Nunca" in body
        assert "How you feel" in body  # the section header as the table's caption
        assert "Alto" in body and "0,81" in body  # a Spanish decimal comma

    def test_a_scores_only_instrument_says_its_wording_is_not_stored(self, client, world):
        scale = EnteredScaleFactory(instrument__network=world.network, name_en="Initiative")
        NormTable.objects.create(scale=scale, source="Manual, table 4", rows=[{"raw_low": 0}])
        signed_in(client, world, "supervisor")
        body = client.get(detail(scale.instrument)).content.decode()
        assert "its item wording is not stored in Abrazo" in body
        assert "Initiative" in body and "Manual, table 4" in body


def scores_only_post(**changes):
    data = {
        "name_en": "Protective Factors Rating", "name_es": "", "level": "child", "respondent": "teacher",
        "languages": ["en", "es"], "minutes": "15", "licence_holder": "Example Publisher", "licence_note": "",
        "description_en": "", "description_es": "",
        "scales-TOTAL_FORMS": "2", "scales-INITIAL_FORMS": "0", "scales-MIN_NUM_FORMS": "0",
        "scales-MAX_NUM_FORMS": "30",
        "scales-0-name_en": "Total", "scales-0-name_es": "Total", "scales-0-minimum": "28", "scales-0-maximum": "72",
        "scales-0-higher_is_better": "higher", "scales-0-reliability": "",
        "scales-0-bands": "28-40 Need | Necesidad\n41-72 Typical | Típico",
        "scales-1-name_en": "", "scales-1-name_es": "", "scales-1-minimum": "", "scales-1-maximum": "",
        "scales-1-higher_is_better": "higher", "scales-1-reliability": "", "scales-1-bands": "",
    }
    data.update(changes)
    return data


class TestDescribingAScoresOnlyInstrument:
    def test_the_form_creates_it_in_the_evaluators_network(self, client, world):
        signed_in(client, world, "evaluator")
        form = client.get(NEW).context["form"]
        data = scores_only_post(submission_key=str(form.initial["submission_key"]),
                                network=str(world.network.pk))
        response = client.post(NEW, data)
        instrument = Instrument.objects.get(network=world.network)
        assert response.status_code == 302 and response["Location"] == detail(instrument)
        assert instrument.scores_only and instrument.licence_holder == "Example Publisher"
        assert [band["label_es"] for band in instrument.scales.get().bands] == ["Necesidad", "Típico"]

    def test_a_double_submit_creates_one(self, client, world):
        signed_in(client, world, "evaluator")
        data = scores_only_post(submission_key="0b7d3c9e-4c53-4a7b-9d38-3f6f0a8f2c11", network=str(world.network.pk))
        first = client.post(NEW, data)
        second = client.post(NEW, data)
        instrument = Instrument.objects.get(network=world.network)
        assert first["Location"] == second["Location"] == detail(instrument)

    def test_overlapping_bands_come_back_as_a_form_error_with_the_input_kept(self, client, world):
        signed_in(client, world, "evaluator")
        response = client.post(NEW, scores_only_post(
            network=str(world.network.pk), **{"scales-0-bands": "28-45 Need\n41-72 Typical"}))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Total: its bands overlap or are not in order from lowest to highest." in body
        assert "28-45 Need" in body and 'value="Protective Factors Rating"' in body
        assert not Instrument.objects.filter(network=world.network).exists()

    def test_a_band_line_that_cannot_be_read_is_named(self, client, world):
        signed_in(client, world, "evaluator")
        response = client.post(NEW, scores_only_post(network=str(world.network.pk),
                                                     **{"scales-0-bands": "low to high Need"}))
        assert "Band line 1 (low to high Need) is not" in response.content.decode()
        assert not Instrument.objects.filter(network=world.network).exists()

    def test_at_least_one_score_is_needed(self, client, world):
        signed_in(client, world, "evaluator")
        response = client.post(NEW, scores_only_post(network=str(world.network.pk), **{
            "scales-0-name_en": "", "scales-0-name_es": "", "scales-0-minimum": "", "scales-0-maximum": "",
            "scales-0-bands": ""}))
        assert "Describe at least one score" in response.content.decode()

    def test_an_admin_cannot_post_into_another_network(self, client, world):
        signed_in(client, world, "network_admin")
        response = client.post(NEW, scores_only_post(network=str(world.other_network.pk)))
        assert response.status_code == 200  # the other network is not a choice: a form error
        assert not Instrument.objects.filter(network=world.other_network).exists()


class TestEditing:
    def edit_post(self, instrument, **changes):
        data = {"name_en": instrument.name_en, "name_es": instrument.name_es, "level": instrument.level,
                "respondent": instrument.respondent, "languages": instrument.languages, "minutes": "12",
                "public_domain": "on", "licence_holder": "", "licence_note": "", "description_en": "",
                "description_es": "", "is_active": "on", "version": str(instrument.version)}
        data.update(changes)
        return data

    def test_an_edit_is_saved(self, client, world, ours):
        signed_in(client, world, "evaluator")
        response = client.post(edit(ours), self.edit_post(ours, name_en="Teacher Stress Check (2025)"))
        assert response.status_code == 302
        ours.refresh_from_db()
        assert (ours.name_en, ours.minutes, ours.version) == ("Teacher Stress Check (2025)", 12, 2)

    def test_a_stale_edit_keeps_the_input_and_says_so(self, client, world, ours):
        # given someone saved the instrument after this editor loaded it (version 1)
        signed_in(client, world, "evaluator")
        Instrument.objects.filter(pk=ours.pk).update(version=2, name_en="Saved by someone else")
        # when the editor saves their version-1 form
        response = client.post(edit(ours), self.edit_post(ours, name_en="My change", version="1"))
        body = response.content.decode()
        # then nothing is overwritten, their input is kept, and the form now carries the stored version
        assert response.status_code == 200
        assert "Someone else changed this record while you were editing it." in body
        assert 'value="My change"' in body and 'name="version" value="2"' in body
        ours.refresh_from_db()
        assert ours.name_en == "Saved by someone else"


HEADER = "min_months,max_months,raw_low,raw_high,standard_score,percentile\n"


class TestNormUpload:
    def post(self, client, scale, text, source="Manual, table B.3"):
        return client.post(norms(scale), {"file": SimpleUploadedFile("norms.csv", text.encode()), "source": source})

    def test_a_good_file_replaces_the_table(self, client, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        signed_in(client, world, "evaluator")
        response = self.post(client, scale, HEADER + ",,0,49,45,31\n,,50,100,60,84\n")
        assert response.status_code == 302 and response["Location"] == detail(scale.instrument)
        table = NormTable.objects.get(scale=scale)
        assert (table.source, len(table.rows)) == ("Manual, table B.3", 2)

    def test_bad_rows_are_listed_by_line_and_nothing_changes(self, client, world):
        scale = EnteredScaleFactory(instrument__network=world.network)
        NormTable.objects.create(scale=scale, source="old", rows=[])
        signed_in(client, world, "evaluator")
        response = self.post(client, scale, HEADER + ",,0,49,45,31\n,,x,100,60,84\n,,60,50,1,1\n")
        body = response.content.decode()
        assert response.status_code == 200
        assert "The table was not changed." in body
        assert "Line 3: raw_low &#x27;x&#x27; is not a number." in body
        assert "Line 4: raw_low is above raw_high." in body
        assert NormTable.objects.get(scale=scale).source == "old"


def test_every_instrument_abrazo_ships_opens_in_english_and_spanish(client, world):
    # given the instruments the data migration ships (whatever they are)
    shipped = list(Instrument.objects.filter(network__isnull=True))
    assert shipped, "the data migration ships Abrazo's own instruments"
    for language in ("en", "es"):
        signed_in(client, world, "consultant", language=language)
        for instrument in shipped:
            # then each page opens, read-only
            response = client.get(detail(instrument))
            assert response.status_code == 200, instrument.key
            assert edit(instrument) not in response.content.decode()
