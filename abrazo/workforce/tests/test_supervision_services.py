"""Reflective supervision through its services: logging, correcting, signing off (one, many, twice), returning,
who may do each, and progress toward endorsement from the logs."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.audit.models import AccessEvent, Action
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.workforce import supervision_selectors as selectors
from abrazo.workforce import supervision_services as services
from abrazo.workforce.models import SupervisionLog, SupervisionStatus
from abrazo.workforce.selectors import workforce_settings_for
from abrazo.workforce.tests.factories_supervision import SupervisionLogFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def consultant(world):
    return ConsultantProfile.objects.get(user=world.people["consultant"])


@pytest.fixture
def other_consultant(world):
    """A consultant of region B whom the world's supervisor does not supervise."""
    return ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county("06037")],
                                    supervisor=make_person(world.network, Role.SUPERVISOR, mfa=False))


def session(world, **changes):
    values = {"supervisor": world.people["supervisor"], "held_on": TODAY() - dt.timedelta(days=2),
              "kind": "reflective", "format": "individual", "hours": D("1.5"), "group_size": None,
              "topics": "Parallel process"}
    values.update(changes)
    return services.SupervisionData(**values)


class TestLogging:
    def test_a_consultant_logs_their_own_session_and_it_waits_for_sign_off(self, world, consultant):
        person = world.people["consultant"]
        log = services.supervision_log_create(actor=person, supervisee=consultant, data=session(world))
        assert (log.status, log.logged_by, log.network_id, log.supervisor) == (
            SupervisionStatus.LOGGED, person, world.network.pk, world.people["supervisor"])
        assert (log.hours, log.topics, log.group_size) == (D("1.5"), "Parallel process", None)
        assert AccessEvent.objects.filter(action=Action.CREATE, object_id=str(log.pk)).exists()

    def test_a_supervisor_logs_for_their_consultant_but_not_for_another(self, world, consultant, other_consultant):
        supervisor = world.people["supervisor"]
        log = services.supervision_log_create(actor=supervisor, supervisee=consultant, data=session(world))
        assert log.logged_by == supervisor
        with pytest.raises(PermissionDenied):
            services.supervision_log_create(actor=supervisor, supervisee=other_consultant, data=session(world))

    @pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "evaluator", "program_staff"])
    def test_nobody_else_logs(self, world, consultant, role):
        with pytest.raises(PermissionDenied):
            services.supervision_log_create(actor=world.people[role], supervisee=consultant, data=session(world))

    def test_a_consultant_cannot_log_for_a_colleague(self, world, other_consultant):
        with pytest.raises(PermissionDenied):
            services.supervision_log_create(actor=world.people["consultant"], supervisee=other_consultant,
                                            data=session(world))

    def test_the_supervisor_named_must_be_a_supervisor_of_the_network(self, world, consultant):
        outsider = make_person(world.other_network, Role.SUPERVISOR, mfa=False)
        for who in (world.people["regional_coordinator"], outsider, world.people["consultant"]):
            with pytest.raises(ValidationError) as problem:
                services.supervision_log_create(actor=world.people["consultant"], supervisee=consultant,
                                                data=session(world, supervisor=who))
            assert list(problem.value.message_dict) == ["supervisor"]

    def test_a_consultant_who_is_also_a_supervisor_cannot_name_themselves(self, world, consultant):
        from abrazo.accounts.models import Membership

        Membership.objects.create(user=world.people["consultant"], network=world.network, role=Role.SUPERVISOR)
        with pytest.raises(ValidationError) as problem:
            services.supervision_log_create(actor=world.people["consultant"], supervisee=consultant,
                                            data=session(world, supervisor=world.people["consultant"]))
        assert "themselves" in problem.value.message_dict["supervisor"][0]

    @pytest.mark.parametrize(("changes", "field"), [
        ({"held_on": TODAY() + dt.timedelta(days=1)}, "held_on"),
        ({"hours": D("0.2")}, "hours"),
        ({"hours": D("8.25")}, "hours"),
        ({"format": "group"}, "group_size"),
        ({"format": "group", "group_size": 1}, "group_size"),
        ({"kind": "peer"}, "kind"),
        ({"format": "pairs"}, "format"),
    ])
    def test_what_the_form_must_get_right(self, world, consultant, changes, field):
        with pytest.raises(ValidationError) as problem:
            services.supervision_log_create(actor=world.people["consultant"], supervisee=consultant,
                                            data=session(world, **changes))
        assert field in problem.value.message_dict
        assert not SupervisionLog.objects.exists()

    def test_the_limits_themselves_are_allowed_and_an_individual_session_has_no_group_size(self, world, consultant):
        person = world.people["consultant"]
        today = services.supervision_log_create(
            actor=person, supervisee=consultant, data=session(world, held_on=TODAY(), hours=D("0.25"), group_size=4))
        assert (today.hours, today.group_size) == (D("0.25"), None)
        group = services.supervision_log_create(
            actor=person, supervisee=consultant, data=session(world, hours=D(8), format="group", group_size=5))
        assert (group.hours, group.group_size) == (D(8), 5)

    def test_a_double_submit_logs_once(self, world, consultant):
        key = uuid.uuid4()
        person = world.people["consultant"]
        first = services.supervision_log_create(actor=person, supervisee=consultant, data=session(world),
                                                submission_key=key)
        with pytest.raises(services.AlreadySubmitted) as again:
            services.supervision_log_create(actor=person, supervisee=consultant, data=session(world),
                                            submission_key=key)
        assert again.value.existing == first and SupervisionLog.objects.count() == 1


class TestCorrecting:
    def test_an_edit_is_versioned(self, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        services.supervision_log_update(actor=world.people["consultant"], log=log, expected_version=1,
                                        data=session(world, hours=D(2)))
        log.refresh_from_db()
        assert (log.hours, log.version) == (D(2), 2)
        with pytest.raises(StaleEditError):
            services.supervision_log_update(actor=world.people["consultant"], log=log, expected_version=1,
                                            data=session(world, hours=D(3)))

    def test_a_signed_off_log_is_locked_even_for_a_form_opened_before(self, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        opened = SupervisionLog.objects.get(pk=log.pk)  # the consultant's edit form, loaded at version 1
        assert services.supervision_log_sign_off(actor=world.people["supervisor"], log=log, expected_version=1)
        with pytest.raises(StaleEditError):
            services.supervision_log_update(actor=world.people["consultant"], log=opened, expected_version=1,
                                            data=session(world, hours=D(4)))
        log.refresh_from_db()
        with pytest.raises(ValidationError):
            services.supervision_log_update(actor=world.people["consultant"], log=log, expected_version=log.version,
                                            data=session(world, hours=D(4)))
        log.refresh_from_db()
        assert (log.hours, log.status) == (D("1.5"), SupervisionStatus.SIGNED_OFF)


class TestSigningOff:
    def test_the_consultants_supervisor_signs_off_once(self, world, consultant):
        supervisor = world.people["supervisor"]
        log = SupervisionLogFactory(supervisee=consultant)
        assert services.supervision_log_sign_off(actor=supervisor, log=log, expected_version=1) is True
        log.refresh_from_db()
        assert (log.status, log.signed_off_by, log.version) == (SupervisionStatus.SIGNED_OFF, supervisor, 2)
        assert log.signed_off_at is not None
        # the same form sent again: nothing changes, and it says so
        assert services.supervision_log_sign_off(actor=supervisor, log=log, expected_version=1) is False
        assert SupervisionLog.objects.get(pk=log.pk).version == 2
        assert AccessEvent.objects.filter(action=Action.UPDATE, object_id=str(log.pk)).count() == 1

    def test_a_log_changed_since_it_was_shown_is_not_signed(self, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        SupervisionLog.objects.filter(pk=log.pk).update(version=2, hours=D(6))
        with pytest.raises(StaleEditError):
            services.supervision_log_sign_off(actor=world.people["supervisor"], log=log, expected_version=1)
        assert SupervisionLog.objects.get(pk=log.pk).status == SupervisionStatus.LOGGED

    @pytest.mark.parametrize("role", ["consultant", "network_admin", "regional_coordinator"])
    def test_nobody_but_the_supervisor_signs_off(self, world, consultant, role):
        log = SupervisionLogFactory(supervisee=consultant)
        with pytest.raises(PermissionDenied):
            services.supervision_log_sign_off(actor=world.people[role], log=log, expected_version=1)

    def test_another_supervisor_of_the_network_does_not_sign_off(self, world, consultant, other_consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        with pytest.raises(PermissionDenied):
            services.supervision_log_sign_off(actor=other_consultant.supervisor, log=log, expected_version=1)
        # even when the log names them as the one who gave the session
        log = SupervisionLogFactory(supervisee=consultant, supervisor=other_consultant.supervisor)
        with pytest.raises(PermissionDenied):
            services.supervision_log_sign_off(actor=other_consultant.supervisor, log=log, expected_version=1)

    def test_nobody_signs_off_their_own_supervision(self, world):
        supervisor = world.people["supervisor"]
        own = ConsultantProfileFactory(user=supervisor, network=world.network, region=world.region_a,
                                       supervisor=supervisor)
        log = SupervisionLogFactory(supervisee=own, supervisor=world.people["supervisor"])
        with pytest.raises(PermissionDenied):
            services.supervision_log_sign_off(actor=supervisor, log=log, expected_version=1)
        result = services.supervision_logs_sign_off(actor=supervisor, chosen=[(log.pk, 1)])
        assert (len(result.signed), result.refused) == (0, 1)

    def test_several_at_once_each_once_and_only_ones_own_consultants(self, world, consultant, other_consultant):
        supervisor = world.people["supervisor"]
        mine = [SupervisionLogFactory(supervisee=consultant, hours=D(h)) for h in ("1", "1.5", "2")]
        theirs = SupervisionLogFactory(supervisee=other_consultant)
        chosen = [(log.pk, 1) for log in [*mine, theirs]]
        # when the supervisor signs off all four shown
        result = services.supervision_logs_sign_off(actor=supervisor, chosen=chosen)
        # then their three consultants' logs are signed off and the other one is refused, untouched
        assert sorted(log.pk for log in result.signed) == sorted(log.pk for log in mine)
        assert (result.already, result.changed, result.refused) == (0, 0, 1)
        assert SupervisionLog.objects.get(pk=theirs.pk).status == SupervisionStatus.LOGGED
        # and the same request again signs nothing twice
        again = services.supervision_logs_sign_off(actor=supervisor, chosen=chosen)
        assert (len(again.signed), again.already, again.refused) == (0, 3, 1)

    def test_in_a_batch_a_log_edited_since_the_list_was_shown_is_left(self, world, consultant):
        log, edited = SupervisionLogFactory(supervisee=consultant), SupervisionLogFactory(supervisee=consultant)
        SupervisionLog.objects.filter(pk=edited.pk).update(version=2)
        result = services.supervision_logs_sign_off(actor=world.people["supervisor"],
                                                    chosen=[(log.pk, 1), (edited.pk, 1)])
        assert ([item.pk for item in result.signed], result.changed) == ([log.pk], 1)


class TestReturning:
    def test_returned_corrected_then_signed_off(self, world, consultant):
        supervisor, person = world.people["supervisor"], world.people["consultant"]
        log = SupervisionLogFactory(supervisee=consultant, hours=D(3))
        with pytest.raises(ValidationError) as problem:
            services.supervision_log_return(actor=supervisor, log=log, reason="  ", expected_version=1)
        assert "reason" in problem.value.message_dict
        services.supervision_log_return(actor=supervisor, log=log, reason="It was 1.5 hours, not 3.",
                                        expected_version=1)
        log.refresh_from_db()
        assert (log.status, log.return_reason, log.version) == (
            SupervisionStatus.RETURNED, "It was 1.5 hours, not 3.", 2)
        # a returned log is not signed off until corrected
        with pytest.raises(ValidationError):
            services.supervision_log_sign_off(actor=supervisor, log=log, expected_version=2)
        services.supervision_log_update(actor=person, log=log, expected_version=2, data=session(world))
        log.refresh_from_db()
        assert (log.status, log.hours) == (SupervisionStatus.LOGGED, D("1.5"))
        assert services.supervision_log_sign_off(actor=supervisor, log=log, expected_version=3)

    def test_the_consultant_cannot_return_their_own_log(self, world, consultant):
        log = SupervisionLogFactory(supervisee=consultant)
        with pytest.raises(PermissionDenied):
            services.supervision_log_return(actor=world.people["consultant"], log=log, reason="x",
                                            expected_version=1)


class TestProgress:
    def test_progress_counts_signed_off_countable_hours_against_the_networks_thresholds(self, world, consultant):
        # given three signed-off reflective sessions of 1.5 h, a signed-off administrative hour, 2 clinical hours
        # waiting, and a returned hour
        for _ in range(3):
            SupervisionLogFactory(supervisee=consultant, signed_off=True)
        SupervisionLogFactory(supervisee=consultant, kind="administrative", hours=D(1), signed_off=True)
        SupervisionLogFactory(supervisee=consultant, kind="clinical", hours=D(2))
        SupervisionLogFactory(supervisee=consultant, hours=D(1), status=SupervisionStatus.RETURNED)
        # when the progress is read
        progress = selectors.progress_for(user=world.people["consultant"], consultant=consultant)
        # then 4.5 hours count (4.5/24 = 18.75% -> 18; 4.5/50 = 9%), 2 wait, 1 was returned, 1 does not count
        assert (progress.counted, progress.pending, progress.returned, progress.not_countable) == (
            D("4.5"), D(2), D(1), D(1))
        assert [(m.required, m.percent, m.remaining) for m in progress.milestones] == [
            (D(24), 18, D("19.5")), (D(50), 9, D("45.5"))]
        # and a network that counts administrative supervision and asks 5 and 10 hours sees 5.5 counted
        settings = workforce_settings_for(world.network)
        settings.countable_kinds = ["reflective", "administrative"]
        settings.endorsement_hours_first, settings.endorsement_hours_second = D(5), D(10)
        settings.save()
        progress = selectors.progress_for(user=world.people["consultant"], consultant=consultant)
        assert progress.counted == D("5.5") and progress.pending == D(0)
        assert [(m.reached, m.percent) for m in progress.milestones] == [(True, 100), (False, 55)]
        assert AccessEvent.objects.filter(action=Action.VIEW, object_id=str(consultant.pk)).count() == 2
