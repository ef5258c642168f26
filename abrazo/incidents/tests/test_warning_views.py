"""The early-warning screens for each role, inside and outside scope: the list with each child's pattern, the
one-click urgent request (once, even clicked twice), closing with a note, and the network's thresholds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent
from abrazo.incidents import birs, warnings
from abrazo.incidents.models import Child, EarlyWarning, WarningSettings, WarningStatus
from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory
from abrazo.intake.models import Priority, Request

pytestmark = pytest.mark.django_db


def days_ago(count: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=count)


def warned_child(program: Any, code: str, *, sent_home_days_ago: int = 2) -> EarlyWarning:
    """A child with an incident of disruption and, later, one after which they were sent home."""
    child = ChildFactory(program=program, code=code)
    IncidentFactory(child=child, occurred_on=days_ago(sent_home_days_ago + 1),
                    problem_behavior=birs.ProblemBehavior.DISRUPTION, notes="Ana bit Luis")
    IncidentFactory(child=child, occurred_on=days_ago(sent_home_days_ago), oss=True,
                    problem_behavior=birs.ProblemBehavior.PHYSICAL_AGGRESSION)
    warning = warnings.evaluate_child(child)
    assert warning is not None
    return warning


@pytest.fixture
def warned(world) -> dict[str, EarlyWarning]:
    return {
        "a_old": warned_child(world.program_a, "SUN-001", sent_home_days_ago=9),
        "a_new": warned_child(world.program_a, "SUN-002", sent_home_days_ago=2),
        "b": warned_child(world.program_b, "HAR-001"),
        "other": warned_child(world.other_program, "OTH-001"),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


class TestList:
    def test_program_staff_see_their_programs_warnings_newest_first_with_the_pattern(self, client, world, warned):
        # given the director of program A
        signed_in(client, world.people["program_staff"])
        # when they open the early warnings
        response = client.get(reverse("incidents:warning-list"))
        # then they see program A's two warnings, the newest first, and nothing of B or elsewhere
        assert response.status_code == 200
        shown = [pattern.warning.child.code for pattern in response.context["patterns"]]
        assert shown == ["SUN-002", "SUN-001"]
        html = response.content.decode()
        assert "HAR-001" not in html and "OTH-001" not in html
        # and each comes with its reason and incidents: date, behavior, follow-up, but never the notes
        assert "Sent home" in html and "Disruption/Tantrums" in html and "Sent home for remainder of day" in html
        assert "Ana bit" not in html
        # and the ledger knows which warnings and incidents were shown, in the page's one event
        listed = AccessEvent.objects.filter(object_type="incidents.earlywarning", action="list").latest("occurred_at")
        shown_warnings = {str(warned["a_new"].pk), str(warned["a_old"].pk)}
        shown_incidents = set(listed.object_ids) - shown_warnings
        assert shown_warnings <= set(listed.object_ids)
        from abrazo.incidents.models import Incident

        assert shown_incidents and shown_incidents <= {str(pk) for pk in Incident.objects.values_list("pk", flat=True)}

    def test_the_coordinator_sees_the_region_and_the_administrator_the_network(self, client, world, warned):
        signed_in(client, world.people["regional_coordinator"])
        codes = {p.warning.child.code for p in client.get(reverse("incidents:warning-list")).context["patterns"]}
        assert codes == {"SUN-001", "SUN-002"}
        signed_in(client, world.people["network_admin"])
        codes = {p.warning.child.code for p in client.get(reverse("incidents:warning-list")).context["patterns"]}
        assert codes == {"SUN-001", "SUN-002", "HAR-001"}

    def test_consultants_and_evaluators_have_no_such_page(self, client, world, warned):
        for role in ("consultant", "evaluator", "supervisor"):
            signed_in(client, world.people[role])
            assert client.get(reverse("incidents:warning-list")).status_code == 404

    def test_closed_warnings_leave_the_list_and_can_be_filtered_back(self, client, world, warned):
        warnings.warning_close(actor=world.people["program_staff"], warning=warned["a_old"], note="Moved away")
        signed_in(client, world.people["program_staff"])
        open_codes = [p.warning.child.code for p in client.get(reverse("incidents:warning-list")).context["patterns"]]
        closed = client.get(reverse("incidents:warning-list"), {"status": "dismissed"}).context["patterns"]
        assert open_codes == ["SUN-002"]
        assert [p.warning.child.code for p in closed] == ["SUN-001"]

    def test_the_list_costs_the_same_queries_for_a_few_warnings_or_many(self, client, world, warned):
        # given the administrator, who sees three warnings
        signed_in(client, world.people["network_admin"])
        url = reverse("incidents:warning-list")
        client.get(url)  # the session's first request records the session itself
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        # when five more children are warned about
        for number in range(5):
            warned_child(world.program_a, f"SUN-1{number}")
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        # then the page shows them all for the same number of queries
        assert len(response.context["patterns"]) == 8
        assert len(many) == len(few)


class TestDetail:
    def test_inside_scope_it_shows_the_warning_and_outside_it_does_not_exist(self, client, world, warned):
        signed_in(client, world.people["program_staff"])
        inside = client.get(reverse("incidents:warning-detail", args=[warned["a_new"].pk]))
        assert inside.status_code == 200
        assert "SUN-002" in inside.content.decode()
        assert client.get(reverse("incidents:warning-detail", args=[warned["b"].pk])).status_code == 404
        assert AccessEvent.objects.filter(object_id=str(warned["a_new"].pk), action="view").exists()


class TestRequest:
    def test_one_click_makes_an_urgent_request_and_opens_it(self, client, world, warned):
        # given the director looking at an open warning
        signed_in(client, world.people["program_staff"])
        warning = warned["a_new"]
        # when they press "Ask for an urgent consultation"
        response = client.post(reverse("incidents:warning-request", args=[warning.pk]))
        # then an urgent request about the child is made, and they land on it
        request = Request.objects.get()
        assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
        assert (request.child_id, request.program_id, request.priority, request.imminent_risk) == (
            warning.child_id, world.program_a.pk, Priority.URGENT, True)
        assert "SUN-002" in request.concern_text
        warning.refresh_from_db()
        assert (warning.status, warning.request_id) == (WarningStatus.REQUESTED, request.pk)
        # and the request page opens for them
        assert client.get(response["Location"]).status_code == 200

    def test_a_double_click_makes_one_request(self, client, world, warned):
        signed_in(client, world.people["program_staff"])
        url = reverse("incidents:warning-request", args=[warned["a_new"].pk])
        first = client.post(url)
        second = client.post(url)
        assert Request.objects.count() == 1
        assert first["Location"] == second["Location"] == Request.objects.get().get_absolute_url()

    def test_opened_as_a_link_it_shows_what_will_be_sent(self, client, world, warned):
        signed_in(client, world.people["regional_coordinator"])
        response = client.get(reverse("incidents:warning-request", args=[warned["a_new"].pk]))
        assert response.status_code == 200
        assert "Early warning for child SUN-002 at Sunrise Center" in response.content.decode()
        assert not Request.objects.exists()

    def test_staff_of_another_program_cannot_ask_from_it(self, client, world, warned):
        signed_in(client, world.people["program_staff"])
        response = client.post(reverse("incidents:warning-request", args=[warned["b"].pk]))
        assert response.status_code == 404
        assert not Request.objects.exists()


class TestClose:
    def test_closing_with_a_note(self, client, world, warned):
        signed_in(client, world.people["program_staff"])
        url = reverse("incidents:warning-close", args=[warned["a_new"].pk])
        # an empty note is refused, with the form shown again
        refused = client.post(url, {"note": ""})
        assert refused.status_code == 200 and refused.context["form"].errors
        # a note closes it
        response = client.post(url, {"note": "Already working with a consultant"})
        assert response.status_code == 302 and response["Location"] == reverse("incidents:warning-list")
        warning = EarlyWarning.objects.get(pk=warned["a_new"].pk)
        assert (warning.status, warning.close_note) == (WarningStatus.DISMISSED, "Already working with a consultant")

    def test_a_coordinator_of_another_region_cannot(self, client, world, warned):
        signed_in(client, world.people["regional_coordinator"])
        response = client.post(reverse("incidents:warning-close", args=[warned["b"].pk]), {"note": "No"})
        assert response.status_code == 404
        assert EarlyWarning.objects.get(pk=warned["b"].pk).status == WarningStatus.OPEN


class TestSettingsPage:
    def test_the_administrator_changes_the_thresholds_and_they_apply_to_the_next_incident(self, client, world):
        signed_in(client, world.people["network_admin"])
        url = reverse("incidents:warning-settings")
        # the defaults are shown
        assert client.get(url).context["form"].initial["incident_count"] == 3
        # when two incidents in two school days become the threshold
        response = client.post(url, {"incident_count": 2, "window_school_days": 2, "on_any_oss": "on",
                                     "on_any_dismissal": "on", "version": 1})  # the defaults' version
        assert response.status_code == 302
        rules = WarningSettings.objects.get(network=world.network)
        assert (rules.incident_count, rules.window_school_days, rules.on_soft_exclusion) == (2, 2, False)
        # then two incidents on one day raise a warning
        child = ChildFactory(program=world.program_a)
        IncidentFactory(child=child, occurred_on=days_ago(1))
        IncidentFactory(child=child, occurred_on=days_ago(1))
        assert warnings.evaluate_child(Child.objects.get(pk=child.pk)).incident_count == 2

    def test_a_wrong_number_keeps_what_was_typed(self, client, world):
        signed_in(client, world.people["network_admin"])
        response = client.post(reverse("incidents:warning-settings"), {"incident_count": 0, "window_school_days": 7})
        assert response.status_code == 200
        assert response.context["form"].errors["incident_count"]
        assert 'value="7"' in response.content.decode()

    def test_coordinators_cannot_change_them(self, client, world):
        signed_in(client, world.people["regional_coordinator"])
        assert client.get(reverse("incidents:warning-settings")).status_code == 404
