"""The public side of applying: the cohorts taking applications and the form, anonymous and bilingual,
protected like the public request form (honeypot, per-address limit, one-time key) and forgiving of
mistakes (input kept, errors named on their fields in the page's language)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.workforce import application_services as services
from abrazo.workforce.application_views import CONFIRMATION_SESSION_KEY
from abrazo.workforce.models import Application, CohortStatus
from abrazo.workforce.tests.factories_application import CohortFactory

pytestmark = pytest.mark.django_db

THANKS = reverse("workforce:apply-thanks")
SPANISH_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                  "octubre", "noviembre", "diciembre"]


def apply_url(cohort: Any) -> str:
    return reverse("workforce:apply", args=[cohort.pk])


def form_key(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    found = re.search(r'name="submission_key" value="([0-9a-f-]+)"', page)
    assert found, "the form carries a one-time key"
    return found.group(1)


def answers(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "given_name": "Lucía", "family_name": "Hernández", "email": "lucia@example.org", "phone": "",
        "county": "06019", "current_role": "Maestra de preescolar", "employer": "Head Start Fresno",
        "degree": "BA, Desarrollo infantil", "license_type": "none", "license_eligible": "on",
        "years_experience_early_childhood": "7", "background": "Siete años en preescolar.",
        "languages": ["es", "en"], "other_languages": "Mixteco", "race_ethnicity": "", "gender": "",
        "gender_self_described": "", "lived_experience": "", "motivation": "Quiero acompañar a las maestras.",
        "website": "",
    }
    values.update(overrides)
    return values


@pytest.fixture
def cohort(world: Any) -> Any:
    return CohortFactory(network=world.network, region=world.region_a, name="Cohorte del Valle Central")


# --- The list of cohorts ------------------------------------------------------------------------------


def test_the_cohort_list_shows_only_the_network_s_cohorts_taking_applications(world, cohort):
    # given cohorts in every state, and one of another network
    today = timezone.localdate()
    CohortFactory(network=world.network, name="Closed yesterday", applications_close_on=today - timedelta(days=1))
    CohortFactory(network=world.network, name="Under way", status=CohortStatus.IN_PROGRESS)
    CohortFactory(network=world.network, name="Still planned", status=CohortStatus.PLANNED)
    CohortFactory(network=world.network, name="No closing date", applications_close_on=None)
    CohortFactory(network=world.other_network, name="Elsewhere")
    # when someone without an account opens the network's page
    response = Client().get(reverse("workforce:apply-cohorts-for-network", args=[world.network.slug]))
    # then the two open cohorts are offered, each with its form
    assert response.status_code == 200
    offered = [card.cohort.name for card in response.context["cards"]]
    assert offered == ["Cohorte del Valle Central", "No closing date"]  # the one closing soonest first
    page = response.content.decode()
    assert apply_url(cohort) in page and "Central Valley" in page
    for hidden in ("Closed yesterday", "Under way", "Still planned", "Elsewhere"):
        assert hidden not in page


def test_the_cohort_list_speaks_spanish_with_the_spanish_description(world, cohort):
    page = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse("workforce:apply-cohorts")).content.decode()
    assert cohort.description_es in page and cohort.description_en not in page


def test_an_unknown_network_is_not_found(world):
    assert Client().get(reverse("workforce:apply-cohorts-for-network", args=["nowhere"])).status_code == 404


# --- Applying -----------------------------------------------------------------------------------------


def test_anyone_can_apply_in_spanish_on_a_phone_without_an_account(world, cohort, django_capture_on_commit_callbacks):
    # given someone on the Spanish site, not signed in
    client = Client(HTTP_ACCEPT_LANGUAGE="es", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    page = client.get(apply_url(cohort))
    assert page.status_code == 200 and page.wsgi_request.LANGUAGE_CODE == "es"
    assert 'name="viewport"' in page.content.decode()
    # when they send the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(apply_url(cohort), answers(submission_key=form_key(client, apply_url(cohort))),
                               REMOTE_ADDR="198.51.100.30")
    # then one application exists with what they typed, Spanish as its language and region A from Fresno
    assert response.status_code == 302 and response["Location"] == THANKS
    application = Application.objects.get()
    assert (application.cohort, application.preferred_language, application.region) == (cohort, "es", world.region_a)
    assert (application.license_eligible, application.years_experience_early_childhood) == (True, 7)
    assert sorted(application.languages.values_list("code", flat=True)) == ["en", "es"]
    assert application.other_languages == "Mixteco"
    assert (application.race_ethnicity, application.gender) == ("not_reported", "not_reported")
    # and the confirmation names the cohort and their email, nothing else they typed
    confirmation = client.get(THANKS).content.decode()
    assert "Cohorte del Valle Central" in confirmation and "lucia@example.org" in confirmation
    assert "Mixteco" not in confirmation and "Head Start" not in confirmation
    # and the acknowledgement went out in Spanish (Spanish month names in its dates)
    [message] = mail.outbox
    assert message.to == ["lucia@example.org"] and message.extra_headers["Content-Language"] == "es"
    assert SPANISH_MONTHS[timezone.localdate().month - 1] in message.body


def test_the_form_offers_the_network_s_counties_the_languages_and_optional_demographics(world, cohort):
    page = Client().get(apply_url(cohort)).content.decode()
    # then only the network's counties (Fresno, Los Angeles) are offered
    assert set(re.findall(r'<option value="(\d{5})"', page)) == {"06019", "06037"}
    # and English and Spanish come first among the languages
    languages = re.findall(r'name="languages" value="([a-z]{2,3})"', page)
    assert languages[:2] == ["en", "es"] and len(languages) > 10
    # and the demographic questions say why they are asked and that they are optional
    assert "Every question in this section is optional" in page
    assert "reflect the families it serves" in page
    assert 'name="race_ethnicity" value=""' in page  # "I prefer not to answer" is a real choice
    # and the page says which language we will write in
    assert "We will write to you in English, the language of this page." in page


def test_mistakes_keep_the_input_and_are_named_in_spanish(world, cohort):
    # given a Spanish-speaking applicant with a malformed email and no motivation
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    values = answers(email="lucia-arroba-example", motivation="", years_experience_early_childhood="-2",
                     submission_key=form_key(client, apply_url(cohort)))
    # when they send it
    response = client.post(apply_url(cohort), values)
    # then the form comes back with what they typed
    assert response.status_code == 200
    form = response.context["form"]
    assert form["given_name"].value() == "Lucía" and form["email"].value() == "lucia-arroba-example"
    assert form["languages"].value() == ["es", "en"] and form["other_languages"].value() == "Mixteco"
    # and each problem is named on its field, in Spanish (Django's own catalogue)
    assert form.errors["email"] == ["Introduzca una dirección de correo electrónico válida."]
    assert form.errors["motivation"] == ["Este campo es obligatorio."]
    assert form.errors["years_experience_early_childhood"] == ["Asegúrese de que este valor es mayor o igual a 0."]
    assert set(form.errors) == {"email", "motivation", "years_experience_early_childhood"}
    page = response.content.decode()
    assert 'href="#field-email"' in page and 'aria-invalid="true"' in page
    assert not Application.objects.exists()


def test_a_double_submit_makes_one_application(world, cohort, django_capture_on_commit_callbacks):
    # given one form sent twice (a double tap on a phone)
    client = Client()
    key = form_key(client, apply_url(cohort))
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(apply_url(cohort), answers(submission_key=key))
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(apply_url(cohort), answers(submission_key=key))
    # then both land on the confirmation of one application, acknowledged once
    assert first.status_code == second.status_code == 302
    assert Application.objects.count() == 1
    assert client.session[CONFIRMATION_SESSION_KEY]["email"] == "lucia@example.org"
    assert len(mail.outbox) == 1


def test_a_robot_filling_the_hidden_field_sees_the_confirmation_and_nothing_is_saved(world, cohort):
    client = Client()
    response = client.post(apply_url(cohort), answers(website="http://spam.example",
                                                      submission_key=form_key(client, apply_url(cohort))))
    assert response.status_code == 302 and response["Location"] == THANKS
    assert not Application.objects.exists() and mail.outbox == []


def test_the_hidden_field_is_out_of_the_way_of_people(world, cohort):
    hidden = Client().get(apply_url(cohort)).content.decode().split('aria-hidden="true">')[-1]
    assert 'name="website"' in hidden and 'tabindex="-1"' in hidden


def test_more_than_five_applications_an_hour_from_one_address_are_refused(world, cohort):
    client = Client()
    for n in range(services.SUBMISSIONS_PER_WINDOW):
        response = client.post(apply_url(cohort), answers(email=f"person{n}@example.org",
                                                          submission_key=form_key(client, apply_url(cohort))),
                               REMOTE_ADDR="203.0.113.70")
        assert response.status_code == 302
    # when a sixth arrives from the same address
    response = client.post(apply_url(cohort), answers(submission_key=form_key(client, apply_url(cohort))),
                           REMOTE_ADDR="203.0.113.70")
    # then it is refused with the input kept, while another address still gets through
    assert response.status_code == 429
    assert "several applications from your connection" in response.content.decode()
    assert response.context["form"]["motivation"].value() == "Quiero acompañar a las maestras."
    assert Application.objects.count() == services.SUBMISSIONS_PER_WINDOW
    other = client.post(apply_url(cohort), answers(submission_key=form_key(client, apply_url(cohort))),
                        REMOTE_ADDR="203.0.113.71")
    assert other.status_code == 302


def test_a_county_of_another_network_is_refused(world, cohort):
    client = Client()
    response = client.post(apply_url(cohort), answers(county="06001",
                                                      submission_key=form_key(client, apply_url(cohort))))
    assert response.status_code == 200
    assert response.context["form"].errors["county"] == ["Choose one of the counties this network serves."]


def test_a_closed_cohort_says_so_and_a_planned_one_does_not_exist(world):
    closed = CohortFactory(network=world.network, status=CohortStatus.IN_PROGRESS, name="Cohort under way")
    planned = CohortFactory(network=world.network, status=CohortStatus.PLANNED)
    response = Client().get(apply_url(closed))
    assert response.status_code == 200 and "no longer taking applications" in response.content.decode()
    assert "submission_key" not in response.content.decode()
    posted = Client().post(apply_url(closed), answers())
    assert posted.status_code == 200 and not Application.objects.exists()
    assert Client().get(apply_url(planned)).status_code == 404


def test_the_thanks_page_without_an_application_points_to_the_cohorts(db):
    response = Client().get(THANKS)
    assert response.status_code == 200
    assert reverse("workforce:apply-cohorts") in response.content.decode()
