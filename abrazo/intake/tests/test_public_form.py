"""The public request form: anonymous and bilingual, pre-filled for program staff, protected by a honeypot,
a per-address rate limit and a one-time key, and forgiving of mistakes (input kept, errors specific)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from abrazo.directory.models import Program
from abrazo.directory.tests.factories import NetworkCountyFactory, RegionFactory, county
from abrazo.intake import services
from abrazo.intake.models import Priority, Request
from abrazo.intake.views import CONFIRMATION_SESSION_KEY

pytestmark = pytest.mark.django_db

NEW = reverse("intake:request-create")
THANKS = reverse("intake:request-thanks")


def form_key(client: Client, url: str = NEW, **extra: Any) -> str:
    page = client.get(url, **extra).content.decode()
    found = re.search(r'name="submission_key" value="([0-9a-f-]+)"', page)
    assert found, "the form carries a one-time key"
    return found.group(1)


def answers(**overrides: str | list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "requester_name": "María López", "requester_email": "maria@example.org", "requester_phone": "",
        "requester_role": "parent", "preferred_language": "es", "program_name": "Casa Feliz Family Child Care",
        "license_number": "", "address_line1": "88 Palm Street", "address_line2": "", "city": "Fresno",
        "postal_code": "93702", "county": "06019", "setting_type": "fcc_small", "auspice": "",
        "ages_served": ["toddlers", "preschoolers"], "classroom_size": "8", "languages": ["es", "en"],
        "concern_categories": ["behavior", "separation"],
        "concern_text": "Mi hijo de tres años muerde a otros niños.", "child_specific": "yes",
        "child_age_years": "3", "child_age_months": "2", "imminent_risk": "yes",
        "availability": "Mañanas", "website": "",
    }
    values.update(overrides)
    return values


def test_anyone_can_ask_in_spanish_without_an_account(world, django_capture_on_commit_callbacks):
    # given a family on the Spanish site, not signed in
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(NEW)
    assert page.status_code == 200
    assert page.wsgi_request.LANGUAGE_CODE == "es"
    key = form_key(client)
    # when they send the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, answers(submission_key=key), REMOTE_ADDR="198.51.100.20")
    # then one urgent request exists, with the typed values, and they land on the confirmation
    request = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == THANKS
    assert request.priority == Priority.URGENT
    assert (request.child_age_months, request.serves_toddlers, request.serves_infants) == (38, True, False)
    assert request.preferred_language_id == "es" and request.region == world.region_a
    assert sorted(request.languages.values_list("code", flat=True)) == ["en", "es"]
    assert request.submitted_by is None
    # and the confirmation shows the reference and the email they typed, nothing more
    confirmation = client.get(THANKS).content.decode()
    assert request.reference in confirmation
    assert "maria@example.org" in confirmation
    assert "muerde" not in confirmation and "88 Palm Street" not in confirmation
    # and the acknowledgement went out in Spanish
    assert [m.extra_headers["Content-Language"] for m in mail.outbox] == ["es"]


def test_the_form_asks_the_imminent_risk_question_plainly_and_offers_only_the_network_s_counties(world):
    # given the public form
    page = Client().get(NEW).content.decode()
    # then the risk question is asked in words a provider or parent uses
    assert "at risk of being suspended, expelled or asked to leave the program soon" in page
    # and only the network's counties (Fresno, Los Angeles) are offered, not the rest of California
    offered = set(re.findall(r'<option value="(\d{5})"', page))
    assert offered == {"06019", "06037"}
    # and English and Spanish come first in the language list
    languages = re.findall(r'<option value="([a-z]{2,3})"', page.split('name="preferred_language"')[1])
    assert languages[:2] == ["en", "es"]


def test_each_network_has_its_own_form(world):
    # given a second network serving Alameda County
    region = RegionFactory(network=world.other_network, name="Bay", code="bay")
    NetworkCountyFactory(network=world.other_network, region=region, county=county("06001"))
    url = reverse("intake:request-create-for-network", args=["other"])
    client = Client()
    # when a request is sent through its address
    response = client.post(url, answers(county="06001", submission_key=form_key(client, url)))
    # then it belongs to that network, and a county of the first network would have been refused
    assert response.status_code == 302
    assert Request.objects.get().network == world.other_network
    refused = client.post(url, answers(county="06019", submission_key=form_key(client, url)))
    assert refused.status_code == 200
    assert "Choose one of the counties this network serves." in refused.content.decode()


def test_an_unknown_network_is_not_found(world):
    assert Client().get(reverse("intake:request-create-for-network", args=["nowhere"])).status_code == 404


def test_program_staff_get_their_program_filled_in_and_it_is_recognised(world, client):
    # given a director of program A, signed in
    staff = world.people["program_staff"]
    client.force_login(staff)
    page = client.get(NEW)
    form = page.context["form"]
    # then the form carries their program and themselves
    assert form.initial["program_name"] == world.program_a.name
    assert form.initial["license_number"] == world.program_a.license_number
    assert form.initial["requester_email"] == staff.email
    # when they send it with only the concern added
    values = {name: form.initial.get(name, "") for name in answers()}
    values.update(
        county=world.program_a.county_id, requester_role="director", preferred_language="en",
        concern_categories=["classroom"], concern_text="Transitions are hard.", child_specific="no",
        imminent_risk="no", website="", ages_served=form.initial.get("ages_served", []), languages=[],
        child_age_years="", child_age_months="", classroom_size="", submission_key=form.initial["submission_key"],
    )
    response = client.post(NEW, values)
    # then the request is linked to their program (no new program) and they can follow it
    assert response.status_code == 302
    request = Request.objects.get()
    assert request.program == world.program_a and request.submitted_by == staff
    assert Program.objects.filter(network=world.network).count() == 2
    listing = client.get(reverse("intake:request-list")).content.decode()
    assert request.reference in listing and "My program" in listing


def test_a_known_program_typed_by_a_stranger_is_recognised_not_duplicated(world):
    client = Client()
    values = answers(license_number=world.program_a.license_number, program_name="SUNRISE CENTER",
                     submission_key=form_key(client))
    client.post(NEW, values)
    assert Request.objects.get().program == world.program_a


def test_a_robot_filling_the_hidden_field_sees_the_confirmation_and_nothing_is_saved(world):
    # given a robot that fills in every field, the hidden one too
    client = Client()
    response = client.post(NEW, answers(website="http://spam.example", submission_key=form_key(client)))
    # then it is shown the usual confirmation, with a reference-shaped number
    assert response.status_code == 302 and response["Location"] == THANKS
    decoy = client.session[CONFIRMATION_SESSION_KEY]["reference"]
    assert re.fullmatch(r"R-\d{2}-\d{6}", decoy)
    # but no request exists and no email was sent
    assert not Request.objects.exists()
    assert mail.outbox == []


def test_the_hidden_field_is_out_of_the_way_of_people(world):
    page = Client().get(NEW).content.decode()
    hidden = page.split('aria-hidden="true">')[-1]
    assert 'name="website"' in hidden and 'tabindex="-1"' in hidden


def test_more_than_five_requests_an_hour_from_one_address_are_refused(world):
    # given five requests from one address
    client = Client()
    for _ in range(services.SUBMISSIONS_PER_WINDOW):
        response = client.post(NEW, answers(submission_key=form_key(client)), REMOTE_ADDR="203.0.113.50")
        assert response.status_code == 302
    # when a sixth arrives from it
    response = client.post(NEW, answers(submission_key=form_key(client)), REMOTE_ADDR="203.0.113.50")
    # then it is refused with a clear message and the input kept, while another address still gets through
    assert response.status_code == 429
    assert "several requests from your connection" in response.content.decode()
    assert response.context["form"]["program_name"].value() == "Casa Feliz Family Child Care"
    assert Request.objects.count() == services.SUBMISSIONS_PER_WINDOW
    other = client.post(NEW, answers(submission_key=form_key(client)), REMOTE_ADDR="203.0.113.51")
    assert other.status_code == 302


def test_a_double_submit_makes_one_request_and_shows_the_same_reference(world):
    # given one form sent twice (a double click)
    client = Client()
    key = form_key(client)
    first = client.post(NEW, answers(submission_key=key))
    reference = client.session[CONFIRMATION_SESSION_KEY]["reference"]
    second = client.post(NEW, answers(submission_key=key))
    # then both land on the confirmation of the same single request
    assert first.status_code == second.status_code == 302
    assert Request.objects.count() == 1
    assert client.session[CONFIRMATION_SESSION_KEY]["reference"] == reference == Request.objects.get().reference


def test_mistakes_keep_the_input_and_name_each_problem_in_spanish(world):
    # given a Spanish-speaking person who leaves their email malformed, the concern empty and no child age
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    values = answers(requester_email="maria-at-example", concern_text="", child_age_years="", postal_code="9370",
                     submission_key=form_key(client))
    # when they send it
    response = client.post(NEW, values)
    # then the form comes back with what they typed
    assert response.status_code == 200
    form = response.context["form"]
    assert form["program_name"].value() == "Casa Feliz Family Child Care"
    assert form["requester_email"].value() == "maria-at-example"
    assert form["concern_categories"].value() == ["behavior", "separation"]
    # and each problem is named on its field, in Spanish where Django's own catalogue speaks it
    assert form.errors["requester_email"] == ["Introduzca una dirección de correo electrónico válida."]
    assert form.errors["concern_text"] == ["Este campo es obligatorio."]
    assert set(form.errors) == {"requester_email", "concern_text", "child_age_years", "postal_code"}
    page = response.content.decode()
    assert 'href="#field-requester_email"' in page and 'aria-invalid="true"' in page
    assert not Request.objects.exists()


def test_the_confirmation_page_without_a_submission_goes_back_to_the_form(db):
    response = Client().get(THANKS)
    assert response.status_code == 302 and response["Location"] == NEW


def test_correcting_mistakes_does_not_use_up_the_limit(world):
    # given someone who sends an incomplete form many times from one address
    client = Client()
    key = form_key(client)
    for _ in range(services.SUBMISSIONS_PER_WINDOW + 2):
        response = client.post(NEW, answers(concern_text="", submission_key=key), REMOTE_ADDR="203.0.113.60")
        assert response.status_code == 200
    # when they finally complete it
    response = client.post(NEW, answers(submission_key=key), REMOTE_ADDR="203.0.113.60")
    # then it goes through, with the same form key
    assert response.status_code == 302
    assert Request.objects.count() == 1


def test_network_staff_entering_a_request_for_someone_type_the_requester(world, client):
    # given a coordinator taking a request on the phone
    client.force_login(world.people["regional_coordinator"])
    form = client.get(NEW).context["form"]
    # then nothing of theirs is filled in as the requester
    assert "requester_email" not in form.initial and "program_name" not in form.initial
