"""Services of the applications area: an application arriving, its review and decision emails, withdrawal
and enrolment (capacity, idempotence), each checked against hand-worked expectations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.core.concurrency import StaleEditError
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import Language
from abrazo.directory.tests.factories import county
from abrazo.workforce import application_services as services
from abrazo.workforce.application_tasks import send_application_decision
from abrazo.workforce.models import (
    ApplicantGender,
    Application,
    ApplicationStatus,
    CohortStatus,
    Participant,
    ParticipantStatus,
)
from abrazo.workforce.tests.factories_application import ApplicationFactory, CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def data(**overrides: Any) -> services.ApplicationData:
    values: dict[str, Any] = {
        "given_name": " Lucía ", "family_name": "Hernández", "email": "Lucia.Hernandez@Example.org",
        "county": county("06037"), "motivation": "Quiero acompañar a las maestras.", "current_role": "Teacher",
        "languages": list(Language.objects.filter(code__in=["en", "es"])),
    }
    values.update(overrides)
    return services.ApplicationData(**values)


@pytest.fixture
def cohort_a(world: Any) -> Any:
    return CohortFactory(network=world.network, region=world.region_a, name="Central Valley Cohort")


# --- Arriving ---------------------------------------------------------------------------------------


def test_an_application_takes_its_region_from_the_county_and_is_acknowledged_in_its_language(
    world, cohort_a, django_capture_on_commit_callbacks
):
    # given an applicant from Los Angeles County (region B) applying from the Spanish page
    # when the application is submitted
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(cohort=cohort_a, data=data(), language="es-mx",
                                                  submission_token="k1")
    # then its region is the county's, its text is trimmed and the email lower-cased, the language is Spanish
    assert application.region == world.region_b and application.network == world.network
    assert (application.given_name, application.email) == ("Lucía", "lucia.hernandez@example.org")
    assert application.preferred_language == "es"
    assert sorted(application.languages.values_list("code", flat=True)) == ["en", "es"]
    # and blank demographics are stored as not reported
    assert (application.race_ethnicity, application.gender) == ("not_reported", ApplicantGender.NOT_REPORTED)
    # and one acknowledgement went to the applicant, in Spanish, and the arrival is in the ledger
    assert [(m.to, m.extra_headers["Content-Language"]) for m in mail.outbox] == [
        (["lucia.hernandez@example.org"], "es")
    ]
    event = AccessEvent.objects.get(action=Action.CREATE, object_type="workforce.application")
    assert event.object_id == str(application.pk) and event.user_id is None


def test_a_self_description_counts_as_the_answer_and_a_stale_one_is_dropped(cohort_a):
    # given one applicant who only wrote a description and another who chose "woman" after typing one
    described = services.application_submit(cohort=cohort_a, data=data(gender_self_described=" Two-spirit "),
                                            language="en")
    chosen = services.application_submit(cohort=cohort_a, data=data(gender="woman", gender_self_described="x",
                                                                     race_ethnicity="hispanic_latino"),
                                         language="en")
    # then the first is self-described in their words, the second is a woman with no leftover description
    assert (described.gender, described.gender_self_described) == ("self_described", "Two-spirit")
    assert (chosen.gender, chosen.gender_self_described, chosen.race_ethnicity) == ("woman", "", "hispanic_latino")


def test_the_same_form_sent_twice_makes_one_application(cohort_a):
    # given an application submitted with a form key
    first = services.application_submit(cohort=cohort_a, data=data(), language="en", submission_token="same-key")
    # when the same form arrives again
    with pytest.raises(AlreadySubmitted) as raised:
        services.application_submit(cohort=cohort_a, data=data(), language="en", submission_token="same-key")
    # then it names the first application and nothing new exists
    assert raised.value.existing == first
    assert Application.objects.count() == 1


@pytest.mark.parametrize("change", [
    {"status": CohortStatus.IN_PROGRESS},
    {"applications_close_on": "yesterday"},
])
def test_a_cohort_no_longer_recruiting_refuses_applications(world, change):
    # given a cohort that has started, or whose closing date is past
    if change.get("applications_close_on") == "yesterday":
        change = {"applications_close_on": timezone.localdate() - timedelta(days=1)}
    cohort = CohortFactory(network=world.network, **change)
    # when someone applies
    with pytest.raises(ValidationError) as refused:
        services.application_submit(cohort=cohort, data=data(), language="en")
    # then it is refused, plainly
    assert refused.value.messages == ["This cohort is no longer taking applications."]
    assert not Application.objects.exists()


def test_the_closing_day_itself_is_still_open(world):
    cohort = CohortFactory(network=world.network, applications_close_on=timezone.localdate())
    assert services.cohort_is_open(cohort)
    assert services.application_submit(cohort=cohort, data=data(), language="en").pk


def test_a_county_the_network_does_not_serve_is_refused(cohort_a):
    # given Alameda County, which the world's network does not serve
    with pytest.raises(ValidationError) as refused:
        services.application_submit(cohort=cohort_a, data=data(county=county("06001")), language="en")
    assert refused.value.message_dict == {"county": ["Alameda County is not one of the counties this network serves."]}


# --- Review -----------------------------------------------------------------------------------------


def review(actor: Any, application: Application, status: str, **extra: Any) -> Application:
    current = Application.objects.get(pk=application.pk)
    return services.application_review(
        actor=actor, application=current, status=status, score=extra.get("score", 80), notes=extra.get("notes", ""),
        expected_version=extra.get("expected_version", current.version),
    )


def test_a_decision_is_emailed_once_in_the_applicant_s_language(world, cohort_a, django_capture_on_commit_callbacks):
    # given a Spanish-speaking applicant and the network admin
    admin = world.people["network_admin"]
    application = ApplicationFactory(cohort=cohort_a, preferred_language="es")
    # when the admin puts it in review (no email), then accepts it (email), then edits the notes (no email)
    with django_capture_on_commit_callbacks(execute=True):
        review(admin, application, ApplicationStatus.IN_REVIEW)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        accepted = review(admin, application, ApplicationStatus.ACCEPTED, score=91, notes="Fuerte.")
    with django_capture_on_commit_callbacks(execute=True):
        review(admin, application, ApplicationStatus.ACCEPTED, score=92, notes="Fuerte, bilingüe.")
    # then exactly one email went, in Spanish, and the application says when
    assert [(m.to, m.extra_headers["Content-Language"]) for m in mail.outbox] == [([application.email], "es")]
    stored = Application.objects.get(pk=application.pk)
    assert (stored.status, stored.review_score, stored.review_notes) == ("accepted", 92, "Fuerte, bilingüe.")
    assert stored.reviewed_by == admin and stored.decided_at == accepted.decided_at
    assert stored.decision_emailed_at is not None and stored.decision_emailed_at >= stored.decided_at
    # and three versioned saves happened (1 -> 4)
    assert stored.version == 4


def test_a_changed_decision_is_emailed_again_but_a_task_run_twice_sends_once(world, cohort_a,
                                                                             django_capture_on_commit_callbacks):
    admin = world.people["network_admin"]
    application = ApplicationFactory(cohort=cohort_a)
    # given an application waitlisted (one email)
    with django_capture_on_commit_callbacks(execute=True):
        review(admin, application, ApplicationStatus.WAITLISTED)
    # when the decision task runs again for the same decision (a retry of the queue)
    send_application_decision.call(application_id=str(application.pk))
    # then nothing more is sent
    assert len(mail.outbox) == 1
    # when a place frees up and the applicant is accepted
    with django_capture_on_commit_callbacks(execute=True):
        review(admin, application, ApplicationStatus.ACCEPTED)
    # then the new decision is emailed too: waitlist first, acceptance second
    assert [m.subject for m in mail.outbox] == [
        f"Your application to {cohort_a.name}: waiting list", f"You have been accepted into {cohort_a.name}",
    ]


def test_a_decision_undone_before_the_queue_runs_is_not_sent(world, cohort_a):
    # given an acceptance whose task has not run yet, then a change back to "in review"
    admin = world.people["network_admin"]
    application = ApplicationFactory(cohort=cohort_a)
    review(admin, application, ApplicationStatus.DECLINED)
    review(admin, application, ApplicationStatus.IN_REVIEW)
    # when the queued task runs
    send_application_decision.call(application_id=str(application.pk))
    # then no email goes out
    assert mail.outbox == []
    assert Application.objects.get(pk=application.pk).decided_at is None


def test_a_review_on_a_stale_page_is_refused(world, cohort_a):
    # given two reviewers who opened the application at version 1; the first saves
    admin = world.people["network_admin"]
    application = ApplicationFactory(cohort=cohort_a)
    review(admin, application, ApplicationStatus.IN_REVIEW, expected_version=1, notes="First look.")
    # when the second saves on the page they loaded
    with pytest.raises(StaleEditError):
        review(world.people["regional_coordinator"], application, ApplicationStatus.DECLINED, expected_version=1)
    # then the first review stands
    stored = Application.objects.get(pk=application.pk)
    assert (stored.status, stored.review_notes, stored.version) == ("in_review", "First look.", 2)


def test_reviewers_outside_the_scope_cannot_decide(world, cohort_a):
    # given an application to a region B cohort and a network-wide one
    in_b = ApplicationFactory(cohort=CohortFactory(network=world.network, region=world.region_b))
    network_wide = ApplicationFactory(cohort=CohortFactory(network=world.network, region=None))
    coordinator_a = world.people["regional_coordinator"]
    # then region A's coordinator may decide neither, and a supervisor nothing at all
    for application in (in_b, network_wide):
        with pytest.raises(PermissionDenied):
            review(coordinator_a, application, ApplicationStatus.ACCEPTED)
    with pytest.raises(PermissionDenied):
        review(world.people["supervisor"], ApplicationFactory(cohort=cohort_a), ApplicationStatus.ACCEPTED)
    # while they may decide on their region's cohort
    assert review(coordinator_a, ApplicationFactory(cohort=cohort_a), ApplicationStatus.ACCEPTED).status == "accepted"


def test_a_withdrawn_application_is_closed_to_review(world, cohort_a):
    admin = world.people["network_admin"]
    application = ApplicationFactory(cohort=cohort_a)
    # when staff mark it withdrawn at the applicant's request
    withdrawn = services.application_withdraw(actor=admin, application=application, expected_version=1)
    # then it is withdrawn, versioned and audited, and no decision can be recorded on it any more
    assert (withdrawn.status, withdrawn.version) == ("withdrawn", 2)
    assert AccessEvent.objects.filter(action=Action.UPDATE, object_id=str(application.pk)).count() == 1
    with pytest.raises(ValidationError):
        review(admin, application, ApplicationStatus.ACCEPTED)
    with pytest.raises(ValidationError):
        services.application_withdraw(actor=admin, application=withdrawn, expected_version=2)


# --- Enrolment ----------------------------------------------------------------------------------------


def accepted(cohort: Any, **fields: Any) -> Application:
    return ApplicationFactory(cohort=cohort, status=ApplicationStatus.ACCEPTED, **fields)


def test_enrolment_copies_the_applicant_and_is_idempotent(world, cohort_a):
    # given an accepted, Spanish-speaking applicant who speaks English, Spanish and Vietnamese
    admin = world.people["network_admin"]
    application = accepted(cohort_a, given_name="Lucía", family_name="Hernández", email="lucia@example.org",
                           preferred_language="es")
    application.languages.set(["en", "es", "vi"])
    # when they are enrolled, twice (a double click)
    first = services.application_enrol(actor=admin, application=application)
    second = services.application_enrol(actor=admin, application=application)
    # then one participant exists, with the application's name, email, language and languages
    assert first == second and Participant.objects.count() == 1
    assert (first.full_name, first.email, first.preferred_language, first.status) == (
        "Lucía Hernández", "lucia@example.org", "es", ParticipantStatus.ENROLLED)
    assert (first.cohort, first.network, first.application) == (cohort_a, world.network, application)
    assert sorted(first.languages.values_list("code", flat=True)) == ["en", "es", "vi"]
    # and the creation is in the ledger once
    assert AccessEvent.objects.filter(action=Action.CREATE, object_type="workforce.participant").count() == 1


def test_a_full_cohort_refuses_enrolment_and_a_withdrawal_frees_a_place(world):
    # given a cohort of two places, both taken (one of them by someone added by hand)
    admin = world.people["network_admin"]
    cohort = CohortFactory(network=world.network, capacity=2)
    services.application_enrol(actor=admin, application=accepted(cohort))
    by_hand = ParticipantFactory(cohort=cohort)
    waiting = accepted(cohort)
    # when a third accepted applicant is enrolled
    with pytest.raises(services.EnrolmentRefused) as refused:
        services.application_enrol(actor=admin, application=waiting)
    # then it is refused with a plain message and nobody is added
    assert refused.value.messages == [
        "The cohort is full: all 2 places are taken. Raise the number of places on the cohort, or waitlist this "
        "applicant."
    ]
    assert Participant.objects.filter(cohort=cohort).count() == 2
    # when the participant added by hand withdraws
    by_hand.status = ParticipantStatus.WITHDRAWN
    by_hand.save()
    # then the place is free again
    assert services.application_enrol(actor=admin, application=waiting).cohort == cohort
    assert services.places_taken(cohort) == 2


def test_only_accepted_applications_are_enrolled(world, cohort_a):
    admin = world.people["network_admin"]
    for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED, ApplicationStatus.DECLINED):
        with pytest.raises(services.EnrolmentRefused):
            services.application_enrol(actor=admin, application=ApplicationFactory(cohort=cohort_a, status=status))
    assert not Participant.objects.exists()


def test_enrolment_links_a_participant_staff_already_added(world, cohort_a):
    # given staff who added the person by hand (other capitals in the email) before enrolling the application
    admin = world.people["network_admin"]
    by_hand = ParticipantFactory(cohort=cohort_a, email="Lucia@Example.org", full_name="Lucía H.")
    application = accepted(cohort_a, email="lucia@example.org")
    # when the application is enrolled
    participant = services.application_enrol(actor=admin, application=application)
    # then the existing participant is linked, not duplicated
    assert participant.pk == by_hand.pk and participant.application == application
    assert Participant.objects.filter(cohort=cohort_a).count() == 1
    # and the same email through another application is refused
    with pytest.raises(services.EnrolmentRefused):
        services.application_enrol(actor=admin, application=accepted(cohort_a, email="lucia@example.org"))


def test_an_enrolled_applicant_keeps_the_acceptance(world, cohort_a):
    admin = world.people["network_admin"]
    application = accepted(cohort_a)
    services.application_enrol(actor=admin, application=application)
    with pytest.raises(ValidationError):
        review(admin, application, ApplicationStatus.DECLINED)
    with pytest.raises(ValidationError):
        services.application_withdraw(actor=admin, application=application, expected_version=application.version)


def test_a_withdrawn_participant_s_decision_still_cannot_be_changed_and_the_message_says_so(world, cohort_a):
    # given an applicant who was enrolled and then withdrew from the cohort
    from abrazo.workforce import cohort_services

    admin = world.people["network_admin"]
    application = accepted(cohort_a)
    participant = services.application_enrol(actor=admin, application=application)
    cohort_services.participant_withdraw(actor=admin, participant=participant)
    # when a reviewer tries to waitlist them
    with pytest.raises(ValidationError) as refused:
        review(admin, application, ApplicationStatus.WAITLISTED)
    # then the decision stays accepted, and the message says why and what to do instead (nothing about changing
    # the decision after a withdrawal, which would not work)
    assert refused.value.code == "enrolled"
    message = refused.value.messages[0]
    assert "stays “accepted”, even after they withdraw" in message
    assert "before changing" not in message
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.ACCEPTED
    assert Participant.objects.get(pk=participant.pk).status == ParticipantStatus.WITHDRAWN

def test_enrolment_outside_the_scope_is_denied(world):
    in_b = accepted(CohortFactory(network=world.network, region=world.region_b))
    with pytest.raises(PermissionDenied):
        services.application_enrol(actor=world.people["regional_coordinator"], application=in_b)
    assert not Participant.objects.exists()


def test_a_finished_cohort_enrols_nobody(world):
    cohort = CohortFactory(network=world.network, status=CohortStatus.COMPLETED)
    with pytest.raises(services.EnrolmentRefused):
        services.application_enrol(actor=world.people["network_admin"], application=accepted(cohort))


def test_the_rate_limit_counts_per_address_and_window():
    moment = timezone.now()
    results = [services.application_rate_limit_hit(address="203.0.113.9", now=moment) for _ in range(6)]
    assert results == [False] * 5 + [True]
    assert services.application_rate_limit_hit(address="203.0.113.10", now=moment) is False
    later = moment + timedelta(seconds=services.RATE_WINDOW_SECONDS)
    assert services.application_rate_limit_hit(address="203.0.113.9", now=later) is False
