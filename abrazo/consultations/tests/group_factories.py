"""Groups, their members, sessions and attendance, and brief contacts, built straight into the database."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from abrazo.consultations.models import (
    Attendance,
    BriefContact,
    BriefKind,
    BriefOutcome,
    BriefTopic,
    Group,
    GroupAudience,
    GroupKind,
    GroupMember,
    GroupSession,
    MemberRole,
    Modality,
)
from abrazo.consultations.tests.factories import english
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.intake.models import RequesterRole


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    facilitator = factory.SubFactory(ConsultantProfileFactory)
    network = factory.SelfAttribute("facilitator.network")
    region = factory.SelfAttribute("facilitator.region")
    name = factory.Sequence(lambda n: f"Toddler teachers' circle {n}")
    kind = GroupKind.COMMUNITY_OF_SUPPORT
    audience = GroupAudience.TEACHERS
    language = factory.LazyFunction(english)
    schedule = "Second Tuesday, 6-7:30 pm, video"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=90))


class GroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMember

    group = factory.SubFactory(GroupFactory)
    name = factory.Faker("name")
    role = MemberRole.TEACHER


class GroupSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupSession

    group = factory.SubFactory(GroupFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    minutes = 90
    modality = Modality.VIDEO
    logged_by = factory.LazyAttribute(lambda o: o.group.facilitator.user)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(GroupSessionFactory)
    member = factory.SubFactory(GroupMemberFactory, group=factory.SelfAttribute("..session.group"))
    present = True


class BriefContactFactory(factory.django.DjangoModelFactory):
    """A helpline call taken by a consultant, from a county of the consultant's region (Fresno by default)."""

    class Meta:
        model = BriefContact

    consultant = factory.SubFactory(ConsultantProfileFactory)
    network = factory.SelfAttribute("consultant.network")
    region = factory.SelfAttribute("consultant.region")
    county = factory.LazyFunction(county)
    kind = BriefKind.HELPLINE_CALL
    caller_role = RequesterRole.TEACHER
    topic = BriefTopic.BEHAVIOR
    minutes = 15
    language = factory.LazyFunction(english)
    outcome = BriefOutcome.RESOLVED
    logged_by = factory.LazyAttribute(lambda o: o.consultant.user)
