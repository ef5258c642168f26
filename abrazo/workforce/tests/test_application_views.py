"""The reviewers' pages: who may list and open applications (network admin everywhere, a regional coordinator
their region's cohorts, nobody else), where demographics show (the application's own page only), the audit
of every read, and reviewing, withdrawing and enrolling through the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from abrazo.audit.models import AccessEvent, Action
from abrazo.workforce.models import Application, ApplicationStatus, Participant
from abrazo.workforce.tests.factories_application import ApplicationFactory, CohortFactory

pytestmark = pytest.mark.django_db

LIST = reverse("workforce:application-list")


def detail(application: Application) -> str:
    return reverse("workforce:application-detail", args=[application.pk])


def signed_in(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.people[role])
    return client


@pytest.fixture
def applications(world: Any) -> dict[str, Application]:
    """Applications to a region A cohort, a region B cohort, a network-wide cohort and another network's."""
    cohort_a = CohortFactory(network=world.network, region=world.region_a, name="Valley Cohort")
    cohort_b = CohortFactory(network=world.network, region=world.region_b, name="Harbor Cohort")
    network_wide = CohortFactory(network=world.network, region=None, name="Statewide Cohort")
    elsewhere = CohortFactory(network=world.other_network, name="Elsewhere Cohort")
    return {
        "a1": ApplicationFactory(cohort=cohort_a, given_name="Ana", race_ethnicity="hispanic_latino",
                                 gender="self_described", gender_self_described="Two-spirit",
                                 lived_experience="I grew up in Fresno."),
        "a2": ApplicationFactory(cohort=cohort_a, given_name="Bao", status=ApplicationStatus.ACCEPTED,
                                 review_score=88),
        "a3": ApplicationFactory(cohort=cohort_a, given_name="Carmen", status=ApplicationStatus.DECLINED,
                                 region=world.region_b),
        "b": ApplicationFactory(cohort=cohort_b, given_name="Dara"),
        "wide": ApplicationFactory(cohort=network_wide, given_name="Eli"),
        "other": ApplicationFactory(cohort=elsewhere, given_name="Fern"),
    }


def names(response: Any) -> list[str]:
    return sorted(application.given_name for application in response.context["page"].items)


# --- Lists --------------------------------------------------------------------------------------------


def test_the_admin_lists_the_network_s_applications_and_the_coordinator_their_region_s(world, applications):
    # when the network admin and region A's coordinator open the list
    admin = signed_in(world, "network_admin").get(LIST)
    coordinator = signed_in(world, "regional_coordinator").get(LIST)
    # then the admin sees every application of the network (not the other network's)
    assert names(admin) == ["Ana", "Bao", "Carmen", "Dara", "Eli"]
    # and the coordinator those to region A's cohort only
    assert names(coordinator) == ["Ana", "Bao", "Carmen"]
    # and the list is audited with the ids it showed
    event = AccessEvent.objects.filter(action=Action.LIST, object_type="workforce.application").latest("occurred_at")
    assert sorted(event.object_ids) == sorted(str(applications[k].pk) for k in ("a1", "a2", "a3"))


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_other_roles_have_no_application_pages(world, applications, role):
    client = signed_in(world, role)
    assert client.get(LIST).status_code == 404
    assert client.get(detail(applications["a1"])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world, applications):
    response = Client().get(detail(applications["a1"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_counts_by_status_follow_the_cohort_and_region_filters(world, applications):
    client = signed_in(world, "network_admin")
    cohort_a = applications["a1"].cohort
    # when the admin narrows to the Valley cohort
    response = client.get(LIST, {"cohort": str(cohort_a.pk)})
    counts = {value: n for value, _label, n in response.context["counts"]}
    # then the counts are those of its three applications, one of each status
    assert counts == {"submitted": 1, "in_review": 0, "accepted": 1, "waitlisted": 0, "declined": 1, "withdrawn": 0}
    assert response.context["total"] == 3
    # and each count links to the list narrowed to its status, within the same cohort
    accepted_tile = next(tile for tile in response.context["tiles"] if tile["value"] == "accepted")
    assert accepted_tile["query"] == f"cohort={cohort_a.pk}&status=accepted" and accepted_tile["count"] == 1
    # when they narrow to applicants from region B as well (Carmen lives there)
    response = client.get(LIST, {"cohort": str(cohort_a.pk), "region": str(world.region_b.pk)})
    assert names(response) == ["Carmen"] and response.context["total"] == 1
    # when they filter by status, the list narrows but the counts still show every status of the cohort
    response = client.get(LIST, {"cohort": str(cohort_a.pk), "status": "accepted"})
    assert names(response) == ["Bao"] and response.context["total"] == 3


def test_the_coordinator_is_offered_only_the_cohorts_they_review(world, applications):
    form = signed_in(world, "regional_coordinator").get(LIST).context["form"]
    assert [label for value, label in form.fields["cohort"].choices if value] == ["Valley Cohort"]


def test_the_list_never_shows_demographics(world, applications):
    page = signed_in(world, "network_admin").get(LIST).content.decode()
    assert "Two-spirit" not in page and "Hispanic" not in page and "grew up in Fresno" not in page


def test_the_list_costs_a_fixed_number_of_queries(world, applications, django_assert_max_num_queries):
    for n in range(30):
        ApplicationFactory(cohort=applications["a1"].cohort, given_name=f"Extra{n}")
    client = signed_in(world, "network_admin")
    # ten for the session, the person, their memberships and sessions; five for the page: cohorts and regions
    # for the filters, the rows (cohort, county and region joined), the audit event, the counts by status
    with django_assert_max_num_queries(15):
        response = client.get(LIST)
    assert len(response.context["page"].items) == 35


# --- The application page ---------------------------------------------------------------------------------


def test_the_application_page_shows_everything_and_is_audited(world, applications):
    application = applications["a1"]
    # when region A's coordinator opens an application to their region's cohort
    response = signed_in(world, "regional_coordinator").get(detail(application))
    # then everything is shown, demographics included (in the applicant's words)
    page = response.content.decode()
    assert response.status_code == 200
    for shown in ("Ana Rivera", application.email, "Hispanic/Latino", "Two-spirit", "I grew up in Fresno.",
                  application.motivation):
        assert shown in page
    # and the reading is in the ledger
    assert AccessEvent.objects.filter(action=Action.VIEW, object_type="workforce.application",
                                      object_id=str(application.pk),
                                      user_id=world.people["regional_coordinator"].pk).count() == 1


@pytest.mark.parametrize("key", ["b", "wide", "other"])
def test_applications_outside_the_coordinator_s_region_do_not_exist_for_them(world, applications, key):
    client = signed_in(world, "regional_coordinator")
    application = applications[key]
    for url in (detail(application), reverse("workforce:application-review", args=[application.pk]),
                reverse("workforce:application-enrol", args=[application.pk]),
                reverse("workforce:application-withdraw", args=[application.pk])):
        assert client.get(url).status_code == 404
    # and the refusal is in the ledger
    assert AccessEvent.objects.filter(outcome="denied", object_id=str(application.pk)).exists()


def test_the_other_network_s_applications_do_not_exist_for_the_admin(world, applications):
    assert signed_in(world, "network_admin").get(detail(applications["other"])).status_code == 404


# --- Review through the page ----------------------------------------------------------------------------


def test_a_reviewer_accepts_an_application_and_the_applicant_is_told(world, applications,
                                                                     django_capture_on_commit_callbacks):
    application = applications["a1"]
    url = reverse("workforce:application-review", args=[application.pk])
    client = signed_in(world, "regional_coordinator")
    # given the review page, which does not show the demographics
    page = client.get(url)
    assert page.status_code == 200 and "Two-spirit" not in page.content.decode()
    assert page.context["form"].initial == {"status": "in_review", "review_score": None, "review_notes": "",
                                            "version": 1}
    # when the coordinator accepts it with a score
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"status": "accepted", "review_score": "87", "review_notes": "Bilingual.",
                                     "version": "1"})
    # then it is accepted, and the applicant has the email
    assert response.status_code == 302 and response["Location"] == detail(application)
    stored = Application.objects.get(pk=application.pk)
    assert (stored.status, stored.review_score, stored.review_notes) == ("accepted", 87, "Bilingual.")
    assert [m.to for m in mail.outbox] == [[application.email]]


def test_a_stale_review_keeps_what_was_typed(world, applications):
    application = applications["a1"]
    url = reverse("workforce:application-review", args=[application.pk])
    client = signed_in(world, "network_admin")
    client.post(url, {"status": "in_review", "review_score": "", "review_notes": "", "version": "1"})
    # when someone posts on the page they loaded at version 1
    response = client.post(url, {"status": "declined", "review_score": "40", "review_notes": "Not now.",
                                 "version": "1"})
    # then the page comes back with their input and says why
    assert response.status_code == 200
    form = response.context["form"]
    assert form["review_notes"].value() == "Not now." and form["status"].value() == "declined"
    assert "Someone else changed this record" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == "in_review"


def test_an_out_of_range_score_is_named_on_its_field(world, applications):
    url = reverse("workforce:application-review", args=[applications["a1"].pk])
    response = signed_in(world, "network_admin").post(url, {"status": "accepted", "review_score": "140",
                                                            "version": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["review_score"] == ["Ensure this value is less than or equal to 100."]


# --- Withdraw and enrol ---------------------------------------------------------------------------------


def test_staff_mark_an_application_withdrawn(world, applications):
    application = applications["a1"]
    url = reverse("workforce:application-withdraw", args=[application.pk])
    client = signed_in(world, "regional_coordinator")
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": "1"})
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.WITHDRAWN
    # and the application page no longer offers review or withdrawal
    page = client.get(detail(application)).content.decode()
    assert reverse("workforce:application-review", args=[application.pk]) not in page
    assert url not in page


def test_an_accepted_application_is_enrolled_from_its_page(world, applications):
    application = applications["a2"]
    client = signed_in(world, "network_admin")
    url = reverse("workforce:application-enrol", args=[application.pk])
    # given the application page, which offers enrolment, and the confirmation page
    assert url in client.get(detail(application)).content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200 and confirm.context["problem"] == ""
    # when the admin confirms, twice
    first = client.post(url)
    second = client.post(url)
    # then one participant exists and the application page shows the enrolment
    assert first.status_code == second.status_code == 302
    participant = Participant.objects.get()
    assert participant.application == application and participant.full_name == "Bao Rivera"
    page = client.get(detail(application)).content.decode()
    assert participant.get_absolute_url() in page and url not in page
    # and the participant's page (the cohort area's) opens for the admin
    assert client.get(participant.get_absolute_url()).status_code == 200


def test_enrolment_in_a_full_cohort_is_refused_with_a_plain_message(world, applications):
    application = applications["a2"]
    cohort = application.cohort
    cohort.capacity = 0
    cohort.save()
    client = signed_in(world, "network_admin")
    url = reverse("workforce:application-enrol", args=[application.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert "The cohort is full: all 0 places are taken." in response.content.decode()
    assert not Participant.objects.exists()


def test_an_application_not_yet_accepted_says_why_it_cannot_be_enrolled(world, applications):
    response = signed_in(world, "network_admin").get(
        reverse("workforce:application-enrol", args=[applications["a1"].pk]))
    assert response.status_code == 200
    assert "Only an accepted application can be enrolled" in response.content.decode()
