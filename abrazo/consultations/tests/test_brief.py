"""Brief consultation, the universal tier: the helpline / drop-in log, its encrypted notes, its screens for
each role inside and outside scope, and turning a call into exactly one request for consultation."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.models import User
from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations import services
from abrazo.consultations.models import BriefContact, BriefKind, BriefOutcome, BriefTopic
from abrazo.consultations.tests.factories import english
from abrazo.consultations.tests.group_factories import BriefContactFactory
from abrazo.core.submissions import AlreadySubmitted
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.models import Language, SettingType
from abrazo.directory.tests.factories import county
from abrazo.intake.models import Priority, Request, RequesterRole, RequestStatus

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Caller said the director threatened to disenroll the boy on Friday"


def call_data(**overrides: Any) -> services.BriefContactData:
    values: dict[str, Any] = {
        "kind": BriefKind.HELPLINE_CALL, "occurred_at": timezone.now() - dt.timedelta(minutes=20),
        "caller_role": RequesterRole.TEACHER, "county": county("06019"), "topic": BriefTopic.BEHAVIOR,
        "minutes": 20, "language": english(), "outcome": BriefOutcome.RESOLVED,
    }
    values.update(overrides)
    return services.BriefContactData(**values)


def details(**overrides: Any) -> services.RequestDetails:
    values: dict[str, Any] = {
        "requester_name": "Lupe Márquez", "requester_email": "lupe@example.org", "program_name": "Little Stars",
        "address_line1": "12 Olive Avenue", "city": "Fresno", "postal_code": "93701",
        "setting_type": SettingType.CENTER, "concern_text": "A four-year-old hits at nap time.",
    }
    values.update(overrides)
    return services.RequestDetails(**values)


@pytest.fixture
def calls(episodes) -> dict[str, BriefContact]:
    """A call taken by the world's consultant (region A), one by the region-B consultant, one elsewhere."""
    return {
        "a": BriefContactFactory(consultant=episodes.consultant, notes=SECRET_NOTE),
        "b": BriefContactFactory(consultant=episodes.other_consultant, county=county("06037")),
        "elsewhere": BriefContactFactory(),
    }


def login(client, user):
    client.force_login(user)
    return client


class TestLogging:
    def test_a_consultant_logs_a_call(self, episodes):
        # given the world's consultant, who serves Fresno
        consultant = episodes.person("consultant")
        # when they log a call from Fresno County
        contact = services.brief_contact_log(actor=consultant, network=episodes.world.network, data=call_data())
        # then it is theirs, in the region that covers Fresno, and in the ledger
        assert (contact.consultant_id, contact.region_id, contact.logged_by_id) == (
            episodes.consultant.pk, episodes.world.region_a.pk, consultant.pk)
        assert AccessEvent.objects.filter(action=Action.CREATE, object_id=str(contact.pk)).count() == 1

    def test_a_coordinator_logs_calls_of_their_region_only(self, episodes, coordinator_b):
        # given region A's coordinator (no consultant profile) and region B's
        network = episodes.world.network
        contact = services.brief_contact_log(actor=episodes.person("regional_coordinator"), network=network,
                                             data=call_data())
        # when region B's coordinator logs a Fresno call
        with pytest.raises(PermissionDenied):
            services.brief_contact_log(actor=coordinator_b, network=network, data=call_data(minutes=33))
        # then only the first exists; it is credited to nobody's caseload
        assert contact.consultant_id is None
        assert not BriefContact.objects.filter(minutes=33).exists()
        assert AccessEvent.objects.filter(object_type="consultations.briefcontact", outcome=Outcome.DENIED).exists()

    @pytest.mark.parametrize(("change", "message"), [
        ({"county": "06001"}, "Alameda County is not served by this network."),
        ({"outcome": BriefOutcome.REQUEST_CREATED}, "Choose the outcome."),
        ({"minutes": 0}, "Minutes must be between 1 and 600."),
        ({"occurred_at": "tomorrow"}, "A contact cannot be logged for a future time."),
        ({"setting_type": "spaceship"}, "Choose the setting from the list."),
    ])
    def test_impossible_calls_are_refused(self, episodes, change, message):
        if change.get("county"):
            change["county"] = county(change["county"])
        if change.get("occurred_at"):
            change["occurred_at"] = timezone.now() + dt.timedelta(days=1)
        with pytest.raises(ValidationError) as refused:
            services.brief_contact_log(actor=episodes.person("consultant"), network=episodes.world.network,
                                       data=call_data(**change))
        assert message in refused.value.messages

    def test_a_double_submitted_log_makes_one_contact(self, episodes):
        key = uuid.uuid4()
        actor, network = episodes.person("consultant"), episodes.world.network
        first = services.brief_contact_log(actor=actor, network=network, data=call_data(), submission_key=key)
        with pytest.raises(AlreadySubmitted) as again:
            services.brief_contact_log(actor=actor, network=network, data=call_data(), submission_key=key)
        assert again.value.existing == first
        assert BriefContact.objects.count() == 1

    def test_notes_are_encrypted_at_rest(self, episodes, settings):
        # given a configured field key
        key = Fernet.generate_key().decode()
        settings.ABRAZO_FIELD_KEYS = [key]
        # when a call is logged with notes
        contact = services.brief_contact_log(actor=episodes.person("consultant"), network=episodes.world.network,
                                             data=call_data(notes=SECRET_NOTE))
        # then the database holds only a token the key opens
        with connection.cursor() as cursor:
            cursor.execute("SELECT notes FROM consultations_briefcontact WHERE id IN (%s, %s)",
                           [contact.pk.hex, str(contact.pk)])
            stored = cursor.fetchone()[0]
        assert "disenroll" not in stored
        assert Fernet(key.encode()).decrypt(stored.encode()).decode() == SECRET_NOTE


class TestQuickLogScreen:
    def test_a_call_is_logged_in_a_few_taps(self, client, episodes):
        # given the consultant on the quick log, whose defaults fill everything but four choices
        login(client, episodes.person("consultant"))
        url = reverse("consultations:brief-new")
        form = client.get(url).context["form"]
        defaults = {name: form[name].value() for name in ("kind", "minutes", "outcome", "county", "language",
                                                          "occurred_at", "submission_key")}
        assert defaults["county"] == "06019"  # the county the consultant serves
        # when they tap who called and the topic, and save
        response = client.post(url, {
            **{name: value for name, value in defaults.items() if value is not None},
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "caller_role": RequesterRole.FCC_PROVIDER, "topic": BriefTopic.SEPARATION,
        })
        # then the call is logged with the defaults and they see it
        contact = BriefContact.objects.get()
        assert response["Location"] == contact.get_absolute_url()
        assert (contact.kind, contact.minutes, contact.outcome, contact.language_id) == (
            BriefKind.HELPLINE_CALL, 15, BriefOutcome.RESOLVED, "en")

    @pytest.mark.parametrize("role", ["program_staff", "evaluator", "supervisor"])
    def test_roles_without_brief_log_have_no_quick_log(self, client, episodes, role):
        login(client, episodes.person(role))
        assert client.get(reverse("consultations:brief-new")).status_code == 404


class TestScreensByRole:
    # role -> (the call inside its scope, the call outside); None inside means the role has no "brief.view"
    PLACEMENT = {
        "network_admin": ("a", "elsewhere"),
        "regional_coordinator": ("a", "b"),
        "supervisor": ("a", "b"),
        "consultant": ("a", "b"),
        "program_staff": (None, "a"),
        "evaluator": (None, "a"),
    }

    @pytest.mark.parametrize("role", list(PLACEMENT))
    def test_call_page_inside_and_outside_scope(self, client, calls, episodes, role):
        inside, outside = self.PLACEMENT[role]
        login(client, episodes.person(role))
        if inside is not None:
            assert client.get(calls[inside].get_absolute_url()).status_code == 200
        assert client.get(calls[outside].get_absolute_url()).status_code == 404

    @pytest.mark.parametrize(("role", "sees"), [
        ("consultant", True), ("supervisor", True), ("regional_coordinator", True), ("network_admin", False),
    ])
    def test_notes_for_those_holding_brief_notes(self, client, calls, episodes, role, sees):
        login(client, episodes.person(role))
        body = client.get(calls["a"].get_absolute_url()).content.decode()
        assert (SECRET_NOTE in body) is sees

    def test_the_list_never_shows_notes_and_lists_the_scope(self, client, calls, episodes):
        login(client, episodes.person("consultant"))
        response = client.get(reverse("consultations:brief-list"))
        assert [contact.pk for contact in response.context["page"].items] == [calls["a"].pk]
        assert SECRET_NOTE not in response.content.decode()

    def test_the_list_filters(self, client, episodes):
        # given calls and drop-ins of region A on different days
        consultant = episodes.consultant
        today = timezone.now()
        old_call = BriefContactFactory(consultant=consultant, occurred_at=today - dt.timedelta(days=40))
        drop_in = BriefContactFactory(consultant=consultant, kind=BriefKind.DROP_IN, topic=BriefTopic.TRAUMA,
                                      outcome=BriefOutcome.REFERRED, occurred_at=today - dt.timedelta(days=2))
        recent_call = BriefContactFactory(consultant=consultant, occurred_at=today - dt.timedelta(hours=1))
        login(client, episodes.person("regional_coordinator"))
        url = reverse("consultations:brief-list")

        def shown(**params: str) -> list[Any]:
            return [contact.pk for contact in client.get(url, params).context["page"].items]

        # then each filter narrows the list, newest first
        assert shown() == [recent_call.pk, drop_in.pk, old_call.pk]
        assert shown(kind=BriefKind.DROP_IN) == [drop_in.pk]
        assert shown(outcome=BriefOutcome.REFERRED, topic=BriefTopic.TRAUMA) == [drop_in.pk]
        since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
        assert shown(since=since) == [recent_call.pk, drop_in.pk]
        until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        assert shown(until=until) == [old_call.pk]
        assert shown(mine_only="on") == []

    def test_the_list_queries_do_not_grow_with_the_calls(self, client, episodes, django_assert_max_num_queries):
        login(client, episodes.person("regional_coordinator"))
        url = reverse("consultations:brief-list")
        BriefContactFactory(consultant=episodes.consultant)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        queries()  # the first request of a session does some one-off work
        few = queries()
        request = Request.objects.create  # calls turned into requests show the reference: still no extra query
        for n in range(10):
            BriefContactFactory(consultant=episodes.consultant, minutes=10 + n, caller_role=RequesterRole.PARENT,
                                request=request(network=episodes.world.network, region=episodes.world.region_a,
                                                reference=f"R-99-{n:06d}", requester_name="X", requester_email="",
                                                requester_role=RequesterRole.PARENT, preferred_language=english(),
                                                program_name="P", address_line1="1 A St", city="Fresno",
                                                postal_code="93701", county=county(), setting_type="center",
                                                concern_text="c") if n % 2 else None)
        assert queries() == few
        with django_assert_max_num_queries(15):
            client.get(url)


class TestTurningACallIntoARequest:
    def test_one_click_makes_a_request_prefilled_from_the_call(self, episodes, django_capture_on_commit_callbacks):
        # given a Spanish-language call from a family, about a child at imminent risk of expulsion
        contact = services.brief_contact_log(
            actor=episodes.person("consultant"), network=episodes.world.network,
            data=call_data(caller_role=RequesterRole.PARENT, language=Language.objects.get(code="es"),
                           topic=BriefTopic.BEHAVIOR, child_specific=True, imminent_risk=True,
                           caller_name="Lupe Márquez", caller_email="lupe@example.org",
                           outcome=BriefOutcome.FOLLOW_UP_NEEDED, notes=SECRET_NOTE),
        )
        # when the consultant turns it into a request
        with django_capture_on_commit_callbacks(execute=True):
            request, created = services.brief_contact_to_request(
                actor=episodes.person("consultant"), brief_contact=contact, details=details())
        # then one new request carries the call's facts, numbered like the public form's, and urgent
        assert created
        assert re.fullmatch(r"R-\d{2}-\d{6}", request.reference)
        assert (request.preferred_language_id, request.requester_role, request.county_id, request.region_id) == (
            "es", RequesterRole.PARENT, "06019", episodes.world.region_a.pk)
        assert (request.child_specific, request.imminent_risk, request.priority) == (True, True, Priority.URGENT)
        assert request.concern_categories == ["behavior"]
        assert request.status == RequestStatus.NEW
        assert SECRET_NOTE not in request.concern_text
        # and the call now points at it
        contact.refresh_from_db()
        assert (contact.request, contact.outcome) == (request, BriefOutcome.REQUEST_CREATED)
        # and the caller got the acknowledgement with the reference
        assert [message.to for message in mail.outbox] == [["lupe@example.org"]]
        assert request.reference in mail.outbox[0].subject

    def test_converting_twice_gives_back_the_same_request(self, calls, episodes):
        consultant = episodes.person("consultant")
        first, created = services.brief_contact_to_request(actor=consultant, brief_contact=calls["a"],
                                                           details=details())
        again, created_again = services.brief_contact_to_request(actor=consultant, brief_contact=calls["a"],
                                                                 details=details(requester_name="Someone else"))
        assert (created, created_again) == (True, False)
        assert again == first
        assert Request.objects.count() == 1

    def test_a_topic_without_an_intake_concern_becomes_other(self, episodes):
        contact = BriefContactFactory(consultant=episodes.consultant, topic=BriefTopic.RESOURCES)
        request, _created = services.brief_contact_to_request(actor=episodes.person("consultant"),
                                                              brief_contact=contact, details=details())
        assert request.concern_categories == ["other"]

    def test_the_request_needs_a_way_to_reach_the_caller(self, calls, episodes):
        with pytest.raises(ValidationError) as refused:
            services.brief_contact_to_request(actor=episodes.person("consultant"), brief_contact=calls["a"],
                                              details=details(requester_email="", requester_phone=""))
        assert "requester_email" in refused.value.message_dict
        assert not Request.objects.exists()

    @pytest.mark.parametrize("role", ["supervisor", "program_staff"])
    def test_only_those_who_log_calls_convert_them(self, calls, episodes, role):
        with pytest.raises(PermissionDenied):
            services.brief_contact_to_request(actor=episodes.person(role), brief_contact=calls["a"],
                                              details=details())
        assert not Request.objects.exists()

    def test_the_confirmation_page_is_prefilled_and_a_double_post_makes_one_request(self, client, calls, episodes):
        # given a call with the caller's details, and the consultant on its confirmation page
        contact = calls["a"]
        BriefContact.objects.filter(pk=contact.pk).update(caller_name="Lupe Márquez", caller_phone="559 555 0101",
                                                          program_name="Little Stars", setting_type="fcc_small")
        login(client, episodes.person("consultant"))
        url = reverse("consultations:brief-to-request", args=[contact.pk])
        form = client.get(url).context["form"]
        assert (form["requester_name"].value(), form["requester_phone"].value(), form["program_name"].value(),
                form["setting_type"].value()) == ("Lupe Márquez", "559 555 0101", "Little Stars", "fcc_small")
        assert "Challenging behavior" in form["concern_text"].value()
        posted = {name: form[name].value() or "" for name in form.fields}
        posted.update({"address_line1": "12 Olive Avenue", "city": "Fresno", "postal_code": "93701"})
        # when "Create the request" is pressed twice
        first = client.post(url, posted)
        second = client.post(url, posted, follow=True)
        # then there is one request, linked to the call, and the second press says so
        request = Request.objects.get()
        assert first["Location"] == contact.get_absolute_url()
        assert f"already turned into request {request.reference}" in second.content.decode()
        assert BriefContact.objects.get(pk=contact.pk).request == request
        # and the call's page names the request; it links it for those who may open it (the coordinator,
        # not yet the consultant, who sees a request once it is assigned to them)
        page = client.get(contact.get_absolute_url()).content.decode()
        assert request.reference in page
        assert request.get_absolute_url() not in page
        login(client, episodes.person("regional_coordinator"))
        assert request.get_absolute_url() in client.get(contact.get_absolute_url()).content.decode()

    def test_a_call_outside_scope_cannot_be_converted(self, client, calls, episodes):
        login(client, episodes.person("consultant"))
        response = client.post(reverse("consultations:brief-to-request", args=[calls["b"].pk]), {})
        assert response.status_code == 404
        assert not Request.objects.exists()


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_conversions_make_one_request(episodes):
    # given a call, and two tabs that press "Create the request" at the same moment on two connections
    contact = BriefContactFactory(consultant=episodes.consultant)
    actor_pk = episodes.person("consultant").pk
    outcomes = at_once(2, lambda actor: services.brief_contact_to_request(
        actor=actor, brief_contact=BriefContact.objects.get(pk=contact.pk), details=details()),
        prepare=lambda _index: User.objects.get(pk=actor_pk))
    # then one request exists; one tab made it and the other was handed the same one
    assert Request.objects.count() == 1
    assert sorted(created for _request, created in outcomes) == [False, True]
    assert {request.pk for request, _created in outcomes} == {Request.objects.get().pk}
