"""The demo's rosters, incidents and exclusions: calibrated to DOMAIN.md §5 (checked on the generator with a
large synthetic population, which is fast and not at the mercy of a small network's noise), consistent
with the models' rules in a loaded tiny demo, deterministic, and wiped without leftovers."""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections import Counter, defaultdict
from datetime import time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone

from abrazo.accounts.models import Membership, Role
from abrazo.consultations.demo import is_working_day
from abrazo.consultations.models import Episode
from abrazo.directory import demo
from abrazo.directory.models import Network
from abrazo.equity.models import ChildYear
from abrazo.incidents import birs
from abrazo.incidents import demo as roster_demo
from abrazo.incidents.demo import (
    DISMISSAL,
    GENDER_WEIGHTS,
    IEP_SHARE,
    IEP_SHARE_OTHER,
    INCIDENT,
    OSS,
    RACE_WEIGHTS,
    Profile,
    chance,
    draw_profile,
    draw_year,
    wipe_incidents,
)
from abrazo.incidents.models import (
    Child,
    EarlyWarning,
    Enrollment,
    EnrollmentEndReason,
    Exclusion,
    ExclusionKind,
    Gender,
    Incident,
    RaceEthnicity,
    WarningStatus,
)
from abrazo.intake.models import Request

PRESCHOOL = 48  # months: the age Gilliam's state pre-K figures describe


# --- The generator, on a synthetic population -------------------------------------------------------------

def every_profile() -> list[tuple[float, Profile]]:
    """Each demographic combination that matters for the rates, with its share of the statewide mix."""
    race_total, gender_total = sum(RACE_WEIGHTS.values()), sum(GENDER_WEIGHTS.values())
    combos = []
    for (race, rw), (gender, gw), iep in itertools.product(RACE_WEIGHTS.items(), GENDER_WEIGHTS.items(),
                                                            (True, False)):
        p_iep = IEP_SHARE.get(gender, IEP_SHARE_OTHER)
        share = rw / race_total * gw / gender_total * (p_iep if iep else 1 - p_iep)
        combos.append((share, Profile(race=race, gender=gender, iep=iep, dll=False, home_language="en")))
    return combos


def expected_rate(outcome: str, *, engaged: bool = False, only: dict[str, str] | None = None) -> float:
    """The share of children with the outcome in a year, exactly, over the mix (or one group of it)."""
    combos = [(w, p) for w, p in every_profile()
              if not only or all(getattr(p, key) == value for key, value in only.items())]
    total = sum(w for w, _p in combos)
    return sum(w * chance(outcome, p, age_months=PRESCHOOL, engaged=engaged) for w, p in combos) / total


def test_dismissal_rate_is_gilliams_with_his_disparities_and_half_with_a_consultant() -> None:
    # given the generator's chances for preschool-age children of the statewide mix
    # when the share dismissed in a year is computed exactly
    rate = expected_rate(DISMISSAL)
    boys = expected_rate(DISMISSAL, only={"gender": Gender.BOY})
    girls = expected_rate(DISMISSAL, only={"gender": Gender.GIRL})
    black = expected_rate(DISMISSAL, only={"race": RaceEthnicity.BLACK})
    white = expected_rate(DISMISSAL, only={"race": RaceEthnicity.WHITE})
    latino = expected_rate(DISMISSAL, only={"race": RaceEthnicity.HISPANIC_LATINO})
    # then it is 6.67 per 1,000, boys ~4.5 times girls, Black children twice Latino and white children
    assert rate * 1000 == pytest.approx(6.67, abs=0.01)
    assert 4.3 <= boys / girls <= 4.9  # 4.5, a little more because boys more often have an IEP
    assert black / white == pytest.approx(2.0) and black / latino == pytest.approx(2.0)
    # and a program with a consultant dismisses half as often
    assert expected_rate(DISMISSAL, engaged=True) / rate == pytest.approx(0.5)


def test_suspensions_are_more_common_and_have_the_federal_shape() -> None:
    # given the generator's out-of-school suspension chances
    oss = expected_rate(OSS)
    black = expected_rate(OSS, only={"race": RaceEthnicity.BLACK})
    others = (oss - 0.06 * black) / 0.94  # everyone but Black children (6 % of the mix)
    boys = expected_rate(OSS, only={"gender": Gender.BOY})
    girls = expected_rate(OSS, only={"gender": Gender.GIRL})
    # when enrolment is shaped like the 2013-14 federal data (19 % Black children, 54 % boys)
    black_share = 0.19 * black / (0.19 * black + 0.81 * others)
    boy_share = 0.54 * boys / (0.54 * boys + 0.46 * girls)
    # then suspended children are ~47 % Black and ~78 % boys, and suspension is commoner than dismissal
    assert 0.42 <= black_share <= 0.52
    assert 0.74 <= boy_share <= 0.82
    assert oss > 2 * expected_rate(DISMISSAL)
    assert expected_rate(OSS, engaged=True) < 0.6 * oss


def test_a_large_synthetic_roster_comes_out_calibrated() -> None:
    # given 120,000 preschool child-years drawn as the demo draws them, without and with a consultant
    rng = random.Random(4)
    children = [draw_profile(rng) for _ in range(120_000)]
    counts: dict[tuple[bool, str, str], int] = Counter()
    incidents = []
    for engaged in (False, True):
        for profile in children:
            year = draw_year(rng, profile, age_months=PRESCHOOL, engaged=engaged)
            counts[engaged, "gender", profile.gender] += year.dismissal or year.oss > 0
            counts[engaged, "race", profile.race] += year.dismissal or year.oss > 0
            counts[engaged, "dismissal", ""] += year.dismissal
            counts[engaged, "any", ""] += year.incidents > 0
            if not engaged:
                incidents.append(year.incidents)
                # every exclusion is carried by an incident of its own
                assert year.incidents >= year.linked_exclusions
    # then the demographics are California's early-care mix
    n = len(children)
    races = Counter(p.race for p in children)
    assert 0.47 <= races[RaceEthnicity.HISPANIC_LATINO] / n <= 0.53
    assert 0.20 <= races[RaceEthnicity.WHITE] / n <= 0.24 and 0.05 <= races[RaceEthnicity.BLACK] / n <= 0.07
    assert 0.49 <= sum(p.gender == Gender.BOY for p in children) / n <= 0.53
    assert 0.07 <= sum(p.iep for p in children) / n <= 0.09
    assert 0.36 <= sum(p.dll for p in children) / n <= 0.44
    assert Counter(p.home_language for p in children if p.dll).most_common(1)[0][0] == "es"
    # and the child-level rates are calibrated: dismissals ~6.67 per 1,000, half with a consultant
    per_thousand = 1000 * counts[False, "dismissal", ""] / n
    assert 5.5 <= per_thousand <= 7.9
    assert 0.35 <= counts[True, "dismissal", ""] / counts[False, "dismissal", ""] <= 0.65
    # boys 3-6 times as often dismissed or sent home as girls; Black children well over 1.5 times white children
    boys = counts[False, "gender", Gender.BOY] / sum(p.gender == Gender.BOY for p in children)
    girls = counts[False, "gender", Gender.GIRL] / sum(p.gender == Gender.GIRL for p in children)
    assert 3 <= boys / girls <= 6
    black = counts[False, "race", RaceEthnicity.BLACK] / races[RaceEthnicity.BLACK]
    white = counts[False, "race", RaceEthnicity.WHITE] / races[RaceEthnicity.WHITE]
    assert black / white > 1.5
    # a minority of children have incidents, and a long tail of them have many
    with_incidents = [k for k in incidents if k]
    assert 0.04 <= len(with_incidents) / n <= 0.12
    assert max(with_incidents) >= 10 and Counter(with_incidents)[1] / len(with_incidents) > 0.4


def test_younger_children_are_excluded_less() -> None:
    child = Profile(race=RaceEthnicity.WHITE, gender=Gender.BOY, iep=False, dll=False, home_language="en")
    preschooler = chance(DISMISSAL, child, age_months=48, engaged=False)
    assert chance(DISMISSAL, child, age_months=14, engaged=False) < 0.5 * preschooler
    assert chance(INCIDENT, child, age_months=14, engaged=False) < chance(INCIDENT, child, age_months=48,
                                                                          engaged=False)
    # and a child enrolled for a few weeks has proportionally less chance
    assert chance(DISMISSAL, child, age_months=48, engaged=False, exposure_days=30) == pytest.approx(
        preschooler * 30 / roster_demo.FULL_EXPOSURE_DAYS)


def test_code_prefix_is_three_letters_of_the_program_name() -> None:
    assert roster_demo.code_prefix("Sunrise Child Development Center") == "SUN"
    assert roster_demo.code_prefix("Casa de los Niños Fresno") == "CAS"
    assert roster_demo.code_prefix("St. Anne Preschool") == "STA"
    assert roster_demo.code_prefix("Ñ") == "NXX"


# --- The loaded tiny demo -----------------------------------------------------------------------------------

def load(*args: str) -> Network:
    call_command("demo", "--scale", "tiny", *args, stdout=StringIO())
    return Network.objects.get(slug=demo.SCALES["tiny"].slug)


def roster_digest(network: Network) -> list[str]:
    def rows(model: type[Model], *fields: str) -> list[tuple[str, ...]]:
        return sorted(tuple(map(str, row)) for row in
                      model._default_manager.filter(network=network).values_list(*fields))

    tables = [
        rows(Child, "id", "code", "program_id", "classroom_id", "date_of_birth", "race_ethnicity", "gender", "iep",
             "dll", "home_language_id", "extra"),
        rows(Enrollment, "id", "child_id", "start_date", "end_date", "end_reason"),
        rows(Incident, "id", "child_id", "occurred_on", "occurred_at", "problem_behavior", "activity",
             "others_involved", "possible_motivation", "strategy_response", "admin_follow_up", "external_id"),
        rows(Exclusion, "id", "incident_id", "kind", "starts_on", "ends_on", "days_lost"),
        rows(EarlyWarning, "id", "child_id", "reason", "triggered_on", "status", "request_id"),
        rows(ChildYear, "child_id", "school_year", "incidents", "oss", "dismissals"),
        rows(Request, "id", "child_id"),
    ]
    # One fingerprint per table, so that a failure says which; ChildYear's ids are auto-increments.
    return [hashlib.sha256(repr(table).encode()).hexdigest()[:16] for table in tables]


@pytest.mark.django_db
def test_tiny_demo_rosters_incidents_and_exclusions_keep_the_rules() -> None:
    # given the tiny demo
    network = load()
    today = timezone.localdate()
    children = {c.pk: c for c in Child.objects.filter(network=network)}
    enrolments = defaultdict(list)
    for enrolment in Enrollment.objects.filter(network=network):
        enrolments[enrolment.child_id].append(enrolment)
    incidents = list(Incident.objects.filter(network=network))
    exclusions = list(Exclusion.objects.filter(network=network))
    assert len(children) > 2000 and len(incidents) > 300 and len(exclusions) > 50

    # then children carry program codes, never names, unique in their program, with every enrolment
    for child in children.values():
        assert re.fullmatch(r"[A-Z]{3}-\d{4}", child.code)
        assert child.classroom.program_id == child.program_id
        assert enrolments[child.pk]
    assert len({(c.program_id, c.code) for c in children.values()}) == len(children)
    # every enrolment ends (if it ends) before today, for a stated reason; the rollup has their years
    for periods in enrolments.values():
        for period in periods:
            assert period.end_date is None or (period.start_date <= period.end_date < today and period.end_reason)
    assert ChildYear.objects.filter(network=network).count() >= len(children)
    assert ChildYear.objects.filter(network=network).values("school_year").distinct().count() == 3

    # every incident is in its child's enrolment, on a school day before today, during the program day
    for incident in incidents:
        child = children[incident.child_id]
        assert incident.program_id == child.program_id
        assert any(p.start_date <= incident.occurred_on <= (p.end_date or today) for p in enrolments[child.pk])
        assert is_working_day(incident.occurred_on) and incident.occurred_on < today
        assert time(7) <= incident.occurred_at <= time(17, 30)
        assert incident.is_iss == birs.is_iss(incident.strategy_response, incident.admin_follow_up)
        assert incident.is_oss == birs.is_oss(incident.admin_follow_up)
        assert incident.is_dismissal == birs.is_dismissal(incident.admin_follow_up)
    # the BIRS mixes: aggression and disruption most often, redirection and reminders the usual response
    behaviors = Counter(i.problem_behavior for i in incidents).most_common(2)
    assert {b for b, _n in behaviors} == {birs.ProblemBehavior.PHYSICAL_AGGRESSION, birs.ProblemBehavior.DISRUPTION}
    responses = Counter(i.strategy_response for i in incidents)
    assert responses[birs.StrategyResponse.REDIRECT] + responses[birs.StrategyResponse.VERBAL_REMINDER] > (
        0.35 * len(incidents))
    assert Counter(i.admin_follow_up for i in incidents).most_common(1)[0][0] in (
        birs.AdminFollowUp.CONTACT_FAMILY, birs.AdminFollowUp.NOT_APPLICABLE)

    # exclusions match the incidents' outcomes and follow-ups, one each, with the days of care lost
    by_incident = {x.incident_id: x for x in exclusions if x.incident_id}
    assert len(by_incident) == len([x for x in exclusions if x.incident_id])
    soft = {birs.AdminFollowUp.REDUCE_HOURS: ExclusionKind.REDUCED_HOURS,
            birs.AdminFollowUp.CONDITIONAL_ENROLLMENT: ExclusionKind.CONDITIONAL_ENROLLMENT,
            birs.AdminFollowUp.TRANSFER: ExclusionKind.TRANSFER}
    for incident in incidents:
        exclusion = by_incident.get(incident.pk)
        expected = (ExclusionKind.DISMISSAL if incident.is_dismissal else ExclusionKind.OSS if incident.is_oss
                    else ExclusionKind.ISS if incident.is_iss else soft.get(incident.admin_follow_up))
        assert (exclusion.kind if exclusion else None) == expected
        if exclusion is None:
            continue
        assert exclusion.child_id == incident.child_id and exclusion.starts_on == incident.occurred_on
        if incident.admin_follow_up == birs.AdminFollowUp.SENT_HOME_REST_OF_DAY:
            assert exclusion.days_lost == Decimal("0.5")
        elif incident.admin_follow_up == birs.AdminFollowUp.SENT_HOME_DAYS:
            assert Decimal(1) <= exclusion.days_lost <= Decimal(3) and exclusion.ends_on > exclusion.starts_on
        if incident.is_dismissal:
            # a dismissed child's enrolment ends that day, and nothing happens after it
            last = max(enrolments[incident.child_id], key=lambda p: p.start_date)
            assert (last.end_date, last.end_reason) == (incident.occurred_on, EnrollmentEndReason.DISMISSED)
    standalone = [x for x in exclusions if x.incident_id is None]
    assert standalone and {x.kind for x in standalone} == {ExclusionKind.REDUCED_HOURS}
    assert all(x.days_lost > 0 for x in standalone)

    # the demo accounts have recent patterns to act on: the director's program and both coordinators' regions
    open_warnings = EarlyWarning.objects.filter(network=network, status=WarningStatus.OPEN)
    director_program = Membership.objects.get(network=network, user__email__startswith="director@").program
    assert open_warnings.filter(program=director_program).count() >= 2
    for key in ("coordinator", "coordinadora"):
        region = Membership.objects.get(network=network, role=Role.REGIONAL_COORDINATOR,
                                        user__email__startswith=f"{key}@").region
        assert open_warnings.filter(program__region=region).count() >= 2
    assert all(w.triggered_on >= today - timedelta(days=14) for w in open_warnings)
    # requests about a child on a roster point at the child, often after they were sent home
    linked = Request.objects.filter(network=network, child__isnull=False)
    assert linked.exists() and not linked.filter(child_specific=False).exists()
    assert all(r.child.program_id == r.program_id for r in linked)
    requested = EarlyWarning.objects.filter(network=network, status=WarningStatus.REQUESTED)
    assert requested.exists()
    for warning in requested:
        assert warning.request.child_id == warning.child_id
        assert warning.triggered_on < timezone.localtime(warning.request.submitted_at).date()
    excluded_before = [r for r in linked if Exclusion.objects.filter(
        child=r.child, starts_on__lt=timezone.localtime(r.submitted_at).date()).exists()]
    assert excluded_before
    # and the episode of a linked request knows the child by the same code
    for request in linked.filter(episode__isnull=False).select_related("episode", "child"):
        assert request.episode.child_code == request.child.code


@pytest.mark.django_db
def test_tiny_demo_is_deterministic_and_wipes_without_leftovers() -> None:
    # given the tiny demo loaded once
    network = load()
    first = roster_digest(network)
    counts = (Child.objects.filter(network=network).count(), Incident.objects.filter(network=network).count())
    # when it is reset and loaded again
    network = load("--reset")
    # then every roster row is the same, ids included
    assert roster_digest(network) == first
    assert (Child.objects.filter(network=network).count(), Incident.objects.filter(network=network).count()) == counts
    # and wiping removes every roster row of the network and unlinks its requests, leaving episodes alone
    episodes = Episode.objects.filter(network=network).count()
    wipe_incidents(network)
    for model in (Child, Enrollment, Incident, Exclusion, EarlyWarning, ChildYear):
        assert not model._default_manager.filter(network=network).exists(), model
    assert not Request.objects.filter(network=network, child__isnull=False).exists()
    assert Episode.objects.filter(network=network).count() == episodes
