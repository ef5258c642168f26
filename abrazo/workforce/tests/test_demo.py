"""The demo's workforce: three cohorts at their three stages, applicants who look like the families served
(with some blanks counted as not reported), completion that follows attendance, supervision mostly signed
off with the last month waiting, deterministic, and wiped with the network."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from abrazo.directory import demo
from abrazo.directory.models import Network
from abrazo.workforce.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Cohort,
    CohortStatus,
    Participant,
    ParticipantStatus,
    SupervisionLog,
    SupervisionStatus,
)

pytestmark = pytest.mark.django_db


def load(*args: str) -> Network:
    call_command("demo", "--scale", "tiny", *args, stdout=StringIO())
    return Network.objects.get(slug=demo.SCALES["tiny"].slug)


def test_the_demo_has_three_cohorts_at_three_stages() -> None:
    # given the tiny demo
    network = load()
    # then one cohort finished, one under way, one taking applications
    statuses = sorted(Cohort.objects.filter(network=network).values_list("status", flat=True))
    assert statuses == sorted([CohortStatus.COMPLETED, CohortStatus.IN_PROGRESS, CohortStatus.RECRUITING])
    recruiting = Cohort.objects.get(network=network, status=CohortStatus.RECRUITING)
    assert recruiting.applications.count() == 30
    assert not recruiting.participants.exists()
    # and every accepted application of the other two became one participant
    for cohort in Cohort.objects.filter(network=network).exclude(status=CohortStatus.RECRUITING):
        accepted = cohort.applications.filter(status=ApplicationStatus.ACCEPTED).count()
        assert accepted == cohort.participants.count() == 24


def test_applicants_are_diverse_and_some_left_questions_blank() -> None:
    network = load()
    races = Counter(Application.objects.filter(network=network).values_list("race_ethnicity", flat=True))
    total = sum(races.values())
    assert 0.3 < races["hispanic_latino"] / total < 0.55
    assert races["not_reported"] > 0
    spanish = Application.objects.filter(network=network, languages__code="es").distinct().count()
    no_language = Application.objects.filter(network=network, languages__isnull=True).count()
    assert spanish / total > 0.4
    assert no_language > 0


def test_graduates_met_the_attendance_rule() -> None:
    network = load()
    cohort = Cohort.objects.get(network=network, status=CohortStatus.COMPLETED)
    total = cohort.sessions.aggregate(total=Sum("hours"))["total"]
    graduates = Participant.objects.filter(cohort=cohort, status=ParticipantStatus.COMPLETED)
    assert graduates.count() >= 15
    for graduate in graduates:
        attended = Attendance.objects.filter(participant=graduate).aggregate(total=Sum("hours"))["total"]
        assert attended >= total * Decimal("0.8")
        assert graduate.certificate_number.startswith("ABZ-")
    numbers = list(graduates.values_list("certificate_number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert cohort.participants.filter(status=ParticipantStatus.WITHDRAWN).count() == 2


def test_supervision_is_signed_off_except_the_last_month() -> None:
    network = load()
    logs = SupervisionLog.objects.filter(network=network)
    assert logs.count() > 100
    pending = logs.filter(status=SupervisionStatus.LOGGED)
    assert 0 < pending.count() < logs.count() / 5
    for log in logs.filter(status=SupervisionStatus.SIGNED_OFF)[:50]:
        assert log.signed_off_by_id == log.supervisor_id
        assert log.supervisee.supervisor_id == log.supervisor_id


def test_reset_reloads_the_same_workforce() -> None:
    network = load()
    before = sorted(map(str, Participant.objects.filter(network=network).values_list("id", "status", "email")))
    network = load("--reset")
    after = sorted(map(str, Participant.objects.filter(network=network).values_list("id", "status", "email")))
    assert before == after


def test_each_demo_coordinator_runs_a_cohort_of_their_region() -> None:
    # given the demo, and its two coordinators (Central Valley and Los Angeles)
    from abrazo.accounts import access
    from abrazo.accounts.models import User
    from abrazo.workforce.feedback_selectors import Filters, administrations_for
    from abrazo.workforce.models import FeedbackContext

    network = load()
    domain = demo.SCALES["tiny"].email_domain
    regions = dict(Cohort.objects.filter(network=network).values_list("status", "region__name"))
    # then the cohort under way is the Central Valley's, the finished one and the recruiting one Los Angeles'
    assert regions == {CohortStatus.IN_PROGRESS: "Central Valley", CohortStatus.COMPLETED: "Los Angeles",
                       CohortStatus.RECRUITING: "Los Angeles"}
    led = dict(Cohort.objects.filter(network=network).values_list("status", "coordinator__email"))
    assert led[CohortStatus.IN_PROGRESS] == f"coordinator@{domain}"
    assert led[CohortStatus.RECRUITING] == f"coordinadora@{domain}"
    # in-person sessions are held in the region
    places = set(Cohort.objects.get(network=network, status=CohortStatus.COMPLETED).sessions
                 .exclude(location="Zoom").values_list("location", flat=True))
    assert places == {"Los Angeles"}
    for key, expected_status, undecided in (("coordinator", CohortStatus.IN_PROGRESS, 0),
                                            ("coordinadora", CohortStatus.RECRUITING, 30)):
        person = User.objects.get(email=f"{key}@{domain}")
        # each reviews applications of their region's cohorts (the Los Angeles one has 30 waiting for a decision)
        theirs = access.visible(person, "application.review", Application.objects.filter(network=network))
        assert theirs.filter(cohort__status=expected_status).exists()
        assert theirs.filter(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW]).count() == undecided
        assert not theirs.exclude(cohort__region__name=regions[expected_status]).exists()
        # and reads training feedback about their region's cohort
        training = administrations_for(user=person, network=network, filters=Filters(context=FeedbackContext.TRAINING))
        assert training.exists()
        assert set(training.values_list("feedback_request__cohort__region__name", flat=True)) == {
            regions[expected_status]}
