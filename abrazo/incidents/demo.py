"""The demo network's rosters, behavior incidents and exclusions, calibrated to DOMAIN.md §5.

`load_incidents` runs as a step of the directory demo's `Builder.run`, after the service loop, and writes
for every program that has classrooms (family, friend and neighbor care and home visiting have none):

- a roster sized from the classrooms' capacities, followed over the last three school years (July to
  June, the current one up to yesterday): each seat is held by one child after another, children join,
  move away, move up or leave for kindergarten, so every year has its own enrolment to divide by.
  Children are known by a code derived from the program ("SUN-0042"), never by name, with California
  early-care demographics (about half Hispanic/Latino, 22 % white, 10 % Asian, 6 % Black, 8 % two or
  more races; 51 % boys; 8 % with an IEP/IFSP; 40 % dual-language learners, mostly Spanish);
- behavior incidents with the BIRS field mixes programs report (physical aggression and disruption
  most often, at transitions, circle and centers, answered mostly by redirection and reminders), dated
  on school days inside the child's enrolment, at times of the program day, with a long tail of
  children who have many;
- the exclusions those incidents led to (in-school and out-of-school suspensions, dismissals, reduced
  hours, conditional enrollment, transfers) as `Exclusion` rows, plus a few reduced-hours arrangements
  recorded on their own;
- early warnings for recent patterns (open for the last two weeks, closed before that), and requests
  for consultation tied to the child they are about, with the incidents (often a child sent home) that
  came before the request; a request made from a warning closes it as "requested".

Calibration (per child per school year, children counted once whatever their number of events): a
preschool-age child in a program without a consultant is dismissed with probability 6.67 per 1,000
(Gilliam 2005), boys 4.5 times as often as girls and Black children twice as often as Latino and white
children; out-of-school suspensions are more common (16 per 1,000) with the federal disparity shape
(boys about 3 times girls, Black children about 3.6 times Latino and white children, which turns 19 %
of enrolment into about 45 % of children suspended); programs with a consultant (an episode in the
service loop) dismiss about half as often and send home about 45 % less. Younger children are excluded
less. `draw_year` is the pure function that decides a child's year; tests check its rates on a large
synthetic population.

Deterministic like the rest of the demo: each program draws from its own seeded stream, every id is a
`uuid5` of a natural key, and dates are laid out from the day of loading (two loads on the same day
give the same rows). Rows are written in batches of programs, so memory stays flat at state scale.

Rosters come from programs that share them with the network: every program a consultant works with and
45 % of the others (never family, friend and neighbor care or home visiting, which have no classrooms).
Rows are written with one prepared INSERT per chunk (`insert_rows`) rather than `bulk_create`, whose
query compiler was most of the step's time.

Sizes and timings (SQLite, measured on a busy shared two-core machine, CPU seconds of the process):
- tiny: ~6,100 children and enrolments, ~1,500 incidents, ~360 exclusions, ~30 warnings, ~9,500
  ChildYear rows; ~1.2 s.
- default: ~39,000 children and enrolments, ~9,200 incidents, ~2,200 exclusions, ~200 warnings, ~155
  requests tied to a roster child, ~60,000 ChildYear rows; ~8.5 s, of which ~3.7 s is the equity rollup
  (wall time on an idle machine is about half that: the whole default demo goes from ~4 s to ~9 s).
- state (estimated, linear in classrooms: 50 times the default): ~2 million children, ~460,000
  incidents, ~3 million ChildYear rows; about 7 minutes, memory bounded by `FLUSH_PROGRAMS`.
Realised at default scale (ChildYear, all ages): 5.0 dismissals per 1,000 in programs without a
consultant and 2.3 with one; boys 3.6 times girls; ~0.15 incidents per child per year.
"""

from __future__ import annotations

import bisect
import functools
import random
import time
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from abrazo.accounts.models import Membership, Role
from abrazo.consultations.demo import is_working_day
from abrazo.consultations.models import Episode
from abrazo.directory.demo import DEMO_REGION, REGION_BY_CODE
from abrazo.directory.models import AgeGroup, Classroom, Program, SettingType
from abrazo.equity.models import ChildYear
from abrazo.incidents import birs
from abrazo.incidents.models import (
    Child,
    EarlyWarning,
    Enrollment,
    EnrollmentEndReason,
    Exclusion,
    ExclusionKind,
    Gender,
    Incident,
    IncidentSource,
    RaceEthnicity,
    WarningReason,
    WarningStatus,
)
from abrazo.intake.models import Request

if TYPE_CHECKING:
    from abrazo.directory.demo import Builder
    from abrazo.directory.models import Network

# --- Who the children are ---------------------------------------------------------------------------

RACE_WEIGHTS: dict[str, float] = {
    RaceEthnicity.HISPANIC_LATINO: 50, RaceEthnicity.WHITE: 22, RaceEthnicity.ASIAN: 10, RaceEthnicity.BLACK: 6,
    RaceEthnicity.TWO_OR_MORE: 8, RaceEthnicity.AMERICAN_INDIAN_ALASKA_NATIVE: 1,
    RaceEthnicity.NATIVE_HAWAIIAN_PACIFIC_ISLANDER: 0.5, RaceEthnicity.NOT_REPORTED: 2.5,
}
# Regions lean the statewide mix the way their populations do (the statewide shares stay close).
REGION_RACE_TILT: dict[str, dict[str, float]] = {
    "central-valley": {RaceEthnicity.HISPANIC_LATINO: 1.3, RaceEthnicity.WHITE: 0.8},
    "central-coast": {RaceEthnicity.HISPANIC_LATINO: 1.3, RaceEthnicity.WHITE: 0.9},
    "inland-empire": {RaceEthnicity.HISPANIC_LATINO: 1.2, RaceEthnicity.BLACK: 1.2},
    "bay-area": {RaceEthnicity.ASIAN: 2.2, RaceEthnicity.HISPANIC_LATINO: 0.7},
    "los-angeles": {RaceEthnicity.BLACK: 1.4, RaceEthnicity.ASIAN: 1.2},
    "sacramento": {RaceEthnicity.BLACK: 1.5, RaceEthnicity.ASIAN: 1.3, RaceEthnicity.HISPANIC_LATINO: 0.8},
    "superior": {RaceEthnicity.WHITE: 2.2, RaceEthnicity.AMERICAN_INDIAN_ALASKA_NATIVE: 4,
                 RaceEthnicity.HISPANIC_LATINO: 0.5},
    "sierra": {RaceEthnicity.WHITE: 2.2, RaceEthnicity.AMERICAN_INDIAN_ALASKA_NATIVE: 3,
               RaceEthnicity.HISPANIC_LATINO: 0.5},
    "san-diego-imperial": {RaceEthnicity.HISPANIC_LATINO: 1.1, RaceEthnicity.NATIVE_HAWAIIAN_PACIFIC_ISLANDER: 2},
}
GENDER_WEIGHTS: dict[str, float] = {
    Gender.BOY: 50.9, Gender.GIRL: 48.7, Gender.ANOTHER: 0.1, Gender.NOT_REPORTED: 0.3,
}
# Boys are identified for special education about twice as often as girls (8 % overall).
IEP_SHARE: dict[str, float] = {Gender.BOY: 0.105, Gender.GIRL: 0.053}
IEP_SHARE_OTHER = 0.08
# The chance that a child is learning English besides their home language (about 40 % overall).
DLL_SHARE: dict[str, float] = {
    RaceEthnicity.HISPANIC_LATINO: 0.66, RaceEthnicity.ASIAN: 0.55, RaceEthnicity.TWO_OR_MORE: 0.1,
}
DLL_SHARE_OTHER = 0.06
ASIAN_LANGUAGES = ("zh", "vi", "tl", "ko", "hmn", "km", "ja", "hi", "pa")
INDIGENOUS_MEXICAN = ("mxt", "zap")
# Other roster columns a program keeps: how the child's place is paid for, an equity dimension of its own.
FUNDING_WEIGHTS: dict[str, dict[str, float]] = {
    SettingType.HEAD_START: {"head_start": 1},
    SettingType.EARLY_HEAD_START: {"head_start": 1},
    SettingType.STATE_PRESCHOOL: {"state_preschool": 1},
    SettingType.CENTER: {"subsidy": 45, "private_pay": 45, "state_preschool": 10},
    SettingType.PRIVATE_PRESCHOOL: {"private_pay": 85, "subsidy": 15},
    SettingType.FCC_SMALL: {"subsidy": 50, "private_pay": 50},
    SettingType.FCC_LARGE: {"subsidy": 50, "private_pay": 50},
}


@functools.cache
def _cumulative(weights: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], list[float], float]:
    options = tuple(option for option, _w in weights)
    running, total = [], 0.0
    for _option, w in weights:
        total += w
        running.append(total)
    return options, running, total


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    """One option, in proportion to its weight (the directory demo's helper, with the running totals kept:
    a roster draws it hundreds of thousands of times)."""
    options, running, total = _cumulative(tuple(weights.items()))
    return options[bisect.bisect_right(running, rng.random() * total)]


@dataclass(frozen=True, slots=True)
class Profile:
    race: str
    gender: str
    iep: bool
    dll: bool
    home_language: str


@functools.cache
def race_weights(region: str) -> dict[str, float]:
    tilt = REGION_RACE_TILT.get(region, {})
    return {code: w * tilt.get(code, 1.0) for code, w in RACE_WEIGHTS.items()}


def draw_profile(rng: random.Random, *, region: str = "", program_languages: Sequence[str] = ()) -> Profile:
    """A child's demographics: race/ethnicity leaning with the region, language from the program's."""
    race = weighted(rng, race_weights(region))
    gender = weighted(rng, GENDER_WEIGHTS)
    iep = rng.random() < IEP_SHARE.get(gender, IEP_SHARE_OTHER)
    dll = rng.random() < DLL_SHARE.get(race, DLL_SHARE_OTHER)
    home_language = "en"
    if dll:
        spoken = [code for code in program_languages if code not in ("en", "es")]
        region_other = REGION_BY_CODE[region].other_languages if region in REGION_BY_CODE else ()
        if race == RaceEthnicity.HISPANIC_LATINO:
            indigenous = [code for code in spoken if code in INDIGENOUS_MEXICAN]
            home_language = rng.choice(indigenous) if indigenous and rng.random() < 0.15 else "es"
        elif race == RaceEthnicity.ASIAN:
            pool = [c for c in spoken if c in ASIAN_LANGUAGES] or [c for c in region_other if c in ASIAN_LANGUAGES]
            home_language = rng.choice(pool or ["zh", "vi", "tl", "ko"])
        else:
            pool = [c for c in spoken if c not in INDIGENOUS_MEXICAN] or list(region_other)
            home_language = rng.choice(pool) if pool and rng.random() < 0.6 else "es"
    return Profile(race=race, gender=gender, iep=iep, dll=dll, home_language=home_language)


# --- How often things happen (DOMAIN.md §5) ------------------------------------------------------------

INCIDENT, ISS, OSS, DISMISSAL, SOFT = "incident", "iss", "oss", "dismissal", "soft"
OUTCOMES = (INCIDENT, ISS, OSS, DISMISSAL, SOFT)
# The share of children with at least one event in a school year, for a preschool-age child in a program
# without a consultant, averaged over the demographic mix above.
BASE_RATE: dict[str, float] = {INCIDENT: 0.045, ISS: 0.02, OSS: 0.016, DISMISSAL: 0.00667, SOFT: 0.006}
# Boys relative to girls: 4.5 for dismissal (Gilliam 2005); about 3 for suspension (54 % of enrolment
# and 78 % of suspended children in the 2013-14 federal data).
BOY_FACTOR: dict[str, float] = {INCIDENT: 2.0, ISS: 2.5, OSS: 3.0, DISMISSAL: 4.5, SOFT: 3.0}
# Relative to Latino and white children: Black children twice as often dismissed (Gilliam 2005) and
# about 3.6 times as often suspended (19 % of enrolment, 47 % of suspended children).
RACE_FACTOR: dict[str, dict[str, float]] = {
    RaceEthnicity.BLACK: {INCIDENT: 1.6, ISS: 2.2, OSS: 3.6, DISMISSAL: 2.0, SOFT: 2.0},
    RaceEthnicity.TWO_OR_MORE: {INCIDENT: 1.2, ISS: 1.3, OSS: 1.4, DISMISSAL: 1.3, SOFT: 1.3},
    RaceEthnicity.AMERICAN_INDIAN_ALASKA_NATIVE: {INCIDENT: 1.3, ISS: 1.5, OSS: 1.8, DISMISSAL: 1.5, SOFT: 1.5},
    RaceEthnicity.NATIVE_HAWAIIAN_PACIFIC_ISLANDER: {INCIDENT: 1.1, ISS: 1.2, OSS: 1.3, DISMISSAL: 1.2, SOFT: 1.2},
    RaceEthnicity.ASIAN: {INCIDENT: 0.6, ISS: 0.5, OSS: 0.5, DISMISSAL: 0.5, SOFT: 0.5},
}
IEP_FACTOR: dict[str, float] = {INCIDENT: 1.8, ISS: 1.6, OSS: 1.6, DISMISSAL: 1.6, SOFT: 1.6}
# Teachers with a consultant exclude less (about half the expulsions, Gilliam 2005) and record a little less.
ENGAGED_FACTOR: dict[str, float] = {INCIDENT: 0.85, ISS: 0.7, OSS: 0.55, DISMISSAL: 0.5, SOFT: 0.6}
# Network-wide, exclusions fall a little year on year (oldest year first), so the trend has a shape.
YEAR_TREND = (1.15, 1.0, 0.88)
# A child enrolled for less than this many days in a year has proportionally less chance of an event.
FULL_EXPOSURE_DAYS = 150


def age_factor(outcome: str, age_months: int) -> float:
    """Infants and toddlers are excluded far less often than preschoolers, and have fewer incidents."""
    if age_months >= 36:
        return 1.0
    if age_months >= 24:
        return 0.8 if outcome == INCIDENT else 0.6
    return 0.6 if outcome == INCIDENT else 0.25


def demographic_factor(outcome: str, profile: Profile) -> float:
    factor = RACE_FACTOR.get(profile.race, {}).get(outcome, 1.0)
    if profile.gender == Gender.BOY:
        factor *= BOY_FACTOR[outcome]
    elif profile.gender != Gender.GIRL:
        factor *= (1 + BOY_FACTOR[outcome]) / 2
    if profile.iep:
        factor *= IEP_FACTOR[outcome]
    return factor


@functools.cache
def demographic_rate(outcome: str, profile: Profile) -> float:
    """BASE_RATE for the child's demographics (a few hundred distinct profiles, so remembered)."""
    return BASE_RATE[outcome] * demographic_factor(outcome, profile) / mean_factor(outcome)


@functools.cache
def mean_factor(outcome: str) -> float:
    """The average demographic factor over the statewide mix, so that BASE_RATE is the average rate."""
    gender_total = sum(GENDER_WEIGHTS.values())
    race_total = sum(RACE_WEIGHTS.values())
    mean_gender = 0.0
    for gender, w in GENDER_WEIGHTS.items():
        g = BOY_FACTOR[outcome] if gender == Gender.BOY else 1.0 if gender == Gender.GIRL else (
            (1 + BOY_FACTOR[outcome]) / 2)
        iep = IEP_SHARE.get(gender, IEP_SHARE_OTHER)
        mean_gender += w / gender_total * g * (1 + iep * (IEP_FACTOR[outcome] - 1))
    mean_race = sum(w / race_total * RACE_FACTOR.get(race, {}).get(outcome, 1.0) for race, w in RACE_WEIGHTS.items())
    return mean_gender * mean_race


def chance(outcome: str, profile: Profile, *, age_months: int, engaged: bool, exposure_days: int = 365,
           trend: float = 1.0) -> float:
    """The probability that the child has at least one event of the outcome in the school year."""
    p = demographic_rate(outcome, profile)
    p *= age_factor(outcome, age_months) * min(1.0, exposure_days / FULL_EXPOSURE_DAYS)
    if engaged:
        p *= ENGAGED_FACTOR[outcome]
    if outcome != INCIDENT:
        p *= trend
    return min(0.9, p)


SOFT_KINDS: dict[str, float] = {
    ExclusionKind.REDUCED_HOURS: 60, ExclusionKind.CONDITIONAL_ENROLLMENT: 25, ExclusionKind.TRANSFER: 15,
}


@dataclass(frozen=True, slots=True)
class YearDraw:
    """What a child's school year holds: how many incidents, and which of them excluded the child."""

    incidents: int = 0  # every incident, the exclusionary ones included
    iss: int = 0
    oss: int = 0
    dismissal: bool = False
    soft: str = ""  # an ExclusionKind of SOFT_EXCLUSIONS, or ""
    soft_standalone: bool = False  # recorded on its own rather than as an incident's follow-up

    @property
    def linked_exclusions(self) -> int:
        return self.iss + self.oss + int(self.dismissal) + int(bool(self.soft) and not self.soft_standalone)


def repeat_count(rng: random.Random) -> int:
    """1 once or more: 1 with 71 % probability, 4 or more 8 %, 10 or more 2 % (a long tail)."""
    return min(12, int(rng.paretovariate(1.8)))


def draw_year(rng: random.Random, profile: Profile, *, age_months: int, engaged: bool, exposure_days: int = 365,
              trend: float = 1.0) -> YearDraw:
    """Decide a child's school year: children with each outcome first (the rates are per child), then
    how many incidents carry them. Pure: the same stream gives the same year."""
    def happens(outcome: str) -> bool:
        return rng.random() < chance(outcome, profile, age_months=age_months, engaged=engaged,
                                     exposure_days=exposure_days, trend=trend)

    any_incident = happens(INCIDENT)
    iss = repeat_count(rng) if happens(ISS) else 0
    oss = min(4, repeat_count(rng)) if happens(OSS) else 0
    dismissal = happens(DISMISSAL)
    soft = weighted(rng, SOFT_KINDS) if happens(SOFT) else ""
    if dismissal:
        soft = ""  # a dismissed child is not also moved to reduced hours
    standalone = soft == ExclusionKind.REDUCED_HOURS and rng.random() < 0.4
    excluded = iss + oss + int(dismissal) + int(bool(soft) and not standalone)
    if not (any_incident or excluded or soft):
        return YearDraw()
    # Children who are excluded have more incidents besides (a heavier tail).
    plain = int(rng.paretovariate(1.3 if excluded else 1.8)) - (1 if excluded and rng.random() < 0.3 else 0)
    return YearDraw(incidents=excluded + min(30, plain), iss=iss, oss=oss, dismissal=dismissal, soft=soft,
                    soft_standalone=standalone)


# --- What an incident looks like (BIRS) ----------------------------------------------------------------

B = birs
BEHAVIOR_WEIGHTS: dict[str, float] = {
    B.ProblemBehavior.PHYSICAL_AGGRESSION: 30, B.ProblemBehavior.DISRUPTION: 22, B.ProblemBehavior.NON_COMPLIANCE: 10,
    B.ProblemBehavior.VERBAL_AGGRESSION: 6, B.ProblemBehavior.UNSAFE: 6, B.ProblemBehavior.DESTROYING_OBJECTS: 5,
    B.ProblemBehavior.RUNNING_AWAY: 4, B.ProblemBehavior.INAPPROPRIATE_LANGUAGE: 4,
    B.ProblemBehavior.INCONSOLABLE_CRYING: 4, B.ProblemBehavior.OTHER: 3, B.ProblemBehavior.HURTING_SELF: 2,
    B.ProblemBehavior.WITHDRAWAL: 2, B.ProblemBehavior.REPETITIVE: 1, B.ProblemBehavior.TROUBLE_SLEEPING: 1,
}
# Under three: biting and hitting, tantrums and crying; no "inappropriate language".
BEHAVIOR_WEIGHTS_YOUNG: dict[str, float] = {
    **BEHAVIOR_WEIGHTS, B.ProblemBehavior.INCONSOLABLE_CRYING: 14, B.ProblemBehavior.TROUBLE_SLEEPING: 5,
    B.ProblemBehavior.INAPPROPRIATE_LANGUAGE: 0, B.ProblemBehavior.VERBAL_AGGRESSION: 1,
    B.ProblemBehavior.RUNNING_AWAY: 2,
}
# What leads to a child being sent home or dismissed.
BEHAVIOR_WEIGHTS_EXCLUDED: dict[str, float] = {
    B.ProblemBehavior.PHYSICAL_AGGRESSION: 55, B.ProblemBehavior.UNSAFE: 12, B.ProblemBehavior.DISRUPTION: 12,
    B.ProblemBehavior.DESTROYING_OBJECTS: 8, B.ProblemBehavior.RUNNING_AWAY: 6, B.ProblemBehavior.VERBAL_AGGRESSION: 4,
    B.ProblemBehavior.HURTING_SELF: 3,
}
ACTIVITY_WEIGHTS: dict[str, float] = {
    B.Activity.TRANSITION: 18, B.Activity.CIRCLE: 15, B.Activity.CENTERS: 15, B.Activity.OUTDOOR: 12,
    B.Activity.MEALS: 8, B.Activity.SMALL_GROUP: 7, B.Activity.NAP: 6, B.Activity.ARRIVAL: 5,
    B.Activity.CLEAN_UP: 5, B.Activity.DEPARTURE: 3, B.Activity.SELF_CARE: 2, B.Activity.INDIVIDUAL: 2,
    B.Activity.SPECIAL: 1, B.Activity.OTHER: 1, B.Activity.FIELD_TRIP: 0.3, B.Activity.THERAPY: 0.3,
    B.Activity.TRANSPORTATION: 0.3,
}
ACTIVITY_WEIGHTS_YOUNG: dict[str, float] = {**ACTIVITY_WEIGHTS, B.Activity.DIAPERING: 4, B.Activity.CIRCLE: 6}
# When in the program day each activity happens: (earliest, latest) minute after midnight.
ACTIVITY_HOURS: dict[str, tuple[tuple[int, int], ...]] = {
    B.Activity.ARRIVAL: ((7 * 60, 9 * 60),),
    B.Activity.CIRCLE: ((8 * 60 + 45, 10 * 60),),
    B.Activity.CENTERS: ((9 * 60, 11 * 60 + 30), (14 * 60 + 30, 16 * 60)),
    B.Activity.OUTDOOR: ((10 * 60, 11 * 60 + 30), (15 * 60, 16 * 60 + 30)),
    B.Activity.MEALS: ((8 * 60, 8 * 60 + 30), (11 * 60 + 30, 12 * 60 + 30), (14 * 60 + 30, 15 * 60)),
    B.Activity.NAP: ((12 * 60 + 30, 14 * 60 + 30),),
    B.Activity.CLEAN_UP: ((11 * 60, 11 * 60 + 30), (16 * 60, 16 * 60 + 30)),
    B.Activity.DEPARTURE: ((15 * 60 + 30, 17 * 60 + 30),),
    B.Activity.SMALL_GROUP: ((9 * 60 + 30, 11 * 60),),
    B.Activity.TRANSPORTATION: ((7 * 60, 8 * 60 + 30), (15 * 60 + 30, 17 * 60)),
    B.Activity.FIELD_TRIP: ((9 * 60 + 30, 13 * 60),),
    B.Activity.SPECIAL: ((10 * 60, 14 * 60),),
}
DAY_HOURS = ((8 * 60, 16 * 60 + 30),)
OTHERS_WEIGHTS: dict[str, float] = {
    B.OthersInvolved.PEERS: 45, B.OthersInvolved.TEACHER: 25, B.OthersInvolved.NONE: 12,
    B.OthersInvolved.ASSISTANT_TEACHER: 8, B.OthersInvolved.FAMILY: 3, B.OthersInvolved.SUBSTITUTE: 2,
    B.OthersInvolved.SUPPORT_STAFF: 2, B.OthersInvolved.OTHER: 1, B.OthersInvolved.VOLUNTEER: 0.5,
    B.OthersInvolved.THERAPIST: 0.5, B.OthersInvolved.KITCHEN: 0.3, B.OthersInvolved.DRIVER: 0.2,
}
MOTIVATION_WEIGHTS: dict[str, float] = {
    B.PossibleMotivation.OBTAIN_ITEM: 20, B.PossibleMotivation.ADULT_ATTENTION: 18, B.PossibleMotivation.AVOID_TASK: 16,
    B.PossibleMotivation.PEER_ATTENTION: 12, B.PossibleMotivation.OBTAIN_ACTIVITY: 12,
    B.PossibleMotivation.DONT_KNOW: 10, B.PossibleMotivation.AVOID_PEERS: 4, B.PossibleMotivation.OBTAIN_SENSORY: 3,
    B.PossibleMotivation.AVOID_SENSORY: 2, B.PossibleMotivation.AVOID_ADULTS: 2, B.PossibleMotivation.OTHER: 1,
}
# The most intrusive response to an incident that excluded nobody.
RESPONSE_WEIGHTS: dict[str, float] = {
    B.StrategyResponse.REDIRECT: 28, B.StrategyResponse.VERBAL_REMINDER: 24, B.StrategyResponse.REMOVE_FROM_ACTIVITY: 8,
    B.StrategyResponse.RETEACH: 8, B.StrategyResponse.TIME_WITH_TEACHER: 6, B.StrategyResponse.MOVE_WITHIN_GROUP: 5,
    B.StrategyResponse.PHYSICAL_COMFORT: 5, B.StrategyResponse.REMOVE_ITEM: 4, B.StrategyResponse.PHYSICAL_GUIDANCE: 4,
    B.StrategyResponse.TIME_OUT: 3, B.StrategyResponse.TEACHER_CONTACTS_FAMILY: 3,
    B.StrategyResponse.LOSS_OF_ACTIVITY: 2, B.StrategyResponse.REMOVE_FROM_AREA: 2,
    B.StrategyResponse.CURRICULUM_MODIFICATION: 1, B.StrategyResponse.OTHER: 1, B.StrategyResponse.PHYSICAL_HOLD: 0.5,
}
# The response on the day a child was sent home or dismissed (never "time in a different classroom",
# which would make the incident an in-school suspension as well).
RESPONSE_WEIGHTS_EXCLUDED: dict[str, float] = {
    B.StrategyResponse.REMOVE_FROM_AREA: 40, B.StrategyResponse.REMOVE_FROM_ACTIVITY: 20,
    B.StrategyResponse.TIME_WITH_TEACHER: 15, B.StrategyResponse.TEACHER_CONTACTS_FAMILY: 15,
    B.StrategyResponse.PHYSICAL_HOLD: 10,
}
FOLLOW_UP_WEIGHTS: dict[str, float] = {
    B.AdminFollowUp.CONTACT_FAMILY: 35, B.AdminFollowUp.NOT_APPLICABLE: 35, B.AdminFollowUp.TALK_WITH_CHILD: 10,
    B.AdminFollowUp.FAMILY_MEETING: 8, B.AdminFollowUp.BEHAVIORAL_CONSULTATION: 5, B.AdminFollowUp.TARGETED_GROUP: 3,
    B.AdminFollowUp.OTHER: 2,
}
FOLLOW_UP_WEIGHTS_ENGAGED: dict[str, float] = {**FOLLOW_UP_WEIGHTS, B.AdminFollowUp.BEHAVIORAL_CONSULTATION: 12}
SOFT_FOLLOW_UP: dict[str, str] = {
    ExclusionKind.REDUCED_HOURS: B.AdminFollowUp.REDUCE_HOURS,
    ExclusionKind.CONDITIONAL_ENROLLMENT: B.AdminFollowUp.CONDITIONAL_ENROLLMENT,
    ExclusionKind.TRANSFER: B.AdminFollowUp.TRANSFER,
}
EXCLUSION_NOTES = (
    "Family picked the child up early after the incident.",
    "Director spoke with the family at pick-up.",
    "Teacher and director met with the family the next morning.",
    "Se habló con la familia al recoger al niño.",
    "",
    "",
)
WARNING_CLOSE_NOTES = (
    "Met with the family and the teacher; the classroom plan is working.",
    "Incidents stopped after the schedule change; no request needed for now.",
    "The child already has an open consultation through the school district.",
    "Se habló con la familia y la maestra; seguiremos observando.",
)

# Children per seat: the age (months) at which a child joins a room, and when they move on (None: the
# June before kindergarten, for rooms that keep children until then).
JOIN_AGE: dict[str, tuple[int, int]] = {
    AgeGroup.INFANT: (2, 12), AgeGroup.TODDLER: (18, 27), AgeGroup.PRESCHOOL: (34, 50), AgeGroup.MIXED: (3, 48),
}
MOVE_ON_AGE: dict[str, int | None] = {
    AgeGroup.INFANT: 18, AgeGroup.TODDLER: 36, AgeGroup.PRESCHOOL: None, AgeGroup.MIXED: None,
}
MOVE_AWAY_PER_YEAR = 0.12  # families who move or choose another program
ROSTER_SHARE_UNENGAGED = 0.45  # of the programs no consultant works with, those that share their roster
FLUSH_PROGRAMS = 400  # programs per write: ~20,000 children held in memory at most
MONTH_DAYS = 30.44
SCHOOL_YEARS = 3
WARNING_RECENT_DAYS = 30  # recent patterns become warnings
WARNING_OPEN_DAYS = 14  # and the last two weeks' are still open
PATTERN_INCIDENTS, PATTERN_SCHOOL_DAYS = 3, 10  # WarningSettings' defaults


def school_year_of(day: date) -> int:
    return day.year if day.month >= 7 else day.year - 1


def kindergarten_june(dob: date) -> date:
    """The June a child leaves preschool: California kindergarten takes children five by September 1."""
    year = dob.year + 5 if (dob.month, dob.day) <= (9, 1) else dob.year + 6
    return date(year, 6, 30)


def code_prefix(program_name: str) -> str:
    """'Sunrise Child Development Center' -> 'SUN'; the child codes of a program start with it."""
    plain = unicodedata.normalize("NFKD", program_name).encode("ascii", "ignore").decode("ascii")
    letters = "".join(ch for ch in plain.upper() if ch.isalpha())
    return (letters + "XXX")[:3]


# --- The loader ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class ProgramRoom:
    id: uuid.UUID
    age_group: str
    capacity: int


@dataclass(slots=True)
class ProgramPlan:
    id: uuid.UUID
    name: str
    setting_type: str
    region_id: uuid.UUID
    languages: list[str] = field(default_factory=list)
    rooms: list[ProgramRoom] = field(default_factory=list)


@dataclass(slots=True)
class ChildPlan:
    """One child as the seat simulation makes them, before their rows are built."""

    seat: int
    room: ProgramRoom
    dob: date
    start: date
    end: date | None  # None: still enrolled
    end_reason: str
    profile: Profile
    code: str = ""
    incidents: list[Incident] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    linked: bool = False

    def enrolled_on(self, day: date, last_day: date) -> bool:
        return self.start <= day <= (self.end or last_day)

    def age_on(self, day: date) -> int:
        return int((day - self.dob).days / MONTH_DAYS)


@dataclass(slots=True)
class PendingRequest:
    id: uuid.UUID
    submitted_on: date
    submitted_at: datetime
    age_months: int | None
    imminent: bool
    classroom_id: uuid.UUID | None
    episode_id: uuid.UUID | None


@dataclass
class Buffers:
    children: list[dict[str, object]] = field(default_factory=list)
    enrollments: list[dict[str, object]] = field(default_factory=list)
    incidents: list[models.Model] = field(default_factory=list)
    exclusions: list[models.Model] = field(default_factory=list)
    warnings: list[models.Model] = field(default_factory=list)


def insert_rows(model: type[models.Model], objects: Sequence[models.Model | dict[str, object]], *,
                chunk: int = 5000) -> None:
    """INSERT model instances, or plain rows by attribute name (the missing ones take the field's default),
    with one prepared statement per chunk (executemany).

    `bulk_create` compiles a statement with a placeholder per value and runs every value through the
    query compiler: for the tens of thousands of children and enrolments of a roster that is most of the
    demo's time. Values are still prepared by each field for the connection (UUIDs, dates, JSON, the
    encrypted notes), and the creation stamps are set as `auto_now` would; no signals are lost, as
    `bulk_create` sends none either.
    """
    if not objects:
        return
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the `connection` proxy costs a lookup per use
    fields = list(model._meta.concrete_fields)
    now = timezone.now()
    stamps = {
        f.attname: f.get_db_prep_save(now, conn) for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    quote = conn.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model; every value is a bound parameter.
    sql = f"INSERT INTO {quote(str(model._meta.db_table))} ({columns}) VALUES ({placeholders})"  # noqa: S608
    prepare = [(f.attname, _converter(f, conn), f.get_default()) for f in fields]
    with conn.cursor() as cursor:
        for offset in range(0, len(objects), chunk):
            params: list[tuple[Any, ...]] = []
            for obj in objects[offset:offset + chunk]:
                if isinstance(obj, dict):
                    values = (obj.get(attname, default) for attname, _c, default in prepare)
                else:
                    values = (getattr(obj, attname) for attname, _c, _d in prepare)
                params.append(tuple(
                    stamps[attname] if attname in stamps else convert(value)
                    for (attname, convert, _d), value in zip(prepare, values, strict=True)
                ))
            cursor.executemany(sql, params)


_PLAIN_FIELDS = (models.CharField, models.BooleanField, models.PositiveIntegerField,
                 models.PositiveSmallIntegerField, models.IntegerField)


def _same(value: object) -> object:
    return value


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _converter(f: models.Field, conn: BaseDatabaseWrapper) -> Callable[[object], object]:
    """The field's own preparation, short-cut for the plain types that make up most of the values."""
    target = f.target_field if isinstance(f, models.ForeignKey) else f
    if isinstance(target, models.UUIDField) and type(target) is models.UUIDField:
        return _same if conn.features.has_native_uuid_field else _uuid_hex  # type: ignore[return-value]
    if type(target) in _PLAIN_FIELDS:
        return _same
    if type(f) is models.DateField:
        return conn.ops.adapt_datefield_value  # type: ignore[return-value]
    return functools.partial(f.get_db_prep_save, connection=conn)


def load_incidents(builder: Builder, network: Network, *, today: date | None = None) -> None:
    """Write three school years of rosters, incidents, exclusions and warnings, then the equity rollup."""
    RosterLoader(builder, network, today=today).run()


def wipe_incidents(network: Network) -> None:
    """Delete the network's rosters and everything on them, set-based (a state holds millions of rows:
    the ORM's collector would load each one to look for cascades we already know)."""
    Request.objects.filter(network=network, child__isnull=False).update(child=None)
    from abrazo.measures.models import Administration  # measures' demo step may point at roster children

    Administration.objects.filter(network=network, child__isnull=False).update(child=None)
    for model in (ChildYear, EarlyWarning, Exclusion, Incident, Enrollment, Child):
        queryset = model._default_manager.filter(network=network)
        queryset._raw_delete(queryset.db)


class RosterLoader:
    def __init__(self, builder: Builder, network: Network, *, today: date | None) -> None:
        self.b = builder
        self.network = network
        self.tz = ZoneInfo(settings.TIME_ZONE)
        # As the service loop does: the data ends yesterday, and nothing is dated today or later.
        self.today = today or datetime.now(self.tz).date()
        self.last_day = self.today - timedelta(days=1)
        self.current_year = school_year_of(self.last_day)
        self.years = [self.current_year - k for k in range(SCHOOL_YEARS - 1, -1, -1)]
        self.window_start = date(self.years[0], 7, 1)
        first = self.window_start.toordinal()
        self.school_days = [
            n for n in range(first, self.last_day.toordinal() + 1) if is_working_day(date.fromordinal(n))
        ]
        self.rows = Buffers()
        self.request_updates: list[Request] = []
        self.episode_updates: list[Episode] = []

    # Calendar ------------------------------------------------------------------------------------------

    def school_days_between(self, first: date, last: date) -> tuple[int, int]:
        """Indexes [lo, hi) into `school_days` of the school days from `first` to `last`."""
        lo = bisect.bisect_left(self.school_days, first.toordinal())
        hi = bisect.bisect_right(self.school_days, last.toordinal())
        return lo, hi

    def day(self, index: int) -> date:
        return date.fromordinal(self.school_days[index])

    def on_or_after_school_day(self, day: date) -> date:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day

    # Reading what earlier steps wrote ------------------------------------------------------------------

    def load_context(self) -> list[ProgramPlan]:
        network = self.network
        plans = {
            row[0]: ProgramPlan(id=row[0], name=row[1], setting_type=row[2], region_id=row[3])
            for row in Program.objects.filter(network=network).values_list("id", "name", "setting_type", "region_id")
        }
        for program_id, room_id, group, capacity in sorted(
            Classroom.objects.filter(program__network=network).values_list("program_id", "id", "age_group", "capacity")
        ):
            plans[program_id].rooms.append(ProgramRoom(room_id, group, capacity))
        for program_id, code in sorted(Program.languages.through.objects.filter(program__network=network)
                                       .values_list("program_id", "language_id")):
            plans[program_id].languages.append(code)
        self.region_code = {region.pk: code for code, region in self.b.regions.items()}
        self.engaged = set(Episode.objects.filter(network=network).values_list("program_id", flat=True))
        self.coordinator_of: dict[uuid.UUID, uuid.UUID] = dict(
            Membership.objects.filter(network=network, role=Role.REGIONAL_COORDINATOR)
            .order_by("user_id").values_list("region_id", "user_id")
        )

        episodes = {
            request_id: (episode_id, classroom_id)
            for request_id, episode_id, classroom_id in Episode.objects.filter(
                network=network, request__isnull=False
            ).values_list("request_id", "id", "classroom_id")
        }
        self.requests: dict[uuid.UUID, list[PendingRequest]] = defaultdict(list)
        # Requests about one child that a program made: the program knows the child from its roster.
        for request_id, program_id, submitted_at, age, imminent, role in Request.objects.filter(
            network=network, child_specific=True, program__isnull=False,
        ).values_list("id", "program_id", "submitted_at", "child_age_months", "imminent_risk", "requester_role"):
            if role == "parent":
                continue
            episode_id, classroom_id = episodes.get(request_id, (None, None))
            self.requests[program_id].append(PendingRequest(
                id=request_id, submitted_on=timezone.localtime(submitted_at, self.tz).date(),
                submitted_at=submitted_at, age_months=age, imminent=imminent, classroom_id=classroom_id,
                episode_id=episode_id,
            ))

        director = self.b.users["director"]
        director_program = Membership.objects.filter(
            network=network, user=director, role=Role.PROGRAM_STAFF
        ).values_list("program_id", flat=True).first()
        # Programs that share a roster and their BIRS data with the network: those a consultant works with
        # (sharing is part of the agreement) and some of the others; never care in a family's home.
        with_rooms = sorted((
            plan for plan in plans.values()
            if plan.rooms and (plan.id in self.engaged or plan.id == director_program
                               or self.b.rng("roster-shared", plan.id).random() < ROSTER_SHARE_UNENGAGED)
        ), key=lambda plan: plan.id)
        # The demo accounts' programs and regions get recent patterns to look at, laid out by hand.
        self.showcase: set[uuid.UUID] = {director_program} if director_program else set()
        for region_code in (DEMO_REGION, "los-angeles"):
            region_id = self.b.regions[region_code].pk
            in_region = [p.id for p in with_rooms if p.region_id == region_id and p.id not in self.showcase]
            self.showcase.update(in_region[:2])
        return with_rooms

    # The run -----------------------------------------------------------------------------------------------

    def run(self) -> None:
        from abrazo.equity.rollup import rebuild_network

        started = time.perf_counter()
        programs = self.load_context()
        batch = min(self.b.scale.batch_size, FLUSH_PROGRAMS)
        for done, program in enumerate(programs, start=1):
            self.program(program)
            if done % batch == 0 or done == len(programs):
                self.flush()
                self.b.progress(f"Rosters and incidents: {done:,} of {len(programs):,} programs "
                                f"({time.perf_counter() - started:.1f} s)")
        Request.objects.bulk_update(self.request_updates, ["child"], batch_size=500)
        Episode.objects.bulk_update(self.episode_updates, ["child_code"], batch_size=500)
        self.b.count("requests about a child on a roster", len(self.request_updates))
        rows = rebuild_network(self.network.pk)
        self.b.count("child-year rows", rows)
        self.b.progress(f"Rosters, incidents and exclusions: {time.perf_counter() - started:.1f} s")

    def flush(self) -> None:
        rows = self.rows
        for model, objects, label in (
            (Child, rows.children, "children"), (Enrollment, rows.enrollments, "enrolments"),
            (Incident, rows.incidents, "incidents"), (Exclusion, rows.exclusions, "exclusions"),
            (EarlyWarning, rows.warnings, "early warnings"),
        ):
            insert_rows(model, objects)
            self.b.count(label, len(objects))
        self.rows = Buffers()

    # One program --------------------------------------------------------------------------------------------

    def program(self, program: ProgramPlan) -> None:
        rng = self.b.rng("roster", program.id)
        engaged = program.id in self.engaged
        region = self.region_code.get(program.region_id, "")
        children: list[ChildPlan] = []
        seat = 0
        for room in program.rooms:
            occupied = max(1, round(room.capacity * rng.uniform(0.82, 1.0)))
            for _k in range(occupied):
                children.extend(self.seat(rng, program, room, seat, region=region, engaged=engaged))
                seat += 1
        # Codes in order of enrolment, as a program numbers its children.
        children.sort(key=lambda child: (child.start, child.seat))
        prefix = code_prefix(program.name)
        for n, child in enumerate(children, start=1):
            child.code = f"{prefix}-{n:04d}"
        self.link_requests(rng, program, children)
        if program.id in self.showcase:
            self.showcase_patterns(rng, program, children)
        imported = rng.random() < 0.3  # programs that keep BIRS in a spreadsheet and import it
        funding = FUNDING_WEIGHTS.get(program.setting_type, {"subsidy": 1})
        external = 0
        for child in children:
            child_id = self.b.uid("child", f"{program.id}/{child.code}")
            # Plain rows rather than model instances: tens of thousands of them, and nothing to derive.
            self.rows.children.append({
                "id": child_id, "network_id": self.network.pk, "program_id": program.id, "code": child.code,
                "classroom_id": child.room.id, "date_of_birth": child.dob, "race_ethnicity": child.profile.race,
                "gender": child.profile.gender, "iep": child.profile.iep, "dll": child.profile.dll,
                "home_language_id": child.profile.home_language, "extra": {"funding": weighted(rng, funding)},
            })
            self.rows.enrollments.append({
                "id": self.b.uid("enrollment", f"{program.id}/{child.code}/0"), "network_id": self.network.pk,
                "program_id": program.id, "child_id": child_id, "classroom_id": child.room.id,
                "start_date": child.start, "end_date": child.end, "end_reason": child.end_reason,
            })
            child.incidents.sort(key=lambda incident: (incident.occurred_on, incident.occurred_at))
            for k, incident in enumerate(child.incidents):
                incident.id = self.b.uid("incident", f"{program.id}/{child.code}/{k}")
                incident.child_id = child_id
                if imported:
                    external += 1
                    incident.source = IncidentSource.IMPORT
                    incident.external_id = f"BIRS-{external:05d}"
                self.rows.incidents.append(incident)
            for k, exclusion in enumerate(child.exclusions):
                exclusion.id = self.b.uid("exclusion", f"{program.id}/{child.code}/{k}")
                exclusion.child_id = child_id
                exclusion.incident_id = exclusion.incident.pk if exclusion.incident is not None else None
                self.rows.exclusions.append(exclusion)
            self.warn(rng, program, child, child_id)

    def seat(self, rng: random.Random, program: ProgramPlan, room: ProgramRoom, seat: int, *, region: str,
             engaged: bool) -> list[ChildPlan]:
        """The children who hold one seat, one after another, from before the window to today."""
        held: list[ChildPlan] = []
        young, old = JOIN_AGE[room.age_group]
        move_on = MOVE_ON_AGE[room.age_group]
        oldest = (move_on or 58) - 1
        # Whoever holds the seat when the window opens has been there a while.
        age = rng.randint(young, oldest)
        dob = self.window_start - timedelta(days=int(age * MONTH_DAYS) + rng.randint(0, 29))
        # The network's rosters begin with the oldest year shown: whoever is there is on it from that day.
        start = self.window_start
        while start <= self.last_day:
            if move_on is None:
                natural = kindergarten_june(dob)
            else:
                natural = dob + timedelta(days=int(move_on * MONTH_DAYS))
            reason = EnrollmentEndReason.AGED_OUT
            moves = start + timedelta(days=int(rng.expovariate(MOVE_AWAY_PER_YEAR) * 365))
            if moves < natural:
                natural, reason = moves, EnrollmentEndReason.MOVED
            natural = max(natural, start)
            child = ChildPlan(
                seat=seat, room=room, dob=dob, start=start, end=natural, end_reason=reason,
                profile=draw_profile(rng, region=region, program_languages=program.languages),
            )
            self.live(rng, program, child, engaged=engaged)
            if child.end is not None and child.end > self.last_day:
                child.end, child.end_reason = None, ""
            if child.end is None or child.end >= self.window_start:  # else gone before the years shown
                held.append(child)
            if child.end is None:
                break
            # The next child: a new cohort in August after the kindergarten leavers, otherwise soon after.
            if child.end_reason == EnrollmentEndReason.AGED_OUT and move_on is None:
                start = date(child.end.year, 8, rng.randint(8, 31))
            else:
                start = child.end + timedelta(days=rng.randint(3, 40))
            start = self.on_or_after_school_day(start)
            age = rng.randint(young, old)
            dob = start - timedelta(days=int(age * MONTH_DAYS) + rng.randint(0, 29))
        return held

    def live(self, rng: random.Random, program: ProgramPlan, child: ChildPlan, *, engaged: bool) -> None:
        """The child's incidents year by year; a dismissal or a transfer ends the enrolment that day."""
        for k, year in enumerate(self.years):
            assert child.end is not None
            first = max(child.start, date(year, 7, 1))
            last = min(child.end, date(year + 1, 6, 30), self.last_day)
            if last < first:
                continue
            lo, hi = self.school_days_between(first, last)
            if hi <= lo:
                continue
            middle = first + (last - first) / 2
            drawn = draw_year(rng, child.profile, age_months=child.age_on(middle), engaged=engaged,
                              exposure_days=(last - first).days + 1, trend=YEAR_TREND[k])
            if drawn.incidents == 0 and not drawn.soft:
                continue
            ended = self.place(rng, program, child, drawn, lo, hi, engaged=engaged)
            if ended is not None:
                child.end, child.end_reason = ended
                return

    def place(self, rng: random.Random, program: ProgramPlan, child: ChildPlan, drawn: YearDraw, lo: int, hi: int,
              *, engaged: bool) -> tuple[date, str] | None:
        """Date a year's incidents (close together when there are several: a pattern), make the later ones
        the exclusionary ones, and record the exclusions. Returns the end of the enrolment if it ended."""
        n = drawn.incidents
        spread = max(3, int(rng.uniform(4, 30) * min(n, 8) / 2))
        centre = rng.randrange(lo, hi)
        indexes = sorted(min(hi - 1, max(lo, centre + round(rng.gauss(0, spread)))) for _ in range(n))
        # Which incidents excluded the child: the last ones of the year, the dismissal at the very end.
        kinds = [""] * n
        slots = list(range(n - 1, -1, -1))
        if drawn.dismissal:
            kinds[slots.pop(0)] = ExclusionKind.DISMISSAL
        linked = drawn.iss + drawn.oss + int(bool(drawn.soft) and not drawn.soft_standalone)
        later = slots[: max(linked, len(slots) * 2 // 3)]
        rng.shuffle(later)
        counted: tuple[tuple[str, int], ...] = ((ExclusionKind.OSS, drawn.oss), (ExclusionKind.ISS, drawn.iss))
        for kind, times in counted:
            for _ in range(times):
                if later:
                    kinds[later.pop()] = kind
        if drawn.soft and not drawn.soft_standalone and later:
            kinds[later.pop()] = drawn.soft
        ended: tuple[date, str] | None = None
        for index, kind in zip(indexes, kinds, strict=True):
            day = self.day(index)
            incident = self.incident(rng, program, child, day, kind, engaged=engaged)
            child.incidents.append(incident)
            if kind:
                child.exclusions.append(self.exclusion(rng, program, child, kind, day, incident))
            if kind == ExclusionKind.DISMISSAL:
                ended = (day, EnrollmentEndReason.DISMISSED)
            elif kind == ExclusionKind.TRANSFER and ended is None:
                ended = (day, EnrollmentEndReason.TRANSFERRED)
        if ended is not None:
            # Nothing happens at the program after the child has left it.
            child.incidents = [i for i in child.incidents if i.occurred_on <= ended[0]]
            child.exclusions = [e for e in child.exclusions if e.starts_on <= ended[0]]
        if drawn.soft_standalone:
            start_index = rng.randrange(lo, hi)
            start = self.day(start_index)
            if ended is None or start <= ended[0]:
                child.exclusions.append(self.exclusion(rng, program, child, drawn.soft, start, None))
        return ended

    def incident(self, rng: random.Random, program: ProgramPlan, child: ChildPlan, day: date, kind: str, *,
                 engaged: bool) -> Incident:
        young = child.age_on(day) < 36
        excluded = kind in (ExclusionKind.OSS, ExclusionKind.DISMISSAL)
        behaviors = BEHAVIOR_WEIGHTS_EXCLUDED if excluded else BEHAVIOR_WEIGHTS_YOUNG if young else BEHAVIOR_WEIGHTS
        activity = weighted(rng, ACTIVITY_WEIGHTS_YOUNG if young else ACTIVITY_WEIGHTS)
        response = weighted(rng, RESPONSE_WEIGHTS_EXCLUDED if excluded or kind else RESPONSE_WEIGHTS)
        follow_up = weighted(rng, FOLLOW_UP_WEIGHTS_ENGAGED if engaged else FOLLOW_UP_WEIGHTS)
        if kind == ExclusionKind.ISS:
            # Either the classroom sent the child out, or the office removed them: both count as ISS.
            if rng.random() < 0.7:
                response = B.StrategyResponse.TIME_OUTSIDE_CLASSROOM
            else:
                follow_up = B.AdminFollowUp.TEMPORARY_REMOVAL
        elif kind == ExclusionKind.OSS:
            follow_up = (B.AdminFollowUp.SENT_HOME_REST_OF_DAY if rng.random() < 0.65
                         else B.AdminFollowUp.SENT_HOME_DAYS)
        elif kind == ExclusionKind.DISMISSAL:
            follow_up = B.AdminFollowUp.DISMISSAL
        elif kind:
            follow_up = SOFT_FOLLOW_UP[kind]
        minute = self.minute(rng, activity)
        incident = Incident(
            network=self.network, program_id=program.id, classroom_id=child.room.id, occurred_on=day,
            occurred_at=clock(minute // 60, minute % 60), problem_behavior=weighted(rng, behaviors),
            activity=activity, others_involved=weighted(rng, OTHERS_WEIGHTS),
            possible_motivation=weighted(rng, MOTIVATION_WEIGHTS), strategy_response=response,
            admin_follow_up=follow_up, notes=rng.choice(EXCLUSION_NOTES) if excluded else "",
        )
        incident.derive_outcomes()  # bulk_create does not call save(), which derives them
        return incident

    @staticmethod
    def minute(rng: random.Random, activity: str) -> int:
        low, high = rng.choice(ACTIVITY_HOURS.get(activity, DAY_HOURS))
        return rng.randrange(low, high)

    def exclusion(self, rng: random.Random, program: ProgramPlan, child: ChildPlan, kind: str, day: date,
                  incident: Incident | None) -> Exclusion:
        ends: date | None = day
        days_lost = Decimal("0")
        if incident is not None and incident.admin_follow_up == B.AdminFollowUp.SENT_HOME_REST_OF_DAY:
            days_lost = Decimal("0.5")
        elif incident is not None and incident.admin_follow_up == B.AdminFollowUp.SENT_HOME_DAYS:
            missed = rng.choice((1, 1, 1, 2, 2, 3))
            days_lost = Decimal(missed)
            after = bisect.bisect_right(self.school_days, day.toordinal())  # the next school day
            if after + missed - 1 < len(self.school_days):
                ends = self.day(after + missed - 1)
            else:  # the days missed run past yesterday
                ends = day + timedelta(days=missed + 2 * (missed // 5))
        elif kind == ExclusionKind.REDUCED_HOURS:
            weeks = rng.randint(2, 6)
            hours_a_day = rng.choice((2, 3, 4))
            ends = day + timedelta(weeks=weeks)
            days_lost = Decimal(weeks * 5 * hours_a_day / 8).quantize(Decimal("0.1"))
        elif kind == ExclusionKind.CONDITIONAL_ENROLLMENT:
            ends = day + timedelta(weeks=rng.randint(4, 12))
        elif kind in (ExclusionKind.DISMISSAL, ExclusionKind.TRANSFER):
            ends = None
        return Exclusion(
            network=self.network, program_id=program.id, incident=incident, kind=kind, starts_on=day, ends_on=ends,
            days_lost=days_lost,
        )

    # Requests about a child, and the demo accounts' warnings ---------------------------------------------------

    def link_requests(self, rng: random.Random, program: ProgramPlan, children: list[ChildPlan]) -> None:
        """Tie the program's requests about one child to a child of the roster: those made because the child
        was at imminent risk always, others often. What came before an urgent request is on the record:
        incidents in the preceding weeks, most often ending with the child sent home, and the warning
        the request was made from."""
        for request in sorted(self.requests.get(program.id, []), key=lambda r: (r.submitted_on, r.id)):
            if not request.imminent and rng.random() < 0.6:
                continue
            day = request.submitted_on
            candidates = [c for c in children if not c.linked and c.enrolled_on(day, self.last_day)
                          and c.start < day - timedelta(days=14)]
            in_room = [c for c in candidates if c.room.id == request.classroom_id]
            pool = in_room or candidates
            if not pool:
                continue
            wanted = request.age_months if request.age_months is not None else 42
            child = min(pool, key=lambda c: (abs(c.age_on(day) - wanted), c.code))
            child.linked = True
            lo, hi = self.school_days_between(max(child.start, day - timedelta(days=35 if request.imminent else 49)),
                                              day - timedelta(days=1))
            if hi - lo >= 3 and (request.imminent or rng.random() < 0.5):
                n = rng.randint(2, 3) if request.imminent else rng.randint(1, 2)
                indexes = sorted(rng.sample(range(lo, hi), n))
                last_kind = ""
                if request.imminent:
                    last_kind = ExclusionKind.OSS if rng.random() < 0.7 else ExclusionKind.ISS
                for k, index in enumerate(indexes):
                    kind = last_kind if k == len(indexes) - 1 else ""
                    incident = self.incident(rng, program, child, self.day(index), kind,
                                             engaged=program.id in self.engaged)
                    child.incidents.append(incident)
                    if kind:
                        child.exclusions.append(self.exclusion(rng, program, child, kind, self.day(index), incident))
                if request.imminent:
                    self.rows.warnings.append(EarlyWarning(
                        id=self.b.uid("warning", f"{program.id}/{child.code}/request"), network=self.network,
                        program_id=program.id, child_id=self.b.uid("child", f"{program.id}/{child.code}"),
                        reason=WarningReason.OSS if last_kind == ExclusionKind.OSS else WarningReason.PATTERN,
                        triggered_on=self.day(indexes[-1]), incident_count=n, status=WarningStatus.REQUESTED,
                        request_id=request.id, closed_at=request.submitted_at,
                    ))
            child_id = self.b.uid("child", f"{program.id}/{child.code}")
            self.request_updates.append(Request(id=request.id, child_id=child_id))
            if request.episode_id is not None:
                self.episode_updates.append(Episode(id=request.episode_id, child_code=child.code))

    def showcase_patterns(self, rng: random.Random, program: ProgramPlan, children: list[ChildPlan]) -> None:
        """Two children of a demo account's program with something recent to act on: three incidents in the
        last week and a half, and a child sent home this week."""
        lo, hi = self.school_days_between(self.last_day - timedelta(days=13), self.last_day)
        if hi - lo < 4:
            return
        current = [c for c in children if c.end is None and not c.linked and c.age_on(self.last_day) >= 30
                   and c.start < self.day(lo)]
        if len(current) < 2:
            return
        pattern, sent_home = sorted(current, key=lambda c: c.code)[:2]
        engaged = program.id in self.engaged
        for index in (hi - 7, hi - 4, hi - 1):
            pattern.incidents.append(self.incident(rng, program, pattern, self.day(max(lo, index)), "",
                                                   engaged=engaged))
        day = self.day(hi - 2)
        sent_home.incidents.append(self.incident(rng, program, sent_home, self.day(hi - 3), "", engaged=engaged))
        incident = self.incident(rng, program, sent_home, day, ExclusionKind.OSS, engaged=engaged)
        sent_home.incidents.append(incident)
        sent_home.exclusions.append(self.exclusion(rng, program, sent_home, ExclusionKind.OSS, day, incident))

    def warn(self, rng: random.Random, program: ProgramPlan, child: ChildPlan, child_id: uuid.UUID) -> None:
        """A warning for the child's latest trigger in the last month (WarningSettings' defaults): open when it
        is from the last two weeks, closed by the coordinator before that. One per child."""
        if child.linked:
            return  # the request made for the child answers any pattern
        recent = self.today - timedelta(days=WARNING_RECENT_DAYS)
        soft_starts = [e.starts_on for e in child.exclusions if e.incident_id is None]
        triggers: list[tuple[date, str, int]] = [
            (day, WarningReason.SOFT_EXCLUSION, 0) for day in soft_starts if day >= recent
        ]
        ordinals = [i.occurred_on.toordinal() for i in child.incidents]
        for incident in child.incidents:
            if incident.occurred_on < recent:
                continue
            index = bisect.bisect_right(self.school_days, incident.occurred_on.toordinal()) - 1
            window_start = self.school_days[max(0, index - PATTERN_SCHOOL_DAYS + 1)]
            in_window = bisect.bisect_right(ordinals, incident.occurred_on.toordinal()) - bisect.bisect_left(
                ordinals, window_start)
            if incident.is_dismissal:
                triggers.append((incident.occurred_on, WarningReason.DISMISSAL, in_window))
            elif incident.is_oss:
                triggers.append((incident.occurred_on, WarningReason.OSS, in_window))
            elif incident.admin_follow_up in SOFT_FOLLOW_UP.values():
                triggers.append((incident.occurred_on, WarningReason.SOFT_EXCLUSION, in_window))
            elif in_window >= PATTERN_INCIDENTS:
                triggers.append((incident.occurred_on, WarningReason.PATTERN, in_window))
        if not triggers:
            return
        day, reason, count = max(triggers, key=lambda t: t[0])
        warning = EarlyWarning(
            id=self.b.uid("warning", f"{program.id}/{child.code}"), network=self.network, program_id=program.id,
            child_id=child_id, reason=reason, triggered_on=day, incident_count=count,
        )
        if day < self.today - timedelta(days=WARNING_OPEN_DAYS):
            closed = min(day + timedelta(days=rng.randint(2, 6)), self.last_day)
            warning.status = WarningStatus.DISMISSED
            warning.closed_at = datetime(closed.year, closed.month, closed.day, 15, rng.randint(0, 59), tzinfo=self.tz)
            warning.closed_by_id = self.coordinator_of.get(program.region_id)
            warning.close_note = rng.choice(WARNING_CLOSE_NOTES)
        self.rows.warnings.append(warning)
