"""Factories for the roster, incidents and exclusions.

Records are built directly (not through the services), so a test that needs a particular shape of data
does not trigger early-warning evaluation or rollup refreshes it did not ask for. Network and program
always follow the child, so a child of program A never lends its incidents to program B.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from abrazo.directory.tests.factories import ProgramFactory
from abrazo.incidents import birs
from abrazo.incidents.models import (
    Child,
    Enrollment,
    Exclusion,
    ExclusionKind,
    Gender,
    Incident,
    RaceEthnicity,
)


def _a_year_ago() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=365)


class ChildFactory(factory.django.DjangoModelFactory):
    """A four-year-old at a program, enrolled for the last year (and still enrolled) unless told otherwise.

    `ChildFactory(enrolled=False)` makes a child with no enrolment; `enrolled__start=date` and
    `enrolled__end=date` move the default period.
    """

    class Meta:
        model = Child
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    network = factory.SelfAttribute("program.network")
    code = factory.Sequence(lambda n: f"K-{n:05d}")
    date_of_birth = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=4 * 365 + 30))
    race_ethnicity = RaceEthnicity.HISPANIC_LATINO
    gender = Gender.BOY

    @factory.post_generation
    def enrolled(self, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if not create or extracted is False:
            return
        start = kwargs.get("start") or _a_year_ago()
        Enrollment.objects.create(
            network_id=self.network_id, program_id=self.program_id, child=self, classroom=self.classroom,
            start_date=start, end_date=kwargs.get("end"),
        )


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """Another enrolment period; the child's default one already covers the last year."""

    class Meta:
        model = Enrollment

    child = factory.SubFactory(ChildFactory, enrolled=False)
    network = factory.SelfAttribute("child.network")
    program = factory.SelfAttribute("child.program")
    classroom = factory.SelfAttribute("child.classroom")
    start_date = factory.LazyFunction(_a_year_ago)
    end_date = None


class IncidentFactory(factory.django.DjangoModelFactory):
    """An incident a week ago with no exclusion (a verbal reminder, family contacted).

    Traits: `oss=True` (sent home for the rest of the day), `iss=True` (time outside the classroom),
    `dismissal=True`. The flags is_iss/is_oss/is_dismissal are derived by Incident.save().
    """

    class Meta:
        model = Incident

    child = factory.SubFactory(ChildFactory)
    network = factory.SelfAttribute("child.network")
    program = factory.SelfAttribute("child.program")
    classroom = factory.SelfAttribute("child.classroom")
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    occurred_at = dt.time(10, 30)
    problem_behavior = birs.ProblemBehavior.PHYSICAL_AGGRESSION
    activity = birs.Activity.CIRCLE
    others_involved = birs.OthersInvolved.PEERS
    possible_motivation = birs.PossibleMotivation.OBTAIN_ITEM
    strategy_response = birs.StrategyResponse.VERBAL_REMINDER
    admin_follow_up = birs.AdminFollowUp.CONTACT_FAMILY

    class Params:
        oss = factory.Trait(admin_follow_up=birs.AdminFollowUp.SENT_HOME_REST_OF_DAY)
        iss = factory.Trait(strategy_response=birs.StrategyResponse.TIME_OUTSIDE_CLASSROOM)
        dismissal = factory.Trait(admin_follow_up=birs.AdminFollowUp.DISMISSAL)


class ExclusionFactory(factory.django.DjangoModelFactory):
    """A half-day out-of-school suspension, recorded on its own (no incident) a week ago."""

    class Meta:
        model = Exclusion

    child = factory.SubFactory(ChildFactory)
    network = factory.SelfAttribute("child.network")
    program = factory.SelfAttribute("child.program")
    kind = ExclusionKind.OSS
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    days_lost = Decimal("0.5")


class HookCalls:
    """What the services asked of the early warning and the equity rollup, recorded instead of run.

    Use in an autouse fixture: `return HookCalls.install(monkeypatch)`. Both hooks are looked up on their
    modules at call time, so replacing the module attributes is enough.
    """

    def __init__(self) -> None:
        self.evaluated: list[Any] = []  # child ids, one per evaluate_child call
        self.refreshed: list[Any] = []  # child ids, in the order schedule_refresh received them

    @classmethod
    def install(cls, monkeypatch: Any) -> HookCalls:
        calls = cls()
        monkeypatch.setattr("abrazo.incidents.warnings.evaluate_child", lambda child: calls.evaluated.append(child.pk))
        monkeypatch.setattr("abrazo.equity.rollup.schedule_refresh", lambda ids: calls.refreshed.extend(ids))
        return calls
