"""The REDCap pages over HTTP: upload, every error in the reader's language, preview, confirm once, result,
and an instrument downloaded as a dictionary; for each role and outside the network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from abrazo.audit.models import AccessEvent
from abrazo.measures import redcap
from abrazo.measures.models import Instrument, Item, Level, Respondent
from abrazo.measures.redcap_import import import_dictionary
from abrazo.measures.redcap_views import PROBLEM_MESSAGES

pytestmark = pytest.mark.django_db

# The instruments Abrazo ships (no network) are in every database; these tests look at networks' own.
OWN = Instrument.objects.filter(network__isnull=False)
OWN_ITEMS = Item.objects.filter(instrument__network__isnull=False)

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "redcap"
if not FIXTURES.is_dir():
    FIXTURES = Path("/work/shared/fixtures/redcap")

UPLOAD = reverse("measures:redcap-import")
CONFIRM = reverse("measures:redcap-import-confirm")


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes(),
                              content_type="text/csv")


def token_of(response) -> str:
    match = re.search(r"[?&]token=([\w-]+)", response["Location"])
    assert match, response["Location"]
    return match[1]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.people["network_admin"])
    return client


def broken_simple() -> bytes:
    text = (FIXTURES / "redcapr_simple_dictionary.csv").read_text()
    return text.replace("sex,demographics,,radio,", "sex,demographics,,radiobutton,").encode()


class TestJourney:
    def test_upload_preview_confirm_result(self, admin_client, world):
        # given the upload page
        page = admin_client.get(UPLOAD)
        assert page.status_code == 200
        assert 'for="id_file"' in page.content.decode()
        # when the admin uploads a clean dictionary with three forms
        sent = admin_client.post(UPLOAD, {"file": upload("redcapr_simple_dictionary.csv"),
                                          "network": world.network.pk})
        # then the preview shows each form's fields by type, and nothing is written yet
        assert sent.status_code == 302
        token = token_of(sent)
        preview = admin_client.get(sent["Location"]).content.decode()
        assert re.findall(r'data-form="(\w+)"', preview) == ["demographics", "health", "race_and_ethnicity"]
        assert re.findall(r'data-count="fields">(\d+)<', preview) == ["9", "5", "2"]
        assert "<code>text</code> 7" in preview and "Confirm the import" in preview
        assert "<caption" in preview and 'scope="col"' in preview
        assert not Instrument.objects.filter(network=world.network).exists()
        # when they confirm
        confirmed = admin_client.post(CONFIRM, {"token": token})
        # then three instruments exist and the result page links to each
        assert confirmed.status_code == 302
        result = admin_client.get(confirmed["Location"]).content.decode()
        instruments = Instrument.objects.filter(network=world.network).order_by("redcap_form")
        assert [i.redcap_form for i in instruments] == ["demographics", "health", "race_and_ethnicity"]
        assert OWN_ITEMS.filter(instrument__network=world.network).count() == 16
        for instrument in instruments:
            assert reverse("measures:instrument-detail", args=[instrument.pk]) in result
        # and confirming again imports nothing more
        again = admin_client.post(CONFIRM, {"token": token})
        assert again.status_code == 302
        assert Instrument.objects.filter(network=world.network).count() == 3

    def test_warnings_are_shown_in_the_preview(self, admin_client, world):
        # given a dictionary whose identifier flag on line 3 is neither y nor blank (a warning, not an error)
        text = (FIXTURES / "redcapr_simple_dictionary.csv").read_text()
        text = text.replace('"First Name",,,,,,y,', '"First Name",,,,,,maybe,')
        # when it is uploaded, then the preview lists the warning and still offers the import
        sent = admin_client.post(UPLOAD, {"file": upload("simple.csv", text.encode()), "network": world.network.pk})
        assert sent.status_code == 302
        preview = admin_client.get(sent["Location"]).content.decode()
        assert "Warnings, by line of the file" in preview
        assert re.search(r'<th scope="row">3</th>\s*<td><code>Identifier\?</code></td>\s*<td><code>maybe</code>',
                         preview)
        assert escape(str(PROBLEM_MESSAGES["flag"])) in preview
        assert "Confirm the import" in preview

    def test_preview_says_which_instruments_are_updated(self, admin_client, world):
        import_dictionary(actor=None, network=world.network,
                          dictionary=redcap.read_dictionary((FIXTURES / "redcapr_simple_dictionary.csv").read_bytes()))
        sent = admin_client.post(UPLOAD, {"file": upload("redcapr_simple_dictionary.csv"),
                                          "network": world.network.pk})
        preview = admin_client.get(sent["Location"]).content.decode()
        assert preview.count("Updates ") == 3 and "New instrument" not in preview


class TestErrors:
    def test_broken_row_lists_line_and_column_and_stages_nothing(self, admin_client, world):
        # when a dictionary with an unknown field type on line 10 is uploaded
        page = admin_client.post(UPLOAD, {"file": upload("simple.csv", broken_simple()), "network": world.network.pk})
        # then the page lists that line and column, and nothing is imported or staged
        assert page.status_code == 200
        body = page.content.decode()
        assert "nothing was imported" in body
        assert re.search(r'<th scope="row">10</th>\s*<td><code>Field Type</code></td>\s*<td><code>radiobutton</code>',
                         body)
        assert escape(str(PROBLEM_MESSAGES["type_unknown"])) in body
        assert not OWN.exists()

    def test_errors_are_shown_in_spanish(self, client, world):
        # given a Spanish-speaking evaluator, and the message an unknown field type gives
        person = world.people["evaluator"]
        person.preferred_language = "es"
        person.save()
        client.force_login(person)
        message = str(PROBLEM_MESSAGES["type_unknown"])  # English: the tests start in English
        catalogue = translation.trans_real.translation("es")
        spanish = catalogue.gettext(message)
        injected = spanish == message
        if injected:  # the catalogue has no translation yet: show that the page asks it for one
            spanish = "Tipo de campo desconocido."
            catalogue._catalog._catalogs[0][message] = spanish
        try:
            # when they upload a dictionary with an unknown field type
            page = client.post(UPLOAD, {"file": upload("simple.csv", broken_simple()), "network": world.network.pk})
            # then the problem is explained in Spanish
            body = page.content.decode()
            assert page["Content-Language"] == "es"
            assert escape(spanish) in body
            assert escape(message) not in body
        finally:
            if injected:
                del catalogue._catalog._catalogs[0][message]

    def test_a_record_export_is_not_a_dictionary(self, admin_client, world):
        page = admin_client.post(UPLOAD, {"file": upload("redcapapi_test_records.csv"), "network": world.network.pk})
        body = page.content.decode()
        assert page.status_code == 200
        assert "This is not a REDCap data dictionary" in body

    def test_a_file_that_is_not_csv_is_refused_with_the_form_kept(self, admin_client, world):
        page = admin_client.post(UPLOAD, {"file": upload("notes.pdf", b"%PDF"), "network": world.network.pk})
        assert page.status_code == 200
        assert "Choose the dictionary&#x27;s CSV file." in page.content.decode()

    def test_a_made_up_token_finds_nothing(self, admin_client):
        page = admin_client.get(CONFIRM, {"token": "nope"})
        assert "There is no checked dictionary waiting here" in page.content.decode()
        assert admin_client.post(CONFIRM, {"token": "nope"}).status_code == 200
        assert not OWN.exists()


class TestAccess:
    @pytest.mark.parametrize("role", ["consultant", "supervisor", "regional_coordinator", "program_staff"])
    def test_roles_without_instrument_manage_cannot_import(self, client, world, role):
        client.force_login(world.people[role])
        assert client.get(UPLOAD).status_code == 404

    def test_the_evaluator_may_import(self, client, world):
        client.force_login(world.people["evaluator"])
        sent = client.post(UPLOAD, {"file": upload("redcapr_simple_dictionary.csv"), "network": world.network.pk})
        assert sent.status_code == 302

    def test_another_network_cannot_be_chosen(self, admin_client, world):
        page = admin_client.post(UPLOAD, {"file": upload("redcapr_simple_dictionary.csv"),
                                          "network": world.other_network.pk})
        assert page.status_code == 200
        assert not OWN.exists()

    def test_someone_elses_token_does_not_work(self, admin_client, client, world):
        sent = admin_client.post(UPLOAD, {"file": upload("redcapr_simple_dictionary.csv"),
                                          "network": world.network.pk})
        token = token_of(sent)
        client.force_login(world.people["evaluator"])
        assert "There is no checked dictionary" in client.get(CONFIRM, {"token": token}).content.decode()
        client.post(CONFIRM, {"token": token})
        assert not OWN.exists()


class TestExport:
    @pytest.fixture
    def instrument(self, world):
        dictionary = redcap.read_dictionary((FIXTURES / "redcapr_simple_dictionary.csv").read_bytes())
        result = import_dictionary(actor=None, network=world.network, dictionary=dictionary)
        return result.instruments[1]  # health

    def test_an_instrument_downloads_as_the_dictionary_it_came_from(self, admin_client, instrument):
        response = admin_client.get(reverse("measures:redcap-export", args=[instrument.pk]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert 'filename="health_dictionary.csv"' in response["Content-Disposition"]
        exported = redcap.read_dictionary(response.content)
        original = redcap.read_dictionary((FIXTURES / "redcapr_simple_dictionary.csv").read_bytes())
        assert [f.comparable() for f in exported.fields] == [f.comparable() for f in original.forms[1].fields]
        assert AccessEvent.objects.filter(action="export", object_id=str(instrument.pk)).count() == 1

    @pytest.mark.parametrize("role", ["network_admin", "evaluator", "consultant", "supervisor",
                                      "regional_coordinator"])
    def test_readers_of_the_network_may_download(self, client, world, instrument, role):
        client.force_login(world.people[role])
        assert client.get(reverse("measures:redcap-export", args=[instrument.pk])).status_code == 200

    def test_program_staff_and_other_networks_cannot(self, client, world, instrument):
        client.force_login(world.people["program_staff"])
        assert client.get(reverse("measures:redcap-export", args=[instrument.pk])).status_code == 404
        other = Instrument.objects.create(network=world.other_network, key="theirs", name_en="Theirs",
                                          level=Level.CHILD, respondent=Respondent.OTHER)
        client.force_login(world.people["network_admin"])
        assert client.get(reverse("measures:redcap-export", args=[other.pk])).status_code == 404
