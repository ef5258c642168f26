"""The public suggestion form: anyone may suggest a resource, in English or Spanish, without an account; the form
is protected by a honeypot, a per-address rate limit and a one-time key; uploads are PDFs checked by content."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from abrazo.audit.models import AccessEvent
from abrazo.library import resource_services as services
from abrazo.library.default_topics import DEFAULT_TOPICS
from abrazo.library.models import Audience, Resource, ResourceStatus, Topic, audience_bits_of
from abrazo.library.suggest_views import THANKS_SESSION_KEY
from abrazo.library.tests.factories_curation import (
    form_key,
    index_spy,
    pdf_upload,
    signed_in,
    suggestion_answers,
)
from abrazo.library.tests.factories_resource import TopicFactory

pytestmark = pytest.mark.django_db

SUGGEST = reverse("library:suggest")
THANKS = reverse("library:suggest-thanks")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_visitor_suggests_a_resource_in_spanish_and_is_thanked_in_spanish(world, django_capture_on_commit_callbacks):
    # given a visitor on the Spanish site, not signed in, choosing one of the default topics
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(SUGGEST)
    assert page.status_code == 200 and page.wsgi_request.LANGUAGE_CODE == "es"
    assert '<html lang="es">' in page.content.decode()
    topic = Topic.objects.get(network=world.network, key="big-feelings")
    values = suggestion_answers(topics=[str(topic.pk)], submission_key=form_key(client, SUGGEST))
    # when they send the form
    with index_spy() as indexed, django_capture_on_commit_callbacks(execute=True):
        response = client.post(SUGGEST, values, REMOTE_ADDR="198.51.100.30")
    # then one suggestion waits for review, with what they typed, in the only network
    assert response.status_code == 302 and response["Location"] == THANKS
    suggestion = Resource.objects.get()
    assert suggestion.status == ResourceStatus.SUGGESTED and suggestion.network == world.network
    assert (suggestion.title, suggestion.url, suggestion.kind, suggestion.language) == (
        "Cuando los pequeños tienen berrinches", "https://recursos.example.org/berrinches", "tip_sheet", "es")
    assert suggestion.audience_bits == audience_bits_of([Audience.FAMILIES, Audience.PROVIDERS])
    assert list(suggestion.topics.all()) == [topic]
    assert (suggestion.suggested_by_name, suggestion.suggested_by_email) == ("Rosa Méndez", "rosa@example.org")
    assert suggestion.suggester_language == "es" and suggestion.published_at is None
    assert suggestion.curated_by is None and suggestion.summary == ""
    # and the search structures were told about it once the suggestion committed
    assert indexed == [[suggestion.pk]]
    # and the thanks page names what they suggested and where the confirmation goes
    thanks = client.get(THANKS).content.decode()
    assert "Cuando los pequeños tienen berrinches" in thanks and "rosa@example.org" in thanks
    # and the acknowledgement went to them, in Spanish, naming the resource
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rosa@example.org"] and message.extra_headers["Content-Language"] == "es"
    assert "Cuando los pequeños tienen berrinches" in message.subject
    # and the ledger has the anonymous creation, with the address they gave
    event = AccessEvent.objects.get(object_type="library.resource", object_id=str(suggestion.pk))
    assert (event.action, event.user_id, event.user_email) == ("create", None, "rosa@example.org")


def test_the_form_installs_the_default_topics_in_both_languages_the_first_time(world):
    # given a network with no topics yet
    assert not Topic.objects.filter(network=world.network).exists()
    # when the form is opened in Spanish
    html = Client(HTTP_ACCEPT_LANGUAGE="es").get(SUGGEST).content.decode()
    # then the default topics exist, in order, with English and Spanish names, and are offered in Spanish
    topics = list(Topic.objects.filter(network=world.network).order_by("position"))
    assert [topic.key for topic in topics] == [key for key, _en, _es in DEFAULT_TOPICS]
    assert topics[0].name_en == "Relationships and attachment" and topics[0].name_es == "Relaciones y apego"
    assert "Relaciones y apego" in html and "El Modelo Pirámide" in html
    # and a second visit installs nothing more
    Client().get(SUGGEST)
    assert Topic.objects.filter(network=world.network).count() == len(DEFAULT_TOPICS)


def test_a_network_that_chose_its_topics_is_left_alone(world):
    # given a network whose administrators made one topic of their own
    own = TopicFactory(network=world.network, key="own", name_en="Our own", name_es="Lo nuestro")
    # when the form is opened
    page = Client().get(SUGGEST)
    # then only that topic is offered
    assert page.context["form"].fields["topics"].choices == [(str(own.pk), "Our own")]


def test_no_email_no_acknowledgement_and_no_name_needed(world, django_capture_on_commit_callbacks):
    # given a visitor who leaves their name and email empty
    client = Client()
    values = suggestion_answers(name="", email="", submission_key=form_key(client, SUGGEST))
    # when they send the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SUGGEST, values)
    # then the suggestion is recorded and nobody is emailed
    assert response.status_code == 302
    assert Resource.objects.get().suggested_by_email == ""
    assert mail.outbox == []


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_recorded(world, django_capture_on_commit_callbacks):
    # given a robot that fills in every field, the hidden one too
    client = Client()
    values = suggestion_answers(website="https://spam.example.com", submission_key=form_key(client, SUGGEST))
    # when it sends the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SUGGEST, values)
    # then it sees the thanks page like a person would, and nothing was stored or sent
    assert response.status_code == 302 and response["Location"] == THANKS
    assert not Resource.objects.exists() and mail.outbox == []
    # and the honeypot is out of sight and out of the accessibility tree on the form
    html = client.get(SUGGEST).content.decode()
    assert '<div class="visually-hidden" aria-hidden="true">' in html and 'name="website"' in html


def test_the_rate_limit_stops_a_flood_from_one_address(world):
    # given one address that has sent the most suggestions an hour allows
    client = Client()
    for number in range(services.SUGGESTIONS_PER_WINDOW):
        sent = client.post(SUGGEST, suggestion_answers(title=f"Resource {number}",
                                                       submission_key=form_key(client, SUGGEST)),
                           REMOTE_ADDR="203.0.113.77")
        assert sent.status_code == 302
    # when it sends one more
    response = client.post(SUGGEST, suggestion_answers(title="One too many", submission_key=form_key(client, SUGGEST)),
                           REMOTE_ADDR="203.0.113.77")
    # then it is refused with a clear message, the form keeps what was typed, and nothing more is stored
    assert response.status_code == 429
    assert "several suggestions from your connection" in response.content.decode()
    assert response.context["form"]["title"].value() == "One too many"
    assert Resource.objects.count() == services.SUGGESTIONS_PER_WINDOW
    # and another address is not affected
    other = client.post(SUGGEST, suggestion_answers(title="Elsewhere", submission_key=form_key(client, SUGGEST)),
                        REMOTE_ADDR="203.0.113.78")
    assert other.status_code == 302


def test_mistakes_do_not_use_up_the_limit(world):
    # given someone who sends an incomplete form many times
    client = Client()
    key = form_key(client, SUGGEST)
    for _attempt in range(services.SUGGESTIONS_PER_WINDOW + 2):
        assert client.post(SUGGEST, suggestion_answers(title="", submission_key=key),
                           REMOTE_ADDR="203.0.113.90").status_code == 200
    # when they finally complete it, with the same form
    response = client.post(SUGGEST, suggestion_answers(submission_key=key), REMOTE_ADDR="203.0.113.90")
    # then it goes through
    assert response.status_code == 302 and Resource.objects.count() == 1


def test_a_double_submit_makes_one_suggestion(world, django_capture_on_commit_callbacks):
    # given one form sent twice (a double click)
    client = Client()
    values = suggestion_answers(submission_key=form_key(client, SUGGEST))
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(SUGGEST, values)
        second = client.post(SUGGEST, values)
    # then both land on the thanks page of the one suggestion, and one acknowledgement was sent
    assert first.status_code == second.status_code == 302
    assert Resource.objects.count() == 1 and len(mail.outbox) == 1
    assert client.session[THANKS_SESSION_KEY]["title"] == "Cuando los pequeños tienen berrinches"


def test_a_link_or_a_file_is_required_and_what_was_typed_is_kept(world):
    # given a Spanish-speaking visitor who gives neither a link nor a file, and no title
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    response = client.post(SUGGEST, suggestion_answers(url="", title="", submission_key=form_key(client, SUGGEST)))
    # then the form comes back with each problem on its field, and what they typed
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"url", "title"}
    assert form["note"].value() == "La usamos en nuestro programa con muy buenos resultados."
    assert form["audiences"].value() == ["families", "providers"]
    assert 'href="#field-url"' in response.content.decode()
    assert not Resource.objects.exists()


def test_a_pdf_upload_is_stored_under_the_resource_s_id(world):
    # given a visitor who uploads a real PDF instead of a link
    client = Client()
    values = suggestion_answers(url="", file=pdf_upload("Mi guía de Rosa.pdf"),
                                submission_key=form_key(client, SUGGEST))
    # when they send the form
    response = client.post(SUGGEST, values)
    # then the file is kept under a name made of the resource's id, not the sender's file name
    assert response.status_code == 302
    suggestion = Resource.objects.get()
    assert suggestion.file.name == f"library/{world.network.pk}/{suggestion.pk}.pdf"
    assert suggestion.file.read().startswith(b"%PDF-")


NOT_A_PDF = "This file is not a PDF, whatever its name says. Upload a PDF file, or give a link."


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("guide.pdf", b"MZ\x90\x00 this is a program, not a PDF", NOT_A_PDF),
    ("guide.pdf", b"<html><script>alert(1)</script></html>", NOT_A_PDF),
    ("guide.exe", b"%PDF-1.4 but named otherwise", "The file's name must end in .pdf."),
])
def test_an_upload_that_is_not_a_pdf_is_refused(world, name, content, problem):
    # given a file that is not a PDF by its content (or not named as one)
    client = Client()
    values = suggestion_answers(url="", file=pdf_upload(name, content), submission_key=form_key(client, SUGGEST))
    # when it is sent
    response = client.post(SUGGEST, values)
    # then it is refused on the file field, and nothing is stored
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [problem]
    assert not Resource.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(world, monkeypatch):
    # given a limit of a few bytes (so the test needs no large file)
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 16)
    client = Client()
    values = suggestion_answers(url="", file=pdf_upload(), submission_key=form_key(client, SUGGEST))
    # when a larger PDF is sent
    response = client.post(SUGGEST, values)
    # then it is refused, saying how large a file may be
    assert response.status_code == 200
    assert "The file is larger than" in response.context["form"].errors["file"][0]
    assert not Resource.objects.exists()


def test_each_network_has_its_own_form(world):
    # given the other network's form, named by its slug
    url = reverse("library:suggest-for-network", args=[world.other_network.slug])
    client = Client()
    # when a suggestion is sent through it
    response = client.post(url, suggestion_answers(submission_key=form_key(client, url)))
    # then it waits in that network's queue
    assert response.status_code == 302
    assert Resource.objects.get().network == world.other_network
    assert Client().get(reverse("library:suggest-for-network", args=["nowhere"])).status_code == 404


def test_a_topic_of_another_network_is_refused(world):
    # given a topic of the other network slipped into the form
    foreign = TopicFactory(network=world.other_network)
    client = Client()
    values = suggestion_answers(topics=[str(foreign.pk)], submission_key=form_key(client, SUGGEST))
    # when it is sent
    response = client.post(SUGGEST, values)
    # then the form refuses it
    assert response.status_code == 200 and "topics" in response.context["form"].errors
    assert not Resource.objects.exists()


def test_a_signed_in_person_may_suggest_too_and_is_named_in_the_ledger(world):
    # given a consultant who is signed in
    consultant = world.people["consultant"]
    client = signed_in(consultant)
    # when they suggest a resource
    response = client.post(SUGGEST, suggestion_answers(submission_key=form_key(client, SUGGEST)))
    # then it is recorded like anyone's, and the ledger names them
    assert response.status_code == 302
    suggestion = Resource.objects.get()
    assert AccessEvent.objects.get(object_type="library.resource", object_id=str(suggestion.pk)).user_id == \
        consultant.pk


def test_the_thanks_page_without_a_suggestion_is_a_plain_thank_you(db):
    response = Client().get(THANKS)
    assert response.status_code == 200
    assert response.context["suggestion"] is None
    assert reverse("library:suggest") in response.content.decode()


def test_a_title_with_line_breaks_is_kept_on_one_line_and_still_acknowledged(world, django_capture_on_commit_callbacks):
    # given a visitor whose title holds a line break (pasted, or an attempt to add a header to the email)
    client = Client()
    values = suggestion_answers(submission_key=form_key(client, SUGGEST))
    values["title"] = "Calm corners\r\nBcc: someone@evil.example   for  toddlers"
    # when they send the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SUGGEST, values, REMOTE_ADDR="198.51.100.31")
    # then the title is stored on one line, and the acknowledgement went out with a one-line subject
    assert response.status_code == 302
    assert Resource.objects.get().title == "Calm corners Bcc: someone@evil.example for toddlers"
    assert len(mail.outbox) == 1
    assert "\n" not in mail.outbox[0].subject and "Calm corners Bcc" in mail.outbox[0].subject
    assert mail.outbox[0].to == ["rosa@example.org"] and mail.outbox[0].bcc == []
