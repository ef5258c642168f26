"""intake.services: a request arriving (priority, reference, program recognition, double submits, the
acknowledgement after commit), triage decisions in and out of scope, and the intake rules."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.core.submissions import AlreadySubmitted
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.models import NetworkCounty, SettingType
from abrazo.directory.tests.factories import ProgramFactory, county
from abrazo.intake import services
from abrazo.intake.models import IntakeSettings, Priority, ReferenceCounter, Request, RequestStatus
from abrazo.intake.tests.factories import RequestFactory, language

pytestmark = pytest.mark.django_db


def request_data(**overrides: object) -> services.RequestData:
    values: dict[str, object] = {
        "requester_name": "Ana Ruiz", "requester_email": "Ana@Example.org", "requester_role": "director",
        "preferred_language": language("es"), "program_name": "Casa de Niños", "address_line1": "12 Elm Street",
        "city": "Fresno", "postal_code": "93701", "county": county("06019"), "setting_type": SettingType.CENTER,
        "concern_categories": ["behavior"], "concern_text": "A four-year-old hits other children.",
        "child_specific": True, "child_age_months": 50,
    }
    values.update(overrides)
    return services.RequestData(**values)  # type: ignore[arg-type]


# --- priority ----------------------------------------------------------------------------------------


def test_imminent_risk_is_urgent_and_underserved_county_is_high(world):
    # given Fresno County marked under-served
    NetworkCounty.objects.filter(network=world.network, county_id="06019").update(underserved=True)
    # when one request reports a child at imminent risk and another does not
    urgent = services.request_submit(network=world.network, data=request_data(imminent_risk=True))
    high = services.request_submit(network=world.network, data=request_data(imminent_risk=False))
    # then the first is urgent (the most urgent rule wins) and the second high
    assert (urgent.priority, urgent.computed_priority) == (Priority.URGENT, Priority.URGENT)
    assert high.priority == Priority.HIGH


def test_a_request_no_rule_applies_to_is_normal(world):
    # given a served county that is not under-served, and no risk reported
    request = services.request_submit(network=world.network, data=request_data(county=county("06037")))
    # then it is normal, and it belongs to the region covering Los Angeles County
    assert request.priority == Priority.NORMAL
    assert request.region == world.region_b


def test_the_rules_are_the_network_s_own(world):
    # given a network that ranks under-served counties as urgent and imminent risk only as high
    IntakeSettings.objects.create(network=world.network, underserved_county_priority=Priority.URGENT,
                                  imminent_risk_priority=Priority.HIGH, rural_program_priority=Priority.HIGH)
    NetworkCounty.objects.filter(network=world.network, county_id="06037").update(underserved=True)
    # when requests arrive
    risk = services.request_submit(network=world.network, data=request_data(imminent_risk=True))
    underserved = services.request_submit(network=world.network, data=request_data(county=county("06037")))
    # then they follow that network's rules
    assert risk.priority == Priority.HIGH
    assert underserved.priority == Priority.URGENT


def test_a_rural_program_rule_applies_when_the_program_is_recognised_as_rural(world):
    # given the rule "rural programs are high" and a known rural program
    IntakeSettings.objects.create(network=world.network, rural_program_priority=Priority.HIGH)
    world.program_a.is_rural = True
    world.program_a.save()
    # when that program asks
    request = services.request_submit(
        network=world.network, data=request_data(license_number=world.program_a.license_number)
    )
    # then it is high
    assert request.program == world.program_a
    assert request.priority == Priority.HIGH


def test_compute_priority_takes_the_most_urgent_applicable_rule():
    rules = IntakeSettings(imminent_risk_priority=Priority.HIGH, underserved_county_priority=Priority.URGENT,
                           rural_program_priority=Priority.NORMAL)
    assert services.compute_priority(rules=rules, imminent_risk=True, underserved=True, rural=True) == Priority.URGENT
    assert services.compute_priority(rules=rules, imminent_risk=True, underserved=False, rural=True) == Priority.HIGH
    assert services.compute_priority(rules=rules, imminent_risk=False, underserved=False, rural=False) == "normal"


def test_a_coordinator_overrides_the_priority_with_a_reason(world):
    # given a normal request in region A
    coordinator = world.people["regional_coordinator"]
    request = services.request_submit(network=world.network, data=request_data())
    # when the coordinator raises it without a reason, then with one
    with pytest.raises(ValidationError) as missing:
        services.request_set_priority(actor=coordinator, request=request, priority=Priority.URGENT, reason=" ")
    changed = services.request_set_priority(
        actor=coordinator, request=request, priority=Priority.URGENT, reason="Director called: expulsion Friday."
    )
    # then the first is refused with a reason field error, and the second keeps what the rules gave
    assert "reason" in missing.value.message_dict
    assert changed.priority == Priority.URGENT and changed.computed_priority == Priority.NORMAL
    assert changed.priority_overridden
    assert changed.priority_override_reason == "Director called: expulsion Friday."


# --- reference numbers --------------------------------------------------------------------------------


def test_references_are_numbered_per_year_and_never_repeat(world):
    # given two requests arriving in the same year
    first = services.request_submit(network=world.network, data=request_data())
    second = services.request_submit(network=world.network, data=request_data(requester_email="b@example.org"))
    # then both carry a human reference of the year, one after the other
    year = timezone.localtime().year % 100
    assert re.fullmatch(rf"R-{year:02d}-\d{{6}}", first.reference)
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    assert ReferenceCounter.objects.get(year=timezone.localtime().year).last == 2


# --- recognising a program --------------------------------------------------------------------------


def test_a_program_is_recognised_by_its_license_number(world):
    # given a known program, and a request typing its license with different spacing
    license_number = world.program_a.license_number
    spaced = f" {license_number[:3]} {license_number[3:]} "
    # when the request arrives with another name
    request = services.request_submit(
        network=world.network,
        data=request_data(license_number=spaced, program_name="Sunrise", postal_code=world.program_a.postal_code),
    )
    # then it is linked to the program, and no program was created
    assert request.program == world.program_a


def test_a_program_is_recognised_by_name_and_address_written_differently(world):
    # given a license-exempt program
    program = ProgramFactory(network=world.network, region=world.region_a, name="Niños Felices, Inc.",
                             license_number="", address_line1="450 North Blackstone Avenue", postal_code="93701")
    # when a request names it with other capitals, accents and abbreviations
    request = services.request_submit(
        network=world.network,
        data=request_data(program_name="ninos felices", address_line1="450 N. Blackstone Ave",
                          postal_code="93701-1234"),
    )
    # then it is recognised
    assert request.program == program


def test_a_program_of_another_network_is_not_recognised(world):
    # given a program of another network with the same license number typed
    request = services.request_submit(
        network=world.network, data=request_data(license_number=world.other_program.license_number)
    )
    # then the request is not linked to it
    assert request.program is None


def test_a_county_outside_the_network_is_refused(world):
    # given a California county the network does not serve (Alameda)
    with pytest.raises(ValidationError) as refused:
        services.request_submit(network=world.network, data=request_data(county=county("06001")))
    assert "county" in refused.value.message_dict
    assert not Request.objects.exists()


# --- double submits and the acknowledgement -----------------------------------------------------


def test_a_double_submit_makes_one_request(world):
    # given one form key sent twice
    key = uuid.uuid4()
    first = services.request_submit(network=world.network, data=request_data(), submission_key=key)
    # when it arrives again
    with pytest.raises(AlreadySubmitted) as again:
        services.request_submit(network=world.network, data=request_data(), submission_key=key)
    # then the second points to the first, and one request exists
    assert again.value.existing == first
    assert Request.objects.count() == 1


def test_the_acknowledgement_is_sent_only_after_commit_in_the_requester_language(
    world, django_capture_on_commit_callbacks
):
    # given a Spanish-speaking requester
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request = services.request_submit(network=world.network, data=request_data())
        # then nothing is sent while the transaction is open
        assert mail.outbox == []
    # when it commits
    for callback in callbacks:
        callback()
    # then one email, rendered in Spanish, carries the reference
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.extra_headers["Content-Language"] == "es"
    assert request.reference in message.subject
    assert "Español" in message.body  # the language's own name, as Spanish pages show it
    month = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre"][timezone.localtime(request.submitted_at).month - 1]
    assert month in message.body


def test_a_language_the_site_does_not_speak_gets_english(world, django_capture_on_commit_callbacks):
    # given a Vietnamese-speaking requester (Abrazo's pages are in English and Spanish)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(network=world.network, data=request_data(preferred_language=language("vi")))
    # then the acknowledgement is in English and says which language they asked for
    message = mail.outbox[0]
    assert message.extra_headers["Content-Language"] == "en"
    assert "Preferred language: Vietnamese" in message.body


def test_a_rolled_back_submit_sends_nothing(world, django_capture_on_commit_callbacks):
    # given a submit inside a transaction that fails after the request was saved
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.request_submit(network=world.network, data=request_data())
                raise RuntimeError("something later in the same transaction failed")
        except RuntimeError:
            pass
    # then neither the request nor its email survive
    assert callbacks == []
    assert mail.outbox == []
    assert not Request.objects.exists()


def test_an_anonymous_submit_is_audited_without_an_account(world):
    request = services.request_submit(network=world.network, data=request_data())
    event = AccessEvent.objects.get(object_id=str(request.pk))
    assert (event.action, event.user_id, event.user_email) == (Action.CREATE, None, "ana@example.org")


# --- triage -----------------------------------------------------------------------------------------


def test_asking_for_information_emails_the_question_after_commit(world, django_capture_on_commit_callbacks):
    # given a coordinator and an English request in region A
    coordinator = world.people["regional_coordinator"]
    request = RequestFactory(network=world.network, region=world.region_a, requester_email="pat@example.org")
    # when they ask a question
    with django_capture_on_commit_callbacks(execute=True):
        updated = services.request_ask_for_information(
            actor=coordinator, request=request, message="How many children are in the room?"
        )
        assert mail.outbox == []
    # then the request waits, and the requester gets the question
    assert updated.status == RequestStatus.NEEDS_INFO and updated.info_requested_at
    assert len(mail.outbox) == 1
    assert "How many children are in the room?" in mail.outbox[0].body
    assert request.reference in mail.outbox[0].subject


def test_declining_needs_a_reason(world):
    coordinator = world.people["regional_coordinator"]
    request = RequestFactory(network=world.network, region=world.region_a)
    with pytest.raises(ValidationError):
        services.request_decline(actor=coordinator, request=request, reason="")
    declined = services.request_decline(actor=coordinator, request=request, reason="Child is seven.")
    assert (declined.status, declined.decline_reason) == (RequestStatus.DECLINED, "Child is seven.")
    assert declined.version == 2


def test_the_waitlist_age_counts_from_the_first_time(world):
    # given a request waitlisted ten days ago, then asked about, then waitlisted again
    coordinator = world.people["regional_coordinator"]
    first_time = timezone.now() - timedelta(days=10)
    request = RequestFactory(network=world.network, region=world.region_a, status=RequestStatus.NEEDS_INFO,
                             waitlisted_at=first_time)
    # when it goes back on the waitlist
    waitlisted = services.request_waitlist(actor=coordinator, request=request)
    # then it keeps its original waitlist date
    assert waitlisted.status == RequestStatus.WAITLISTED
    assert waitlisted.waitlisted_at == first_time


def test_a_decided_request_cannot_be_decided_again(world):
    coordinator = world.people["regional_coordinator"]
    request = RequestFactory(network=world.network, region=world.region_a, status=RequestStatus.DECLINED)
    with pytest.raises(services.RequestNotOpen) as closed:
        services.request_waitlist(actor=coordinator, request=request)
    assert request.reference in closed.value.message


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_roles_without_triage_cannot_decide(world, role):
    request = RequestFactory(network=world.network, region=world.region_a, program=world.program_a)
    with pytest.raises(PermissionDenied):
        services.request_decline(actor=world.people[role], request=request, reason="no")


def test_a_coordinator_cannot_triage_another_region(world):
    request = RequestFactory(network=world.network, region=world.region_b, county=county("06037"))
    with pytest.raises(PermissionDenied):
        services.request_waitlist(actor=world.people["regional_coordinator"], request=request)
    assert Request.objects.get(pk=request.pk).status == RequestStatus.NEW


# --- first contact ------------------------------------------------------------------------------------


def test_first_contact_keeps_the_earliest_time(world):
    # given a request first contacted on the 10th
    request = RequestFactory(network=world.network, region=world.region_a)
    tenth = timezone.now() - timedelta(days=5)
    services.request_mark_first_contact(request, tenth)
    # when a later contact and then an earlier one (entered late) are logged
    services.request_mark_first_contact(request, tenth + timedelta(days=2))
    assert request.first_contact_at == tenth
    services.request_mark_first_contact(request, tenth - timedelta(days=1))
    # then the earliest wins
    assert Request.objects.get(pk=request.pk).first_contact_at == tenth - timedelta(days=1)


# --- rate limiting ------------------------------------------------------------------------------------


def test_the_rate_limit_counts_per_address_per_hour(db):
    now = timezone.now()
    hits = [services.request_rate_limit_hit(address="198.51.100.4", now=now) for _ in range(6)]
    assert hits == [False] * 5 + [True]
    # another address is not affected, and the next hour starts afresh
    assert not services.request_rate_limit_hit(address="198.51.100.5", now=now)
    assert not services.request_rate_limit_hit(address="198.51.100.4", now=now + timedelta(hours=1))


# --- rules ----------------------------------------------------------------------------------------------


def test_only_a_network_admin_changes_the_rules(world):
    data = services.IntakeSettingsData(
        imminent_risk_priority=Priority.URGENT, underserved_county_priority=Priority.NORMAL,
        rural_program_priority=Priority.HIGH, supported_setting_types=[SettingType.CENTER],
        max_child_age_months=71, duplicate_window_days=30,
    )
    with pytest.raises(PermissionDenied):
        services.intake_settings_update(actor=world.people["regional_coordinator"], network=world.network, data=data,
                                        expected_version=1)
    rules = services.intake_settings_update(actor=world.people["network_admin"], network=world.network, data=data,
                                            expected_version=1)
    assert rules.rural_program_priority == Priority.HIGH
    assert services.intake_settings_for(world.network).duplicate_window_days == 30


# --- at the same moment (PostgreSQL) -------------------------------------------------------------------


# The sequential double submit and numbering above cover SQLite.
@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_one_form_make_one_request(world):
    # given the public form sent twice at the same moment (a double click), on two connections
    key, data = uuid.uuid4(), request_data()
    # when both arrive
    outcomes = at_once(2, lambda _index: services.request_submit(network=world.network, data=data,
                                                                  submission_key=key))
    # then one request exists, and the other submit was pointed at it
    request = Request.objects.get()
    assert [o for o in outcomes if isinstance(o, Request)] == [request]
    refused = [o for o in outcomes if isinstance(o, AlreadySubmitted)]
    assert len(refused) == 1 and refused[0].existing == request


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_requests_arriving_together_get_distinct_consecutive_references(world):
    # given eight different requests arriving at the same moment
    outcomes = at_once(8, lambda index: services.request_submit(
        network=world.network, data=request_data(requester_email=f"p{index}@example.org")
    ))
    # then each has its own reference, numbered 1 to 8 without a gap
    assert all(isinstance(o, Request) for o in outcomes), outcomes
    assert sorted(int(o.reference[-6:]) for o in outcomes) == list(range(1, 9))  # type: ignore[union-attr]
