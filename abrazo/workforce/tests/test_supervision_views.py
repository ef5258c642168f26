"""The supervision pages over HTTP: the consultant's page with progress, logging with kept input and double
submits, sign-off one by one, in bulk and twice, returns, the team page, the settings page, each role and the
records outside their scope, and the queries the lists make."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.audit.models import AccessEvent, Action
from abrazo.core.concurrency import save_versioned
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.workforce.models import SupervisionLog, SupervisionStatus, WorkforceSettings
from abrazo.workforce.selectors import workforce_settings_for
from abrazo.workforce.tests.factories_supervision import SupervisionLogFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LIST = reverse("workforce:supervision-list")
NEW = reverse("workforce:supervision-new")
BULK = reverse("workforce:supervision-sign-off-bulk")
TEAM = reverse("workforce:supervision-team")
SETTINGS = reverse("workforce:workforce-settings")


@pytest.fixture
def consultant(world):
    return ConsultantProfile.objects.get(user=world.people["consultant"])


@pytest.fixture
def colleague(world):
    """Another consultant of the world's supervisor, in region A."""
    return ConsultantProfileFactory(network=world.network, region=world.region_a, counties=[county("06019")],
                                    supervisor=world.people["supervisor"])


@pytest.fixture
def stranger(world):
    """A consultant of region B with another supervisor."""
    return ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county("06037")],
                                    supervisor=make_person(world.network, Role.SUPERVISOR, mfa=False))


def signed_in(client, person):
    client.force_login(person)
    return client


def log_post(world, **changes):
    data = {"supervisor": str(world.people["supervisor"].pk), "held_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
            "kind": "reflective", "format": "individual", "group_size": "", "hours": "1.5",
            "topics": "Holding hope with a family"}
    data.update(changes)
    return data


def submission_key(body):
    return re.search(r'name="submission_key" value="([^"]+)"', body).group(1)


class TestTheConsultantsOwnPage:
    def test_it_shows_progress_totals_by_kind_and_the_logs(self, client, world, consultant):
        # given 3 signed-off reflective sessions of 1.5 h, one signed-off administrative hour and 2 clinical
        # hours waiting
        for days in (40, 70, 100):
            SupervisionLogFactory(supervisee=consultant, signed_off=True, held_on=TODAY() - dt.timedelta(days=days))
        SupervisionLogFactory(supervisee=consultant, kind="administrative", hours=D(1), signed_off=True)
        SupervisionLogFactory(supervisee=consultant, kind="clinical", hours=D(2))
        # when the consultant opens their supervision page
        response = signed_in(client, world.people["consultant"]).get(LIST)
        body = response.content.decode()
        # then their progress: 4.5 hours count, 2 wait; 4.5 of 24 is 18%, of 50 is 9%
        assert "Your reflective supervision" in body
        assert "4.5 signed-off hours count toward endorsement (kinds that count: Reflective, Clinical)." in body
        assert "2 more hours are waiting for the supervisor's sign-off" in body
        assert "4.5 of 24 hours (18%)" in body and "19.5 hours to go" in body
        assert "4.5 of 50 hours (9%)" in body
        # and the hours by kind, with a total row: 4.5 + 1 signed off, 2 waiting, 7.5 in all
        totals = {t.kind: (t.sessions, t.signed_off, t.pending) for t in response.context["totals"]}
        assert totals["reflective"] == (3, D("4.5"), 0) and totals["clinical"] == (1, 0, D(2))
        assert totals["administrative"] == (1, D(1), 0) and totals["model_fidelity"] == (0, 0, 0)
        all_kinds = response.context["all_kinds"]
        assert (all_kinds.sessions, all_kinds.signed_off, all_kinds.pending, all_kinds.total) == (
            5, D("5.5"), D(2), D("7.5"))
        # and the five logs, listed and in the ledger
        assert len(response.context["page"].items) == 5
        assert AccessEvent.objects.filter(action=Action.LIST, object_type="workforce.supervisionlog").exists()

    def test_filters_narrow_the_logs_and_the_totals(self, client, world, consultant):
        SupervisionLogFactory(supervisee=consultant, signed_off=True)
        SupervisionLogFactory(supervisee=consultant, kind="clinical", hours=D(2))
        response = signed_in(client, world.people["consultant"]).get(LIST, {"kind": "clinical"})
        assert [log.kind for log in response.context["page"].items] == ["clinical"]
        assert response.context["all_kinds"].total == D(2)
        response = client.get(LIST, {"status": "signed_off", "since": (TODAY() - dt.timedelta(days=3)).isoformat()})
        assert response.context["page"].items == []

    def test_the_list_makes_a_bounded_number_of_queries(self, client, world, consultant,
                                                        django_assert_max_num_queries):
        for _ in range(12):
            SupervisionLogFactory(supervisee=consultant)
        signed_in(client, world.people["consultant"])
        client.get(LIST)
        with django_assert_max_num_queries(20):
            client.get(LIST)


    def test_the_supervisors_list_with_a_consultant_filter_does_not_grow_with_the_team(
        self, client, world, consultant, django_assert_max_num_queries
    ):
        signed_in(client, world.people["supervisor"])
        SupervisionLogFactory(supervisee=consultant)
        client.get(LIST)
        with django_assert_max_num_queries(20):
            client.get(LIST)
        for _ in range(6):
            profile = ConsultantProfileFactory(network=world.network, region=world.region_a,
                                               supervisor=world.people["supervisor"])
            SupervisionLogFactory(supervisee=profile)
        with django_assert_max_num_queries(20):
            response = client.get(LIST)
        assert len(response.context["page"].items) == 7
        assert response.content.decode().count('<option value="') >= 7 + 4  # consultants, then the kinds
        with django_assert_max_num_queries(22):
            response = client.get(LIST, {"consultant": str(consultant.pk)})
        assert response.context["focus"] == consultant and "progress" in response.context


class TestLoggingPages:
    def test_a_consultant_logs_a_session_with_their_supervisor_already_chosen(self, client, world, consultant):
        signed_in(client, world.people["consultant"])
        body = client.get(NEW).content.decode()
        supervisor = world.people["supervisor"]
        assert f'<option value="{supervisor.pk}" selected>' in body
        assert f'type="hidden" name="consultant" value="{consultant.pk}"' in body
        assert "Never the name of a child or a family." in body
        # only supervisors of the network are offered
        assert str(world.people["regional_coordinator"].pk) not in body
        response = client.post(NEW, log_post(world, submission_key=submission_key(body),
                                             consultant=str(consultant.pk)))
        log = SupervisionLog.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "workforce:supervision-detail", args=[log.pk])
        assert (log.supervisee, log.hours, log.status) == (consultant, D("1.5"), SupervisionStatus.LOGGED)
        # and the same form sent twice logs once
        again = client.post(NEW, log_post(world, submission_key=submission_key(body), consultant=str(consultant.pk)))
        assert again.status_code == 302 and SupervisionLog.objects.count() == 1

    def test_the_supervisors_form_makes_a_bounded_number_of_queries(self, client, world, consultant,
                                                                  django_assert_max_num_queries):
        for _ in range(6):
            ConsultantProfileFactory(network=world.network, region=world.region_a,
                                     supervisor=world.people["supervisor"])
        signed_in(client, world.people["supervisor"])
        client.get(NEW)
        with django_assert_max_num_queries(14):
            response = client.get(NEW)
        assert len(response.context["form"].fields["consultant"].queryset) == 7

    def test_a_group_without_its_size_is_asked_for_and_the_rest_is_kept(self, client, world, consultant):
        signed_in(client, world.people["consultant"])
        response = client.post(NEW, log_post(world, format="group", topics="Endings", consultant=str(consultant.pk)))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Say how many people were in the group." in body and "Endings" in body
        assert not SupervisionLog.objects.exists()

    def test_a_consultant_cannot_log_for_a_colleague_by_changing_the_form(self, client, world, colleague):
        signed_in(client, world.people["consultant"])
        response = client.post(NEW, log_post(world, consultant=str(colleague.pk)))
        assert response.status_code == 200 and not SupervisionLog.objects.exists()
        assert "consultant" in response.context["form"].errors

    def test_the_supervisor_logs_for_a_chosen_consultant(self, client, world, consultant, colleague):
        signed_in(client, world.people["supervisor"])
        body = client.get(NEW, {"consultant": str(colleague.pk)}).content.decode()
        assert f'<option value="{colleague.pk}" selected>' in body
        response = client.post(NEW, log_post(world, consultant=str(colleague.pk), format="group", group_size="4"))
        assert response.status_code == 302
        log = SupervisionLog.objects.get()
        assert (log.supervisee, log.logged_by, log.group_size) == (colleague, world.people["supervisor"], 4)

    def test_correcting_a_returned_log_sends_it_back_for_sign_off(self, client, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant, status=SupervisionStatus.RETURNED,
                                    return_reason="Wrong date")
        signed_in(client, world.people["consultant"])
        url = reverse("workforce:supervision-edit", args=[log.pk])
        assert "Returned for correction: Wrong date" in client.get(url).content.decode()
        response = client.post(url, log_post(world, version="1", hours="2"))
        assert response.status_code == 302
        log.refresh_from_db()
        assert (log.status, log.hours, log.version) == (SupervisionStatus.LOGGED, D(2), 2)

    def test_a_stale_correction_keeps_what_was_typed(self, client, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        SupervisionLog.objects.filter(pk=log.pk).update(version=2)
        response = signed_in(client, world.people["consultant"]).post(
            reverse("workforce:supervision-edit", args=[log.pk]), log_post(world, version="1", topics="Mine"))
        body = response.content.decode()
        assert "Someone else changed this record" in body and "Mine" in body and 'name="version" value="2"' in body

    def test_a_signed_off_log_cannot_be_opened_for_correction(self, client, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant, signed_off=True)
        signed_in(client, world.people["consultant"])
        response = client.get(reverse("workforce:supervision-edit", args=[log.pk]))
        assert response.status_code == 302 and response["Location"] == log.get_absolute_url()
        body = client.get(log.get_absolute_url()).content.decode()
        assert "can no longer be changed" in body and ">Correct<" not in body


class TestSignOffPages:
    def test_the_supervisor_signs_off_from_the_log_and_a_second_click_changes_nothing(self, client, world,
                                                                                      consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        signed_in(client, world.people["supervisor"])
        body = client.get(log.get_absolute_url()).content.decode()
        assert "Your sign-off" in body and "Return for correction" in body
        url = reverse("workforce:supervision-sign-off", args=[log.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"version": "1"}, follow=True)
        assert "Signed off. 1.5 hours now count toward endorsement." in response.content.decode()
        log.refresh_from_db()
        assert log.status == SupervisionStatus.SIGNED_OFF
        response = client.post(url, {"version": "1"}, follow=True)
        assert "This log was already signed off." in response.content.decode()
        assert SupervisionLog.objects.get(pk=log.pk).version == 2

    def test_the_consultant_sees_no_sign_off_and_cannot_post_one(self, client, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        signed_in(client, world.people["consultant"])
        assert "Your sign-off" not in client.get(log.get_absolute_url()).content.decode()
        response = client.post(reverse("workforce:supervision-sign-off", args=[log.pk]), {"version": "1"})
        assert response.status_code == 404
        assert SupervisionLog.objects.get(pk=log.pk).status == SupervisionStatus.LOGGED

    def test_returning_a_log_with_the_reason(self, client, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        signed_in(client, world.people["supervisor"])
        url = reverse("workforce:supervision-return", args=[log.pk])
        response = client.post(url, {"version": "1", "reason": ""})
        assert response.status_code == 200 and "reason" in response.context["form"].errors
        response = client.post(url, {"version": "1", "reason": "This was a group session."})
        assert response.status_code == 302
        log.refresh_from_db()
        assert (log.status, log.return_reason) == (SupervisionStatus.RETURNED, "This was a group session.")

    def test_signing_off_several_then_the_rest_and_a_double_submit(self, client, world, consultant, colleague,
                                                                    stranger):
        logs = [SupervisionLogFactory(supervisee=consultant, hours=D(h)) for h in ("1", "2")]
        logs.append(SupervisionLogFactory(supervisee=colleague, hours=D("1.5")))
        outside = SupervisionLogFactory(supervisee=stranger)
        signed_in(client, world.people["supervisor"])
        # the page lists the three waiting logs of the supervisor's consultants, not the stranger's
        response = client.get(BULK)
        assert {log.pk for log in response.context["logs"]} == {log.pk for log in logs}
        body = response.content.decode()
        assert str(outside.pk) not in body and "3 logs waiting, hours in all: 4.5" in body
        # when two are selected (and the stranger's id slipped into the form)
        response = client.post(BULK, {"which": "selected", "log": [f"{logs[0].pk}:1", f"{logs[1].pk}:1",
                                                                     f"{outside.pk}:1"]}, follow=True)
        body = response.content.decode()
        # then those two are signed off (3 hours), the stranger's is refused and untouched
        assert "2 logs signed off (3 hours in all)." in body and "1 log could not be signed off by you." in body
        assert SupervisionLog.objects.get(pk=outside.pk).status == SupervisionStatus.LOGGED
        # and the same submit again signs nothing twice
        response = client.post(BULK, {"which": "selected", "log": [f"{logs[0].pk}:1", f"{logs[1].pk}:1"]},
                               follow=True)
        assert "2 logs were already signed off." in response.content.decode()
        # and "all shown" signs the one left
        body = client.get(BULK).content.decode()
        assert "Sign off the 1 log shown" in body
        client.post(BULK, {"which": "all", "shown": [f"{logs[2].pk}:1"]})
        assert SupervisionLog.objects.filter(status=SupervisionStatus.SIGNED_OFF).count() == 3
        assert "Nothing is waiting for your sign-off." in client.get(BULK).content.decode()

    def test_nothing_chosen_is_said(self, client, world):
        response = signed_in(client, world.people["supervisor"]).post(BULK, {"which": "selected"}, follow=True)
        assert "Choose at least one log to sign off." in response.content.decode()

    @pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "consultant", "evaluator"])
    def test_only_supervisors_have_a_sign_off_page(self, client, world, role):
        assert signed_in(client, world.people[role]).get(BULK).status_code == 404

    def test_the_bulk_page_makes_a_bounded_number_of_queries(self, client, world, consultant, colleague,
                                                            django_assert_max_num_queries):
        for profile in (consultant, colleague):
            for _ in range(6):
                SupervisionLogFactory(supervisee=profile)
        signed_in(client, world.people["supervisor"])
        client.get(BULK)
        with django_assert_max_num_queries(14):
            response = client.get(BULK)
        assert len(response.context["logs"]) == 12


class TestScope:
    def test_a_consultant_does_not_open_a_colleagues_log(self, client, world, colleague):
        log = SupervisionLogFactory(supervisee=colleague)
        signed_in(client, world.people["consultant"])
        for name in ("supervision-detail", "supervision-edit", "supervision-sign-off", "supervision-return"):
            assert client.get(reverse(f"workforce:{name}", args=[log.pk])).status_code == 404, name
        assert client.get(LIST).context["page"].items == []

    def test_a_supervisor_does_not_open_logs_of_consultants_they_do_not_supervise(self, client, world, stranger):
        log = SupervisionLogFactory(supervisee=stranger)
        signed_in(client, world.people["supervisor"])
        for name in ("supervision-detail", "supervision-edit", "supervision-sign-off", "supervision-return"):
            assert client.get(reverse(f"workforce:{name}", args=[log.pk])).status_code == 404, name

    def test_the_coordinator_sees_their_regions_logs_only_and_signs_nothing(self, client, world, consultant,
                                                                            stranger):
        inside, outside = SupervisionLogFactory(supervisee=consultant), SupervisionLogFactory(supervisee=stranger)
        signed_in(client, world.people["regional_coordinator"])
        assert [log.pk for log in client.get(LIST).context["page"].items] == [inside.pk]
        assert client.get(inside.get_absolute_url()).status_code == 200
        assert client.get(outside.get_absolute_url()).status_code == 404
        assert client.get(reverse("workforce:supervision-sign-off", args=[inside.pk])).status_code == 404

    @pytest.mark.parametrize("role", ["evaluator", "program_staff"])
    def test_evaluators_and_program_staff_see_no_supervision(self, client, world, consultant, role):
        log = SupervisionLogFactory(supervisee=consultant)
        signed_in(client, world.people[role])
        assert client.get(LIST).status_code == 404
        assert client.get(log.get_absolute_url()).status_code == 404

    def test_another_networks_admin_does_not_see_this_networks_logs(self, client, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        signed_in(client, make_person(world.other_network, Role.NETWORK_ADMIN))
        assert client.get(log.get_absolute_url()).status_code == 404
        assert client.get(LIST).context["page"].items == []


class TestTheTeamPage:
    def test_the_supervisor_sees_each_consultants_progress(self, client, world, consultant, colleague, stranger):
        # given the consultant with 16 x 1.5 = 24 signed-off reflective hours (first level reached) and one
        # waiting, the colleague with 2 signed-off clinical hours and 1 administrative hour, and a stranger
        for _ in range(16):
            SupervisionLogFactory(supervisee=consultant, signed_off=True)
        SupervisionLogFactory(supervisee=consultant)
        SupervisionLogFactory(supervisee=colleague, kind="clinical", hours=D(2), signed_off=True)
        SupervisionLogFactory(supervisee=colleague, kind="administrative", hours=D(1), signed_off=True)
        SupervisionLogFactory(supervisee=stranger, signed_off=True)
        # when the supervisor opens their team page
        response = signed_in(client, world.people["supervisor"]).get(TEAM)
        rows = {row.consultant.pk: row for row in response.context["rows"]}
        # then both their consultants, not the stranger
        assert set(rows) == {consultant.pk, colleague.pk}
        # the consultant: 24 count (first level reached, 24/50 = 48%), 1.5 waiting in one log
        mine = rows[consultant.pk]
        assert (mine.progress.counted, mine.progress.pending, mine.waiting) == (D(24), D("1.5"), 1)
        assert [(m.reached, m.percent) for m in mine.progress.milestones] == [(True, 100), (False, 48)]
        # the colleague: 2 count (2/24 = 8.3% -> 8), the administrative hour does not
        theirs = rows[colleague.pk]
        assert (theirs.progress.counted, theirs.progress.not_countable, theirs.waiting) == (D(2), D(1), 0)
        assert theirs.progress.milestones[0].percent == 8
        body = response.content.decode()
        assert "✓ 24 reached" in body and "24 of 50 (48%)" in body and "2 of 24 (8%)" in body
        assert AccessEvent.objects.filter(action=Action.LIST, object_type="directory.consultantprofile").exists()

    def test_the_team_page_makes_the_same_queries_for_more_consultants(self, client, world, consultant,
                                                                       django_assert_max_num_queries):
        signed_in(client, world.people["supervisor"])
        SupervisionLogFactory(supervisee=consultant, signed_off=True)
        client.get(TEAM)
        with django_assert_max_num_queries(15):
            client.get(TEAM)
        for _ in range(8):
            profile = ConsultantProfileFactory(network=world.network, region=world.region_a,
                                               supervisor=world.people["supervisor"])
            SupervisionLogFactory(supervisee=profile, signed_off=True)
        with django_assert_max_num_queries(15):
            response = client.get(TEAM)
        assert len(response.context["rows"]) == 9

    @pytest.mark.parametrize("role", ["consultant", "evaluator", "program_staff"])
    def test_people_without_a_team_have_no_team_page(self, client, world, role):
        assert signed_in(client, world.people[role]).get(TEAM).status_code == 404

    def test_the_coordinator_sees_their_region(self, client, world, consultant, stranger):
        response = signed_in(client, world.people["regional_coordinator"]).get(TEAM)
        assert [row.consultant.pk for row in response.context["rows"]] == [consultant.pk]


class TestTheSettingsPage:
    def test_the_admin_changes_thresholds_and_countable_kinds(self, client, world, consultant):
        signed_in(client, world.people["network_admin"])
        body = client.get(SETTINGS).content.decode()
        assert re.search(r'name="endorsement_hours_first" value="24(\.00)?"', body)
        loaded = re.search(r'name="version" value="([^"]+)"', body).group(1)
        response = client.post(SETTINGS, {
            "endorsement_hours_first": "20", "endorsement_hours_second": "40",
            "countable_kinds": ["reflective", "clinical", "model_fidelity"], "completion_percent": "75",
            "version": loaded})
        assert response.status_code == 302
        settings = WorkforceSettings.objects.get(network=world.network)
        assert (settings.endorsement_hours_first, settings.endorsement_hours_second) == (D(20), D(40))
        assert settings.countable_kinds == ["clinical", "reflective", "model_fidelity"]
        assert settings.completion_attendance_share == D("0.75")
        # and the consultant's page counts against the new thresholds
        SupervisionLogFactory(supervisee=consultant, signed_off=True, kind="model_fidelity", hours=D(5))
        body = signed_in(client, world.people["consultant"]).get(LIST).content.decode()
        assert "5 of 20 hours (25%)" in body

    def test_a_second_level_below_the_first_and_no_kind_are_refused(self, client, world):
        signed_in(client, world.people["network_admin"])
        response = client.post(SETTINGS, {"endorsement_hours_first": "30", "endorsement_hours_second": "20",
                                          "completion_percent": "80"})
        errors = response.context["form"].errors
        assert errors["countable_kinds"] == ["Choose at least one kind of supervision that counts."]
        assert errors["endorsement_hours_second"] == ["The second level needs at least as many hours as the first."]
        assert workforce_settings_for(world.network).endorsement_hours_first == D(24)

    def test_a_save_over_a_newer_one_is_refused(self, client, world):
        signed_in(client, world.people["network_admin"])
        body = client.get(SETTINGS).content.decode()
        loaded = re.search(r'name="version" value="([^"]+)"', body).group(1)
        # another administrator saves in between (save_versioned bumps the version, as the settings page does)
        settings = workforce_settings_for(world.network)
        settings.endorsement_hours_first = D(30)
        save_versioned(settings, expected_version=settings.version, update_fields=["endorsement_hours_first"])
        response = client.post(SETTINGS, {
            "endorsement_hours_first": "20", "endorsement_hours_second": "40", "countable_kinds": ["reflective"],
            "completion_percent": "80", "version": loaded})
        assert response.status_code == 200 and "Someone else changed this record" in response.content.decode()
        assert workforce_settings_for(world.network).endorsement_hours_first == D(30)

    @pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "evaluator"])
    def test_only_the_admin_opens_it(self, client, world, role):
        assert signed_in(client, world.people[role]).get(SETTINGS).status_code == 404
