"""Groups (communities of support, reflective groups, training series): who may run them, members, sessions
with attendance, encrypted session notes, and the screens for each role inside and outside its scope."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations import services
from abrazo.consultations.models import (
    Attendance,
    Group,
    GroupAudience,
    GroupKind,
    GroupMember,
    GroupSession,
    MemberRole,
    Modality,
)
from abrazo.consultations.tests.factories import english
from abrazo.consultations.tests.group_factories import (
    AttendanceFactory,
    GroupFactory,
    GroupMemberFactory,
    GroupSessionFactory,
)
from abrazo.core.concurrency import StaleEditError
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import ConsultantProfile

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Ms. Ortiz cried talking about the classroom after the lockdown drill"


@dataclass
class Circles:
    world: Any
    consultant: ConsultantProfile  # the world's consultant (region A), supervised by the world's supervisor
    other_consultant: ConsultantProfile  # region B, with a consultant membership of their own
    group_a: Group  # led by the world's consultant, region A
    group_b: Group  # led by the other consultant, region B
    elsewhere: Group  # another network altogether

    def person(self, role: str) -> Any:
        return self.world.people[role]


@pytest.fixture
def circles(episodes) -> Circles:
    return Circles(
        world=episodes.world, consultant=episodes.consultant, other_consultant=episodes.other_consultant,
        group_a=GroupFactory(facilitator=episodes.consultant, name="Fresno toddler teachers"),
        group_b=GroupFactory(facilitator=episodes.other_consultant, name="Long Beach FCC circle"),
        elsewhere=GroupFactory(name="Elsewhere circle"),
    )


def group_data(circles: Circles, **overrides: Any) -> services.GroupData:
    values: dict[str, Any] = {
        "region": circles.world.region_a, "name": "Infant teachers' reflective group",
        "kind": GroupKind.REFLECTIVE_GROUP, "audience": GroupAudience.TEACHERS, "language": english(),
        "facilitator": circles.consultant, "starts_on": timezone.localdate() - dt.timedelta(days=30),
    }
    values.update(overrides)
    return services.GroupData(**values)


def log_session(actor: Any, group: Group, present: list[Any], **overrides: Any) -> GroupSession:
    values: dict[str, Any] = {
        "actor": actor, "group": group, "date": timezone.localdate(), "minutes": 90, "modality": Modality.VIDEO,
        "present": [member.pk for member in present],
    }
    values.update(overrides)
    return services.group_session_log(**values)


def events(action: str, obj: Any, outcome: str = Outcome.ALLOWED) -> Any:
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    return AccessEvent.objects.filter(action=action, object_type=label, object_id=str(obj.pk), outcome=outcome)


class TestCreatingAndEditing:
    def test_a_consultant_starts_a_group_they_lead(self, circles):
        # given the world's consultant
        consultant = circles.person("consultant")
        # when they start a group that they facilitate
        group = services.group_create(actor=consultant, data=group_data(circles))
        # then it exists in their network and region, and the ledger has the creation
        assert (group.network_id, group.region_id, group.facilitator_id) == (
            circles.world.network.pk, circles.world.region_a.pk, circles.consultant.pk)
        assert events(Action.CREATE, group).count() == 1

    def test_a_consultant_cannot_start_a_group_for_someone_else(self, circles):
        # given the world's consultant, naming a colleague as facilitator
        data = group_data(circles, facilitator=circles.other_consultant, region=circles.world.region_b)
        # when they try to start it
        with pytest.raises(PermissionDenied):
            services.group_create(actor=circles.person("consultant"), data=data)
        # then nothing was created and the refusal is in the ledger
        assert not Group.objects.filter(name="Infant teachers' reflective group").exists()
        assert AccessEvent.objects.filter(object_type="consultations.group", outcome=Outcome.DENIED).exists()

    def test_a_coordinator_starts_groups_in_their_region_only(self, circles, coordinator_b):
        # given the coordinator of region A and the coordinator of region B
        coordinator_a = circles.person("regional_coordinator")
        # when each sets up a group in region A for the world's consultant
        made = services.group_create(actor=coordinator_a, data=group_data(circles))
        with pytest.raises(PermissionDenied):
            services.group_create(actor=coordinator_b, data=group_data(circles, name="Not theirs"))
        # then only region A's coordinator succeeded
        assert made.region_id == circles.world.region_a.pk
        assert not Group.objects.filter(name="Not theirs").exists()

    @pytest.mark.parametrize(("change", "message"), [
        ({"name": "  "}, "Name the group."),
        ({"ends_on": timezone.localdate() - dt.timedelta(days=60)}, "A group cannot end before it starts."),
        ({"kind": "book_club"}, "Choose the kind of group and who it is for."),
    ])
    def test_invalid_groups_are_refused(self, circles, change, message):
        with pytest.raises(ValidationError) as refused:
            services.group_create(actor=circles.person("consultant"), data=group_data(circles, **change))
        assert message in refused.value.messages

    def test_the_co_facilitator_is_someone_else_of_the_network(self, circles):
        # given a co-facilitator from another network and one who is the facilitator themselves
        elsewhere = circles.elsewhere.facilitator
        for co_facilitator in (elsewhere, circles.consultant):
            # when the group is started with them
            with pytest.raises(ValidationError):
                services.group_create(actor=circles.person("network_admin"),
                                      data=group_data(circles, co_facilitator=co_facilitator))
        # then a colleague of the same network is accepted
        group = services.group_create(actor=circles.person("network_admin"),
                                      data=group_data(circles, co_facilitator=circles.other_consultant))
        assert group.co_facilitator == circles.other_consultant

    def test_an_edit_over_a_newer_save_is_caught(self, circles):
        # given the facilitator editing a group at version 1, while someone else saved version 2
        consultant = circles.person("consultant")
        services.group_update(actor=consultant, group=circles.group_a, expected_version=1,
                              data=group_data(circles, name="Renamed by a colleague"))
        # when the stale edit is saved
        with pytest.raises(StaleEditError):
            services.group_update(actor=consultant, group=circles.group_a, expected_version=1,
                                  data=group_data(circles, name="Stale name"))
        # then the newer save stands
        assert Group.objects.get(pk=circles.group_a.pk).name == "Renamed by a colleague"

    def test_a_coordinator_cannot_move_a_group_out_of_their_region(self, circles):
        # given region A's coordinator editing region A's group
        with pytest.raises(PermissionDenied):
            services.group_update(actor=circles.person("regional_coordinator"), group=circles.group_a,
                                  expected_version=1, data=group_data(circles, region=circles.world.region_b))
        # then the group is still in region A
        assert Group.objects.get(pk=circles.group_a.pk).region_id == circles.world.region_a.pk

    def test_the_supervisor_sees_groups_but_does_not_run_them(self, circles):
        with pytest.raises(PermissionDenied):
            services.group_member_add(actor=circles.person("supervisor"), group=circles.group_a, name="Ana",
                                      role=MemberRole.TEACHER)


class TestMembersAndSessions:
    def test_a_session_records_every_current_member_present_or_not(self, circles):
        # given a group of three members, one of whom left before the session
        ana, _beto, carla = (GroupMemberFactory(group=circles.group_a, name=name) for name in ("Ana", "Beto", "Carla"))
        services.group_member_remove(actor=circles.person("consultant"), member=carla,
                                     left_on=timezone.localdate() - dt.timedelta(days=3))
        # when the facilitator logs a session where only Ana came, with two guests
        session = log_session(circles.person("consultant"), circles.group_a, [ana], guests=2,
                              topics=["reflective_practice"])
        # then the roll has Ana present and Beto absent, and Carla (gone) is not on it
        roll = {row.member.name: row.present for row in session.attendance.select_related("member")}
        assert roll == {"Ana": True, "Beto": False}
        assert (session.guests, session.topics) == (2, ["reflective_practice"])
        assert events(Action.CREATE, session).count() == 1

    def test_a_member_who_left_later_is_still_on_an_earlier_sessions_roll(self, circles):
        # given a member who left yesterday
        dana = GroupMemberFactory(group=circles.group_a, name="Dana")
        services.group_member_remove(actor=circles.person("consultant"), member=dana,
                                     left_on=timezone.localdate() - dt.timedelta(days=1))
        # when a session of last week is logged late
        session = log_session(circles.person("consultant"), circles.group_a, [dana],
                              date=timezone.localdate() - dt.timedelta(days=7))
        # then she counts as present on it
        assert list(session.attendance.values_list("member__name", "present")) == [("Dana", True)]

    def test_attendance_only_for_members_of_the_group(self, circles):
        # given a member of another group
        stranger = GroupMemberFactory(group=circles.group_b)
        GroupMemberFactory(group=circles.group_a)
        # when the facilitator marks them present
        with pytest.raises(ValidationError):
            log_session(circles.person("consultant"), circles.group_a, [stranger])
        # then nothing was logged
        assert not GroupSession.objects.filter(group=circles.group_a).exists()

    @pytest.mark.parametrize(("change", "message"), [
        ({"date": timezone.localdate() + dt.timedelta(days=1)}, "A session cannot be logged for a future date."),
        ({"date": timezone.localdate() - dt.timedelta(days=400)}, "A session cannot be dated before the group "
                                                                   "started."),
        ({"minutes": 0}, "Minutes must be between 1 and 600."),
        ({"topics": ["astrology"]}, "Choose topics from the list."),
    ])
    def test_impossible_sessions_are_refused(self, circles, change, message):
        with pytest.raises(ValidationError) as refused:
            log_session(circles.person("consultant"), circles.group_a, [], **change)
        assert message in refused.value.messages

    def test_a_double_submitted_session_is_logged_once(self, circles):
        # given one session form, sent twice (a second tap on a slow phone)
        key = uuid.uuid4()
        first = log_session(circles.person("consultant"), circles.group_a, [], submission_key=key)
        # when the second copy arrives
        with pytest.raises(AlreadySubmitted) as again:
            log_session(circles.person("consultant"), circles.group_a, [], submission_key=key)
        # then it names the first session and no second one exists
        assert again.value.existing == first
        assert GroupSession.objects.filter(group=circles.group_a).count() == 1

    def test_removing_keeps_past_attendance_and_happens_once(self, circles):
        # given a member who came to a session
        member = GroupMemberFactory(group=circles.group_a)
        AttendanceFactory(session__group=circles.group_a, member=member)
        # when they are removed, twice
        services.group_member_remove(actor=circles.person("consultant"), member=member)
        with pytest.raises(ValidationError):
            services.group_member_remove(actor=circles.person("consultant"), member=member)
        # then they left today and their attendance is still there
        assert GroupMember.objects.get(pk=member.pk).left_on == timezone.localdate()
        assert Attendance.objects.filter(member=member, present=True).count() == 1

    def test_session_notes_are_encrypted_at_rest(self, circles, settings):
        # given a configured field key
        key = Fernet.generate_key().decode()
        settings.ABRAZO_FIELD_KEYS = [key]
        # when a session is logged with notes
        session = log_session(circles.person("consultant"), circles.group_a, [], notes=SECRET_NOTE)
        # then the database holds only a token that the key opens
        with connection.cursor() as cursor:
            cursor.execute("SELECT notes FROM consultations_groupsession WHERE id IN (%s, %s)",
                           [session.pk.hex, str(session.pk)])
            stored = cursor.fetchone()[0]
        assert "lockdown" not in stored
        assert Fernet(key.encode()).decrypt(stored.encode()).decode() == SECRET_NOTE


def login(client, user):
    client.force_login(user)
    return client


class TestScreensByRole:
    # role -> (a group inside its scope, a group outside it); None inside means the role has no group.view
    PLACEMENT = {
        "network_admin": ("group_a", "elsewhere"),
        "regional_coordinator": ("group_a", "group_b"),
        "supervisor": ("group_a", "group_b"),
        "consultant": ("group_a", "group_b"),
        "program_staff": (None, "group_a"),
        "evaluator": (None, "group_a"),
    }

    @pytest.mark.parametrize("role", list(PLACEMENT))
    def test_group_page_inside_and_outside_scope(self, client, circles, role):
        # given a person of the role
        inside, outside = self.PLACEMENT[role]
        login(client, circles.person(role))
        # when they open a group inside and one outside their scope
        # then the first opens and the second does not exist for them
        if inside is not None:
            assert client.get(getattr(circles, inside).get_absolute_url()).status_code == 200
        assert client.get(getattr(circles, outside).get_absolute_url()).status_code == 404

    @pytest.mark.parametrize(("role", "sees"), [
        ("consultant", True), ("supervisor", True), ("regional_coordinator", False), ("network_admin", False),
    ])
    def test_session_notes_only_for_the_facilitator_and_supervisor(self, client, circles, role, sees):
        # given a session of group A with notes
        GroupSessionFactory(group=circles.group_a, notes=SECRET_NOTE)
        login(client, circles.person(role))
        # when the group page is opened
        body = client.get(circles.group_a.get_absolute_url()).content.decode()
        # then the notes appear for the facilitator and their supervisor only
        assert (SECRET_NOTE in body) is sees
        assert "90 minutes" in body

    def test_logging_a_session_with_attendance_checkboxes(self, client, circles):
        # given group A with three members
        members = [GroupMemberFactory(group=circles.group_a, name=name) for name in ("Ana", "Beto", "Carla")]
        login(client, circles.person("consultant"))
        url = reverse("consultations:group-session-new", args=[circles.group_a.pk])
        page = client.get(url).content.decode()
        assert page.count('type="checkbox" name="present"') == 3
        # when the facilitator ticks Ana and Carla and saves
        response = client.post(url, {
            "date": timezone.localdate().isoformat(), "minutes": "75", "modality": Modality.ON_SITE,
            "present": [members[0].pk, members[2].pk], "guests": "1", "topics": ["staff_wellness"],
            "submission_key": str(uuid.uuid4()),
        })
        # then the session is logged with that roll and the group page shows it
        assert response.status_code == 302
        session = GroupSession.objects.get(group=circles.group_a)
        assert sorted(session.attendance.filter(present=True).values_list("member__name", flat=True)) == [
            "Ana", "Carla"]
        assert "2 of 3 members came" in client.get(circles.group_a.get_absolute_url()).content.decode()

    def test_a_supervisor_cannot_open_the_session_form(self, client, circles):
        login(client, circles.person("supervisor"))
        assert client.get(reverse("consultations:group-session-new", args=[circles.group_a.pk])).status_code == 404

    def test_creating_a_group_through_the_form(self, client, circles):
        # given the world's consultant on the new-group form (they are offered as facilitator)
        login(client, circles.person("consultant"))
        url = reverse("consultations:group-create")
        assert circles.consultant.user.full_name in client.get(url).content.decode()
        # when they fill it in
        response = client.post(url, {
            "name": "FFN caregivers' circle", "kind": GroupKind.COMMUNITY_OF_SUPPORT,
            "audience": GroupAudience.FFN_CAREGIVERS, "language": "es", "region": circles.world.region_a.pk,
            "facilitator": circles.consultant.pk, "starts_on": timezone.localdate().isoformat(), "is_active": "on",
            "submission_key": str(uuid.uuid4()),
        })
        # then the group exists and they land on its page
        group = Group.objects.get(name="FFN caregivers' circle")
        assert response["Location"] == group.get_absolute_url()
        assert group.language_id == "es"

    def test_a_coordinator_placing_a_group_outside_their_region_is_told_why(self, client, circles):
        # given region A's coordinator naming region B
        login(client, circles.person("regional_coordinator"))
        response = client.post(reverse("consultations:group-create"), {
            "name": "Misplaced", "kind": GroupKind.TRAINING_SERIES, "audience": GroupAudience.DIRECTORS,
            "language": "en", "region": circles.world.region_b.pk, "facilitator": circles.consultant.pk,
            "starts_on": timezone.localdate().isoformat(), "submission_key": str(uuid.uuid4()),
        })
        # then the form comes back with the reason and nothing was created
        assert response.status_code == 200
        assert "groups of the region you coordinate" in response.content.decode()
        assert not Group.objects.filter(name="Misplaced").exists()

    def test_adding_and_removing_a_member(self, client, circles):
        login(client, circles.person("consultant"))
        # when a member is added through the form
        client.post(reverse("consultations:group-member-add", args=[circles.group_a.pk]),
                    {"name": "Rosa Díaz", "role": MemberRole.FCC_PROVIDER, "email": "ROSA@example.org"})
        member = GroupMember.objects.get(group=circles.group_a, name="Rosa Díaz")
        assert member.email == "rosa@example.org"
        # and removed after confirming
        url = reverse("consultations:group-member-remove", args=[member.pk])
        assert "Remove Rosa Díaz from the group?" in client.get(url).content.decode()
        client.post(url, {"left_on": timezone.localdate().isoformat()})
        # then they are a former member
        assert GroupMember.objects.get(pk=member.pk).left_on == timezone.localdate()

    def test_removing_a_member_of_a_group_outside_scope_is_404(self, client, circles):
        member = GroupMemberFactory(group=circles.group_b)
        login(client, circles.person("consultant"))
        response = client.post(reverse("consultations:group-member-remove", args=[member.pk]),
                               {"left_on": timezone.localdate().isoformat()})
        assert response.status_code == 404
        assert GroupMember.objects.get(pk=member.pk).left_on is None


class TestGroupList:
    def test_the_list_shows_the_groups_in_scope(self, client, circles):
        login(client, circles.person("regional_coordinator"))
        shown = {group.pk for group in client.get(reverse("consultations:group-list")).context["page"].items}
        assert shown == {circles.group_a.pk}

    def test_the_list_queries_do_not_grow_with_the_groups(self, client, circles, django_assert_max_num_queries):
        # given an administrator's list, measured with three groups and again with many more, each with
        # members and sessions
        login(client, circles.person("network_admin"))
        url = reverse("consultations:group-list")

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        queries()  # the first request of a session does some one-off work
        few = queries()
        for n in range(8):
            group = GroupFactory(facilitator=circles.consultant, name=f"Circle {n}")
            AttendanceFactory(session__group=group, member=GroupMemberFactory(group=group))
        # then the page costs the same number of queries, and counts members and sessions right
        assert queries() == few
        with django_assert_max_num_queries(15):
            page = client.get(url).context["page"]
        circle = next(group for group in page.items if group.name == "Circle 0")
        assert (circle.member_count, circle.session_count) == (1, 1)
