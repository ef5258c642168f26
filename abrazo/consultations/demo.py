"""The demo network's service loop: a year of requests, episodes and everything that hangs off them.

`load_service_loop` runs as a step of the directory demo's `Builder.run`, once programs and consultants
exist, and writes (ending yesterday, so nothing is dated in the future whatever the hour):

- requests for consultation from the network's programs and families (most from centres; about 15 %
  urgent because a child is at imminent risk of suspension or expulsion), each triaged the way a
  coordinator would: assigned, waitlisted, asked for more information, declined or withdrawn;
- an episode for each assigned request, given to a consultant who meets every hard constraint of
  matching (speaks the request's language, serves its county, has the expertise its setting needs, as
  `abrazo.matching.services.expertise_for` decides) and who had a free slot on the day of assignment,
  so no caseload is ever over capacity;
- the episode's life as DOMAIN.md §1 describes it: consent for child-specific work, the agreement,
  4-12 contacts of 60-90 minutes (classroom time kept apart from meeting time), an action plan with
  1-4 goals rated 1-3, referrals for about a fifth of child episodes, closure and the follow-up a
  month later (most done, some overdue), with the timeline events the services would have written;
- groups (communities of support, reflective groups, training series) with sessions and attendance,
  and helpline calls and drop-ins, some of which became the requests above.

The demo accounts get something to look at: the demo consultant an open caseload with a follow-up due
this week, an overdue goal and an episode gone quiet; the demo director an episode (with its plan) and
a request of their own programme; each demo coordinator an urgent request at the top of their queue.

Like the directory loader, everything is deterministic: each request, episode, group and call draws
from its own seeded stream and every id is a `uuid5` of a natural key. Dates are laid out backwards
from the day of loading, so two loads on the same day give the same rows. Rows are written with
`bulk_create` in batches (the encrypted note fields encrypt on the way, as `get_prep_value` runs for
bulk inserts too), and memory stays bounded by the batch.

Sizes: the default scale adds ~740 requests, ~580 episodes, ~3,700 contacts and ~11,000 timeline events
in a few seconds. The state scale draws DOMAIN.md §11's 45,000 requests; with the directory's 1,000
consultants about 33,000 of them become episodes (~220,000 contacts, ~640,000 timeline events), because
the metropolitan counties run out of consultants and the rest wait (13 % on the waitlist) or give up:
the shortage the capacity view is there to show. DOMAIN.md's "about a million contacts a year" counts
every kind of contact; we keep DOMAIN.md §1's dosage (4-12 per episode) rather than inflate it. Measured
on a shared two-core machine with SQLite: ~4-5 minutes for this step at state scale, ~30 s more to reset.
"""

from __future__ import annotations

import heapq
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from abrazo.accounts.models import Membership, Role
from abrazo.consultations.models import (
    CLASSROOM_ACTIVITIES,
    FOLLOW_UP_AFTER_DAYS,
    ActionPlan,
    ActivityType,
    Agreement,
    Attendance,
    BriefContact,
    BriefKind,
    BriefOutcome,
    BriefTopic,
    Closure,
    ClosureReason,
    Consent,
    ConsentException,
    ConsentRelationship,
    Contact,
    Episode,
    EpisodeEvent,
    EpisodeType,
    EventKind,
    FollowUp,
    Goal,
    Group,
    GroupAudience,
    GroupKind,
    GroupMember,
    GroupSession,
    MemberRole,
    Modality,
    ParticipantRole,
    Phase,
    Referral,
    ReferralStatus,
    ServiceType,
    Topic,
)
from abrazo.directory.demo import DEMO_COUNTY, DEMO_REGION, DemoError, ascii_slug, person_name, weighted
from abrazo.directory.models import (
    AgeGroup,
    Classroom,
    ConsultantProfile,
    NetworkCounty,
    Program,
    ProgramStaff,
    SettingExpertise,
    SettingType,
    StaffPosition,
)
from abrazo.intake.models import (
    ConcernCategory,
    IntakeSettings,
    Priority,
    Request,
    RequesterRole,
    RequestStatus,
)
from abrazo.intake.services import compute_priority
from abrazo.matching.services import expertise_for

if TYPE_CHECKING:
    from abrazo.directory.demo import Builder
    from abrazo.directory.models import Network

INFINITY = math.inf
YEAR_DAYS = 365


@dataclass(frozen=True)
class ServiceScale:
    requests: int  # a year of them
    groups: int
    brief_contacts: int  # helpline calls and drop-ins that did not become a request
    reference_letter: str  # keeps demo references apart from real ones (R-26-004217) and across scales
    flush_every: int  # requests per write batch


SERVICE_SCALES: dict[str, ServiceScale] = {
    "tiny": ServiceScale(requests=80, groups=4, brief_contacts=60, reference_letter="T", flush_every=25),
    "default": ServiceScale(requests=740, groups=24, brief_contacts=1200, reference_letter="D", flush_every=2000),
    # DOMAIN.md §11: 45,000 requests a year (how many become episodes depends on the consultants' capacity).
    "state": ServiceScale(requests=45000, groups=400, brief_contacts=20000, reference_letter="S", flush_every=2000),
}


# --- What requests look like ------------------------------------------------------------------------

# One episode has one primary type (DOMAIN.md §1); requests are drawn type first, in these shares.
TYPE_WEIGHTS: dict[str, float] = {
    EpisodeType.CHILD_FAMILY: 45, EpisodeType.CLASSROOM: 30, EpisodeType.PROGRAMMATIC: 15, EpisodeType.FFN_HOME: 10,
}
CENTRE_SETTINGS = (
    SettingType.CENTER, SettingType.HEAD_START, SettingType.EARLY_HEAD_START, SettingType.STATE_PRESCHOOL,
    SettingType.PRIVATE_PRESCHOOL,
)
FCC_SETTINGS = (SettingType.FCC_SMALL, SettingType.FCC_LARGE)
# Which settings each type of consultation happens in, and how often each setting asks for it: centres
# ask most (they are larger and better connected to the network), family child care homes less.
SETTING_WEIGHTS_BY_TYPE: dict[str, dict[str, float]] = {
    EpisodeType.CHILD_FAMILY: {
        SettingType.CENTER: 3.0, SettingType.HEAD_START: 2.4, SettingType.EARLY_HEAD_START: 1.8,
        SettingType.STATE_PRESCHOOL: 1.8, SettingType.PRIVATE_PRESCHOOL: 1.4, SettingType.FCC_SMALL: 0.5,
        SettingType.FCC_LARGE: 0.7, SettingType.FFN: 0.4, SettingType.HOME_VISITING: 0.8,
    },
    EpisodeType.CLASSROOM: {
        SettingType.CENTER: 3.0, SettingType.HEAD_START: 2.4, SettingType.EARLY_HEAD_START: 1.8,
        SettingType.STATE_PRESCHOOL: 2.0, SettingType.PRIVATE_PRESCHOOL: 1.4, SettingType.FCC_SMALL: 0.3,
        SettingType.FCC_LARGE: 0.6,
    },
    EpisodeType.PROGRAMMATIC: {
        SettingType.CENTER: 3.0, SettingType.HEAD_START: 3.0, SettingType.EARLY_HEAD_START: 2.0,
        SettingType.STATE_PRESCHOOL: 1.5, SettingType.PRIVATE_PRESCHOOL: 1.0, SettingType.HOME_VISITING: 2.0,
    },
    EpisodeType.FFN_HOME: {
        SettingType.FFN: 3.0, SettingType.HOME_VISITING: 2.5, SettingType.FCC_SMALL: 0.8, SettingType.FCC_LARGE: 0.6,
    },
}
IMMINENT_RISK_SHARE = 0.33  # of child-specific requests: ~15 % of all requests
PARENT_SHARE = 0.22  # of child-specific requests, a family asks rather than the program
FROM_CALL_SHARE = 0.06  # requests that began as a helpline call
# Requests come mostly from where the network has someone qualified (outreach follows the workforce), but
# not only: this share of requests is kept even when no consultant speaks the language, serves the county
# and knows the setting, so the waitlist and the capacity view show where the network is short.
UNMET_NEED_SHARE = 0.15
PROGRAM_DRAWS = 8
# The demo consultant's coordinator sends her a little more than her share, so that her caseload, the page
# people try first, is a busy one rather than whatever chance gives.
DEMO_CONSULTANT_PULL = 2.0

# What happens at triage (before capacity has its say), as shares of all requests.
PATH_WEIGHTS: dict[str, float] = {
    "assign": 70.5, "waitlist": 16, "needs_info": 6, "decline": 4.5, "withdraw": 2, "too_old": 1,
}
UNANSWERED_INFO_SHARE = 0.25  # asked for more information and never heard back
GIVE_UP_WAITING_DAYS = 150  # with no consultant free by then, the requester withdraws
CONCERNS_BY_TYPE: dict[str, dict[str, float]] = {
    EpisodeType.CHILD_FAMILY: {
        ConcernCategory.BEHAVIOR: 50, ConcernCategory.SOCIAL_EMOTIONAL: 18, ConcernCategory.SEPARATION: 10,
        ConcernCategory.DEVELOPMENT: 12, ConcernCategory.TRAUMA: 10,
    },
    EpisodeType.CLASSROOM: {
        ConcernCategory.CLASSROOM: 45, ConcernCategory.BEHAVIOR: 30, ConcernCategory.SOCIAL_EMOTIONAL: 15,
        ConcernCategory.STAFF_WELLBEING: 10,
    },
    EpisodeType.PROGRAMMATIC: {
        ConcernCategory.POLICY: 40, ConcernCategory.STAFF_WELLBEING: 35, ConcernCategory.CLASSROOM: 25,
    },
    EpisodeType.FFN_HOME: {
        ConcernCategory.BEHAVIOR: 35, ConcernCategory.SEPARATION: 25, ConcernCategory.DEVELOPMENT: 20,
        ConcernCategory.SOCIAL_EMOTIONAL: 20,
    },
}
CONCERN_TEXT: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        EpisodeType.CHILD_FAMILY: (
            "A {age} in our {room} room hits and bites other children at transitions, and the team is "
            "running out of ideas.",
            "A {age} cries for most of the morning since starting with us and will not join the group.",
            "A {age} has big tantrums at nap time and the teachers are worried about the other children.",
            "A {age} seems withdrawn since a change at home; we would like help supporting the child and family.",
        ),
        EpisodeType.CLASSROOM: (
            "Our {room} room has had a hard year: many transitions end in tears or conflict. We would like "
            "someone to observe and help the team with routines.",
            "The teaching team in the {room} room is new and struggling with group times and clean-up.",
            "Several children in the {room} room push and grab; the teachers would like strategies for the "
            "whole group.",
        ),
        EpisodeType.PROGRAMMATIC: (
            "We want to write a policy that avoids suspending or dismissing young children, and to train "
            "staff on it.",
            "Staff turnover and stress are high; we would like support for the team and for me as director.",
            "We are adopting a social-emotional curriculum and want help bringing it into every room.",
        ),
        EpisodeType.FFN_HOME: (
            "I care for my grandchildren and the {age} has very hard days when the parents leave.",
            "As a home visitor I work with a family whose {age} has frequent meltdowns; I would like "
            "consultation on how to support the parents.",
            "I look after a neighbour's {age} who does not sleep and cries a lot; I would like ideas.",
        ),
    },
    "es": {
        EpisodeType.CHILD_FAMILY: (
            "Un niño de {age_es} en nuestro salón {room} pega y muerde a otros niños en las transiciones y ya "
            "no sabemos qué hacer.",
            "Una niña de {age_es} llora casi toda la mañana desde que entró y no quiere unirse al grupo.",
            "Un niño de {age_es} tiene berrinches muy fuertes a la hora de la siesta.",
            "Desde un cambio en casa, una niña de {age_es} está muy callada; queremos apoyo para ella y su familia.",
        ),
        EpisodeType.CLASSROOM: (
            "En el salón {room} las transiciones terminan en llanto o peleas. Queremos que alguien observe y "
            "ayude al equipo con las rutinas.",
            "El equipo del salón {room} es nuevo y le cuesta la hora del círculo y la limpieza.",
        ),
        EpisodeType.PROGRAMMATIC: (
            "Queremos una política para no suspender ni dar de baja a niños pequeños y capacitar al personal.",
            "Hay mucho estrés y rotación de personal; queremos apoyo para el equipo.",
        ),
        EpisodeType.FFN_HOME: (
            "Cuido a mis nietos y el de {age_es} pasa días muy difíciles cuando se van sus papás.",
            "Cuido al niño de una vecina, de {age_es}; casi no duerme y llora mucho. Quisiera ideas.",
        ),
    },
}
# Program staff asking for help are on the program's staff list: the requester is one of them by name.
STAFF_POSITION_OF_ROLE: dict[str, str] = {
    RequesterRole.DIRECTOR: StaffPosition.DIRECTOR, RequesterRole.TEACHER: StaffPosition.TEACHER,
    RequesterRole.FCC_PROVIDER: StaffPosition.FCC_PROVIDER, RequesterRole.FFN_CAREGIVER: StaffPosition.FFN_CAREGIVER,
    RequesterRole.HOME_VISITOR: StaffPosition.HOME_VISITOR,
}
AVAILABILITY = {
    "en": ("Weekday mornings", "Tuesdays or Thursdays after 1 pm", "Any day before 11 am", "Nap time, 12:30-2:30",
           "Mondays and Wednesdays", "Evenings after 5:30 for the family"),
    "es": ("Entre semana por la mañana", "Martes o jueves después de la 1", "A la hora de la siesta",
           "Por las tardes después de las 5:30"),
}
DECLINE_REASONS = (
    "The family is looking for therapy for the child; referred to the county's children's mental health clinic.",
    "Already receiving consultation through the program's own mental-health contract.",
    "Duplicate of an earlier request from the same program; merged there.",
    "The program closed before the consultation could start.",
)
INFO_MESSAGES = (
    "Could you tell us which classroom this is about and the best times to visit?",
    "Please send the child's age in months and whether the family knows about the request.",
    "Could you confirm the program's license number and address?",
    "¿Nos podría decir la edad del niño y qué días podemos visitar?",
)
ROOM_WORDS_EN: dict[str, str] = {
    AgeGroup.INFANT: "infant", AgeGroup.TODDLER: "toddler", AgeGroup.PRESCHOOL: "preschool",
}
ROOM_WORDS_ES: dict[str, str] = {
    AgeGroup.INFANT: "de bebés", AgeGroup.TODDLER: "de niños pequeños", AgeGroup.PRESCHOOL: "preescolar",
    AgeGroup.MIXED: "",
}


def is_working_day(day: date) -> bool:
    """Weekdays, except the winter break (24 December to 1 January), Independence Day and Thanksgiving
    with the day after, when programs close and nobody visits."""
    if day.weekday() >= 5 or (day.month, day.day) == (7, 4):
        return False
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1):
        return False
    # Thanksgiving: the fourth Thursday of November (day 22-28), and the Friday after it.
    thanksgiving = 22 <= day.day <= 28 and day.weekday() == 3
    day_after = 23 <= day.day <= 29 and day.weekday() == 4
    return not (day.month == 11 and (thanksgiving or day_after))


def age_words(months: int) -> tuple[str, str]:
    if months < 24:
        return f"{months}-month-old", f"{months} meses"
    years = months // 12
    return f"{years}-year-old", f"{years} años"


# --- What episodes look like ------------------------------------------------------------------------

# Expected duration in weeks (low, high, mode): about 6 for one child, 14 for a classroom, up to a year.
WEEKS_BY_TYPE: dict[str, tuple[int, int, int]] = {
    EpisodeType.CHILD_FAMILY: (6, 12, 8), EpisodeType.CLASSROOM: (8, 16, 14),
    EpisodeType.PROGRAMMATIC: (12, 52, 18), EpisodeType.FFN_HOME: (6, 12, 8),
}
EARLY_END_SHARE = 0.12  # episodes that stop after one to three contacts
# Of child episodes that got past the intake call: with those that never did, about a fifth overall.
REFERRAL_SHARE = 0.23
IMPLEMENTATION_ACTIVITIES: dict[str, dict[str, float]] = {
    EpisodeType.CHILD_FAMILY: {
        ActivityType.MODELLING: 30, ActivityType.OBSERVATION: 15, ActivityType.TEACHER_MEETING: 25,
        ActivityType.FAMILY_MEETING: 20, ActivityType.COORDINATION: 10,
    },
    EpisodeType.CLASSROOM: {
        ActivityType.MODELLING: 35, ActivityType.OBSERVATION: 20, ActivityType.TEACHER_MEETING: 30,
        ActivityType.REFLECTIVE_SESSION: 10, ActivityType.TRAINING: 5,
    },
    EpisodeType.PROGRAMMATIC: {
        ActivityType.DIRECTOR_MEETING: 35, ActivityType.TRAINING: 25, ActivityType.REFLECTIVE_SESSION: 25,
        ActivityType.TEACHER_MEETING: 15,
    },
    EpisodeType.FFN_HOME: {
        ActivityType.MODELLING: 30, ActivityType.FAMILY_MEETING: 40, ActivityType.OBSERVATION: 15,
        ActivityType.COORDINATION: 15,
    },
}
MEETING_MODALITY: dict[str, float] = {Modality.ON_SITE: 48, Modality.VIDEO: 38, Modality.PHONE: 14}
TOPICS_BY_TYPE: dict[str, dict[str, float]] = {
    EpisodeType.CHILD_FAMILY: {
        Topic.CHALLENGING_BEHAVIOR: 30, Topic.RELATIONSHIPS: 20, Topic.FAMILY_PARTNERSHIP: 18,
        Topic.SOCIAL_EMOTIONAL: 14, Topic.DEVELOPMENT: 8, Topic.TRAUMA_INFORMED: 6, Topic.REFERRAL_SUPPORT: 4,
    },
    EpisodeType.CLASSROOM: {
        Topic.ROUTINES_TRANSITIONS: 28, Topic.SOCIAL_EMOTIONAL: 22, Topic.ENVIRONMENT: 18,
        Topic.CHALLENGING_BEHAVIOR: 16, Topic.REFLECTIVE_PRACTICE: 10, Topic.CULTURE_EQUITY: 6,
    },
    EpisodeType.PROGRAMMATIC: {
        Topic.POLICY: 30, Topic.STAFF_WELLNESS: 28, Topic.REFLECTIVE_PRACTICE: 18, Topic.CULTURE_EQUITY: 12,
        Topic.SOCIAL_EMOTIONAL: 12,
    },
    EpisodeType.FFN_HOME: {
        Topic.RELATIONSHIPS: 30, Topic.ROUTINES_TRANSITIONS: 22, Topic.DEVELOPMENT: 18,
        Topic.CHALLENGING_BEHAVIOR: 18, Topic.FAMILY_PARTNERSHIP: 12,
    },
}
ROUTINES = {
    "en": ("arrival", "circle time", "the transition to outdoor play", "lunch", "clean-up", "nap time", "departure"),
    "es": ("la llegada", "el círculo", "la transición al patio", "el almuerzo", "la limpieza", "la siesta"),
}
STRATEGIES = {
    "en": ("a visual schedule", "a first-then board", "a feelings chart", "a calm-down corner",
           "a transition song", "specific praise", "offering two choices", "a two-minute warning"),
    "es": ("un horario visual", "un tablero de primero-después", "una tabla de emociones", "un rincón de calma",
           "una canción de transición", "elogios específicos", "ofrecer dos opciones"),
}
NOTE_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "observe": ("Observed {routine}. Noticed that waiting time is long; shared this with the teacher.",
                    "Observed {routine} and the morning routine. The child did best with one-on-one warmth.",
                    "Observed {routine}; the team already uses {strategy} in part. Plan to build on it."),
        "model": ("Modelled {strategy} during {routine}; the teacher tried it right after.",
                  "Co-led {routine} using {strategy}. Fewer conflicts than last visit."),
        "meet": ("Reflective conversation with the teacher about {routine}. We agreed to try {strategy}.",
                 "Reviewed what worked since the last visit; {strategy} is helping at {routine}.",
                 "Talked through the teacher's worries; named what she is doing well."),
        "family": ("Met with the family. They see similar moments at home at {routine}; shared {strategy}.",
                   "Family meeting: the parent shared the child's strengths and what calms her at home."),
        "director": ("Met with the director about staffing and the schedule; agreed on next steps.",
                     "Worked on the draft policy with the director; next: share with the staff."),
        "group": ("Staff session on {strategy}; teachers shared examples from their rooms.",
                  "Reflective session with the team; time to talk about a hard week."),
        "coordinate": ("Called the referral service to check on the appointment.",
                       "Sent the family information about local playgroups and the resource centre."),
    },
    "es": {
        "observe": ("Observé {routine}. El tiempo de espera es largo; lo comenté con la maestra.",
                    "Observé {routine}; el equipo ya usa {strategy} en parte."),
        "model": ("Modelé {strategy} durante {routine}; la maestra lo intentó enseguida.",),
        "meet": ("Conversación reflexiva con la maestra sobre {routine}. Acordamos probar {strategy}.",
                 "Revisamos lo que funcionó desde la última visita; {strategy} está ayudando."),
        "family": ("Reunión con la familia. En casa ven lo mismo en {routine}; compartí {strategy}.",),
        "director": ("Reunión con la directora sobre el horario y el personal; acordamos los próximos pasos.",),
        "group": ("Sesión con el personal sobre {strategy}.",),
        "coordinate": ("Llamé al servicio de referencia para confirmar la cita.",),
    },
}
NOTE_KIND: dict[str, str] = {
    ActivityType.OBSERVATION: "observe", ActivityType.MODELLING: "model", ActivityType.TEACHER_MEETING: "meet",
    ActivityType.FAMILY_MEETING: "family", ActivityType.DIRECTOR_MEETING: "director",
    ActivityType.REFLECTIVE_SESSION: "group", ActivityType.TRAINING: "group", ActivityType.COORDINATION: "coordinate",
}
AGREEMENT_SCOPE: dict[str, str] = {
    EpisodeType.CHILD_FAMILY: "Observe the child in the classroom, meet with the teachers and the family, and "
                              "agree on a plan to support the child in the program.",
    EpisodeType.CLASSROOM: "Observe the room, reflect with the teaching team each visit, and support routines "
                           "and social-emotional teaching for the whole group.",
    EpisodeType.PROGRAMMATIC: "Work with the director and leadership team on policies and staff support.",
    EpisodeType.FFN_HOME: "Visit the caregiver (in person or by video), reflect together and agree on small "
                          "changes to daily routines.",
}
GOALS: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    # (goal, strategies, who does what, for the child)
    EpisodeType.CHILD_FAMILY: (
        ("The child will use words or a calm-down space to ask for a break in 3 of 5 observed transitions.",
         "Visual schedule; calm-down corner; practise at home with the same words.", "Teacher and family", True),
        ("The child will join circle time for 10 minutes with one adult nearby, four days a week.",
         "Special job at circle; sit next to the assistant; praise joining.", "Lead teacher", True),
        ("Teachers will give a two-minute warning before every transition.",
         "Timer and transition song.", "Teaching team", False),
        ("The family and teachers will share a daily note about how the day went.",
         "A notebook in the cubby, in the family's language.", "Teacher and family", False),
    ),
    EpisodeType.CLASSROOM: (
        ("Waiting time at transitions will be under 3 minutes in 4 of 5 observed transitions.",
         "Transition songs; small-group dismissal.", "Teaching team", False),
        ("Teachers will use specific praise at least 4 times for every correction during circle time.",
         "Modelling; reflection after each visit.", "Lead teacher", False),
        ("The room will have a calm-down space that children use on their own.",
         "Set up together; teach it during circle.", "Teaching team", False),
        ("Teachers will name feelings during play each day.",
         "Feelings chart; modelling.", "Assistant teacher", False),
    ),
    EpisodeType.PROGRAMMATIC: (
        ("The program will adopt a written policy that limits suspension and expulsion.",
         "Review examples; draft; staff input.", "Director", False),
        ("Staff will have a monthly reflective meeting.",
         "Consultant co-facilitates the first three.", "Director and consultant", False),
        ("Every classroom will post a visual schedule.",
         "Templates; time at the staff meeting.", "Site supervisor", False),
    ),
    EpisodeType.FFN_HOME: (
        ("The caregiver will follow the same goodbye routine at every drop-off.",
         "Short goodbye ritual; photo book of the family.", "Caregiver and parent", False),
        ("The caregiver will use a simple picture routine for nap time.",
         "Picture cards; quiet song.", "Caregiver", False),
        ("The caregiver will have one person to call on a hard day.",
         "Connect with the local family resource centre.", "Consultant", False),
    ),
}
REFERRAL_WEIGHTS: dict[str, float] = {
    ServiceType.EARLY_INTERVENTION: 20, ServiceType.SPECIAL_EDUCATION: 20, ServiceType.CHILD_MENTAL_HEALTH: 25,
    ServiceType.PEDIATRICIAN: 15, ServiceType.FAMILY_SUPPORT: 17, ServiceType.OTHER: 3,
}
REFERRAL_DETAIL: dict[str, str] = {
    ServiceType.EARLY_INTERVENTION: "Regional center early intervention intake",
    ServiceType.SPECIAL_EDUCATION: "School district preschool assessment",
    ServiceType.CHILD_MENTAL_HEALTH: "County children's mental health clinic",
    ServiceType.PEDIATRICIAN: "The child's pediatrician",
    ServiceType.FAMILY_SUPPORT: "Family resource center",
    ServiceType.OTHER: "Speech and language clinic",
}
REFERRAL_OUTCOMES: dict[str, str] = {
    ReferralStatus.COMPLETED: "Evaluation done; services started.",
    ReferralStatus.DECLINED: "The family decided to wait.",
}
CONSENT_SCOPE = ("Observation of the child in the program, conversations with the teachers and the director, "
                 "and sharing the action plan with the family.")


# --- Groups and helpline calls --------------------------------------------------------------------

GROUP_KIND_WEIGHTS: dict[str, float] = {
    GroupKind.COMMUNITY_OF_SUPPORT: 45, GroupKind.REFLECTIVE_GROUP: 35, GroupKind.TRAINING_SERIES: 20,
}
GROUP_AUDIENCES: dict[str, dict[str, float]] = {
    GroupKind.COMMUNITY_OF_SUPPORT: {
        GroupAudience.TEACHERS: 30, GroupAudience.FCC_PROVIDERS: 30, GroupAudience.FFN_CAREGIVERS: 15,
        GroupAudience.MIXED: 25,
    },
    GroupKind.REFLECTIVE_GROUP: {
        GroupAudience.TEACHERS: 40, GroupAudience.HOME_VISITORS: 30, GroupAudience.DIRECTORS: 30,
    },
    GroupKind.TRAINING_SERIES: {GroupAudience.TEACHERS: 60, GroupAudience.MIXED: 40},
}
GROUP_NAMES: dict[str, dict[str, str]] = {
    "en": {
        GroupKind.COMMUNITY_OF_SUPPORT: "Community of Support", GroupKind.REFLECTIVE_GROUP: "Reflective Circle",
        GroupKind.TRAINING_SERIES: "Pyramid Practices Series",
    },
    "es": {
        GroupKind.COMMUNITY_OF_SUPPORT: "Comunidad de Apoyo", GroupKind.REFLECTIVE_GROUP: "Círculo Reflexivo",
        GroupKind.TRAINING_SERIES: "Serie de Prácticas de la Pirámide",
    },
}
AUDIENCE_WORDS: dict[str, dict[str, str]] = {
    "en": {GroupAudience.TEACHERS: "for Teachers", GroupAudience.FCC_PROVIDERS: "for Family Child Care Providers",
           GroupAudience.FFN_CAREGIVERS: "for Family, Friend and Neighbor Caregivers",
           GroupAudience.HOME_VISITORS: "for Home Visitors", GroupAudience.DIRECTORS: "for Directors",
           GroupAudience.MIXED: ""},
    "es": {GroupAudience.TEACHERS: "para Maestras", GroupAudience.FCC_PROVIDERS: "para Proveedoras de Cuidado Infantil",
           GroupAudience.FFN_CAREGIVERS: "para Familiares y Vecinos que Cuidan Niños",
           GroupAudience.HOME_VISITORS: "para Visitadoras del Hogar", GroupAudience.DIRECTORS: "para Directoras",
           GroupAudience.MIXED: ""},
}
AUDIENCE_MEMBER: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # (member roles, the settings their programs come from)
    GroupAudience.TEACHERS: ((MemberRole.TEACHER, MemberRole.TEACHER, MemberRole.ASSISTANT_TEACHER), CENTRE_SETTINGS),
    GroupAudience.FCC_PROVIDERS: ((MemberRole.FCC_PROVIDER,), FCC_SETTINGS),
    GroupAudience.FFN_CAREGIVERS: ((MemberRole.FFN_CAREGIVER,), (SettingType.FFN,)),
    GroupAudience.HOME_VISITORS: ((MemberRole.HOME_VISITOR,), (SettingType.HOME_VISITING,)),
    GroupAudience.DIRECTORS: ((MemberRole.DIRECTOR,), CENTRE_SETTINGS),
    GroupAudience.MIXED: ((MemberRole.TEACHER, MemberRole.FCC_PROVIDER, MemberRole.DIRECTOR, MemberRole.OTHER),
                          (*CENTRE_SETTINGS, *FCC_SETTINGS)),
}
SESSION_NOTES = ("Check-in round; two members brought hard moments with one child and the group offered ideas.",
                 "Practised naming feelings; members will try the feelings chart this month.",
                 "Talked about self-care after a hard week; short breathing practice.",
                 "Shared what worked with transitions; plan to bring photos next time.")
BRIEF_TOPIC_WEIGHTS: dict[str, float] = {
    BriefTopic.BEHAVIOR: 34, BriefTopic.SOCIAL_EMOTIONAL: 12, BriefTopic.SEPARATION: 8, BriefTopic.DEVELOPMENT: 8,
    BriefTopic.TRAUMA: 5, BriefTopic.CLASSROOM: 9, BriefTopic.STAFF_WELLBEING: 6, BriefTopic.POLICY: 3,
    BriefTopic.RESOURCES: 8, BriefTopic.ABOUT_CONSULTATION: 6, BriefTopic.OTHER: 1,
}
BRIEF_OUTCOME_WEIGHTS: dict[str, float] = {
    BriefOutcome.RESOLVED: 42, BriefOutcome.RESOURCES_SENT: 32, BriefOutcome.REFERRED: 14,
    BriefOutcome.FOLLOW_UP_NEEDED: 12,
}
BRIEF_NOTES = ("Talked through what happens before the behavior; suggested a visual schedule and a calm-down space.",
               "Sent the tip sheet on transitions and the family resource centre's number.",
               "Caller wanted to know how consultation works; explained and sent the request link.",
               "Listened; the provider felt better with a plan for tomorrow. Offered a follow-up call.")


# --- The records the simulation works with ------------------------------------------------------------


@dataclass(slots=True)
class ProgramInfo:
    id: uuid.UUID
    county_id: str
    region_id: uuid.UUID
    setting_type: str
    auspice: str
    is_rural: bool
    serves: tuple[bool, bool, bool]
    name: str
    license_number: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    email: str
    languages: list[str] = field(default_factory=list)
    rooms: list[tuple[uuid.UUID, str, int]] = field(default_factory=list)  # (id, age group, capacity)
    staff: dict[str, list[str]] = field(default_factory=dict)  # position -> names


@dataclass(slots=True)
class ConsultantInfo:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    region_id: uuid.UUID
    capacity: int
    expertise: frozenset[str]
    languages: frozenset[str] = frozenset()
    counties: frozenset[str] = frozenset()
    ends: list[float] = field(default_factory=list)  # heap: when each of its episodes stops counting
    reserved: list[tuple[float, float]] = field(default_factory=list)  # the showcase's episodes, known ahead
    programs: set[uuid.UUID] = field(default_factory=set)  # continuity, as matching prefers it

    def load_at(self, start: float, end: float) -> int:
        """Open episodes at `start`, counting the showcase episodes that begin before `end` as well."""
        while self.ends and self.ends[0] <= start:
            heapq.heappop(self.ends)
        load = len(self.ends)
        if self.reserved:
            points = [start, *(s for s, _e in self.reserved if start < s < end)]
            load += max(sum(1 for s, e in self.reserved if s <= p < e) for p in points)
        return load


@dataclass(slots=True)
class Showcase:
    """A request laid out by hand for a demo account, instead of left to chance."""

    consultant: ConsultantInfo | None = None  # assigned to this consultant
    status: str = RequestStatus.ASSIGNED
    opened_day: float = 0.0
    contact_days: tuple[int, ...] = ()
    close_day: int | None = None  # None: still open
    followup_done: bool = True
    goal_target_day: int | None = None
    submitted_by: uuid.UUID | None = None
    waitlisted_day: float | None = None


@dataclass(slots=True)
class Spec:
    """One request, as drawn before triage; the simulation fills in what happened to it."""

    key: str
    submitted: float  # days since the start of the year shown
    program: ProgramInfo
    episode_type: str
    language: str
    requester_role: str
    child_age: int | None
    imminent: bool
    priority: str
    expertise: str
    room: tuple[uuid.UUID, str, int] | None
    path: str
    triage_delay: float
    info_wait: float
    wait: float
    from_call: bool
    showcase: Showcase | None = None
    reference: str = ""
    # Outcome.
    status: str = RequestStatus.NEW
    info_day: float | None = None
    waitlisted_day: float | None = None
    decided_day: float | None = None
    decline_reason: str = ""


@dataclass(slots=True)
class Rows:
    """Rows waiting to be written, in an order that satisfies every foreign key within a batch."""

    requests: list[models.Model] = field(default_factory=list)
    request_languages: list[models.Model] = field(default_factory=list)
    episodes: list[models.Model] = field(default_factory=list)
    consents: list[models.Model] = field(default_factory=list)
    agreements: list[models.Model] = field(default_factory=list)
    contacts: list[models.Model] = field(default_factory=list)
    plans: list[models.Model] = field(default_factory=list)
    goals: list[models.Model] = field(default_factory=list)
    referrals: list[models.Model] = field(default_factory=list)
    closures: list[models.Model] = field(default_factory=list)
    followups: list[models.Model] = field(default_factory=list)
    events: list[models.Model] = field(default_factory=list)
    briefs: list[models.Model] = field(default_factory=list)


# Rows' lists in the order they are written, with the label each adds to the loader's summary.
ROW_ORDER: tuple[tuple[str, str | None], ...] = (
    ("requests", "requests"), ("request_languages", None), ("episodes", "episodes"), ("consents", "consents"),
    ("agreements", "agreements"), ("contacts", "contacts"), ("plans", "action plans"), ("goals", "goals"),
    ("referrals", "referrals"), ("closures", "closures"), ("followups", "follow-ups"),
    ("events", "timeline events"), ("briefs", "brief contacts"),
)


# --- Entry points -------------------------------------------------------------------------------------


def load_service_loop(builder: Builder, network: Network, *, today: date | None = None) -> None:
    """Write a year of the service loop for the network the builder has just written."""
    ServiceLoop(builder, network, today=today).run()


def wipe_service_loop(network: Network) -> None:
    """Delete the network's service-loop records, children first, so that the directory can go next
    (episodes PROTECT their programs and consultants; requests their consultants)."""
    Attendance.objects.filter(session__group__network=network).delete()
    GroupSession.objects.filter(group__network=network).delete()
    GroupMember.objects.filter(group__network=network).delete()
    Group.objects.filter(network=network).delete()
    BriefContact.objects.filter(network=network).delete()
    for model in (EpisodeEvent, Contact, Consent, ConsentException, Agreement, Referral, Closure, FollowUp):
        model._default_manager.filter(episode__network=network).delete()
    Goal.objects.filter(plan__episode__network=network).delete()
    ActionPlan.objects.filter(episode__network=network).delete()
    Episode.objects.filter(network=network).delete()
    Request.languages.through.objects.filter(request__network=network).delete()
    Request.objects.filter(network=network).delete()
    IntakeSettings.objects.filter(network=network).delete()


# --- The loader -------------------------------------------------------------------------------------


class ServiceLoop:
    def __init__(self, builder: Builder, network: Network, *, today: date | None) -> None:
        self.b = builder
        self.network = network
        self.scale = SERVICE_SCALES[builder.scale.name]
        self.tz = ZoneInfo(settings.TIME_ZONE)
        # The year shown ends yesterday: day YEAR_DAYS is today, and nothing happens on or after it.
        self.today = today or datetime.now(self.tz).date()
        self.start = self.today - timedelta(days=YEAR_DAYS)
        self.rows = Rows()
        self.finished = 0
        self.load_context()

    # Time ------------------------------------------------------------------------------------------

    def date(self, day: float) -> date:
        return self.start + timedelta(days=int(day))

    @staticmethod
    def office_minute(day: float) -> int:
        """Moments in the simulation are days with a fraction; the fraction places them in office hours
        (8:00-18:00), keeping their order within the day."""
        return 8 * 60 + int((day % 1) * 600)

    def at(self, day: float, minute: int | None = None) -> datetime:
        """Local wall-clock time on a day; without `minute`, in office hours by the fraction of `day`."""
        whole = int(day)
        if minute is None:
            minute = self.office_minute(day)
        d = self.start + timedelta(days=whole)
        return datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=self.tz)

    def weekday_on_or_after(self, day: int) -> int:
        """The first working day from `day` on: programs are closed at weekends and on the main holidays."""
        while not is_working_day(self.start + timedelta(days=day)):
            day += 1
        return day

    # Reading what the directory step wrote ------------------------------------------------------------

    def load_context(self) -> None:
        network = self.network
        fields = ("id", "county_id", "region_id", "setting_type", "auspice", "is_rural", "serves_infants",
                  "serves_toddlers", "serves_preschoolers", "name", "license_number", "address_line1",
                  "address_line2", "city", "postal_code", "email")
        programs = sorted(Program.objects.filter(network=network).values_list(*fields), key=lambda row: row[0])
        self.programs: list[ProgramInfo] = [
            ProgramInfo(id=r[0], county_id=r[1], region_id=r[2], setting_type=r[3], auspice=r[4], is_rural=r[5],
                        serves=(r[6], r[7], r[8]), name=r[9], license_number=r[10], address_line1=r[11],
                        address_line2=r[12], city=r[13], postal_code=r[14], email=r[15])
            for r in programs
        ]
        by_id = {p.id: p for p in self.programs}
        for program_id, code in sorted(Program.languages.through.objects.filter(program__network=network)
                                       .values_list("program_id", "language_id")):
            by_id[program_id].languages.append(code)
        for program_id, room_id, group, capacity in sorted(
            Classroom.objects.filter(program__network=network).values_list("program_id", "id", "age_group", "capacity")
        ):
            by_id[program_id].rooms.append((room_id, group, capacity))
        for program_id, position, name in sorted(
            ProgramStaff.objects.filter(program__network=network).values_list("program_id", "position", "full_name")
        ):
            by_id[program_id].staff.setdefault(position, []).append(name)

        self.county_region: dict[str, uuid.UUID] = {}
        self.underserved: set[str] = set()
        for county_id, region_id, underserved in NetworkCounty.objects.filter(network=network).values_list(
            "county_id", "region_id", "underserved"
        ):
            self.county_region[county_id] = region_id
            if underserved:
                self.underserved.add(county_id)
        self.rules = IntakeSettings(network=network)  # the defaults: imminent risk is urgent

        consultants = sorted(
            ConsultantProfile.objects.filter(network=network, is_active=True).values_list(
                "id", "user_id", "user__full_name", "region_id", "caseload_capacity", "setting_expertise"
            ),
            key=lambda row: row[0],
        )
        languages: dict[uuid.UUID, set[str]] = defaultdict(set)
        for cid, code in ConsultantProfile.languages.through.objects.filter(
            consultantprofile__network=network
        ).values_list("consultantprofile_id", "language_id"):
            languages[cid].add(code)
        counties: dict[uuid.UUID, set[str]] = defaultdict(set)
        for cid, fips in ConsultantProfile.counties.through.objects.filter(
            consultantprofile__network=network
        ).values_list("consultantprofile_id", "county_id"):
            counties[cid].add(fips)
        self.consultants = [
            ConsultantInfo(id=r[0], user_id=r[1], name=r[2], region_id=r[3], capacity=r[4],
                           expertise=frozenset(r[5]), languages=frozenset(languages[r[0]]),
                           counties=frozenset(counties[r[0]]))
            for r in consultants
        ]
        self.by_county: dict[str, list[ConsultantInfo]] = defaultdict(list)
        for consultant in self.consultants:
            for fips in sorted(consultant.counties):
                self.by_county[fips].append(consultant)
        self.consultant_by_user = {c.user_id: c for c in self.consultants}

        self.coordinator_of: dict[uuid.UUID, uuid.UUID] = dict(
            Membership.objects.filter(network=network, role=Role.REGIONAL_COORDINATOR)
            .order_by("user_id").values_list("region_id", "user_id")
        )
        director = self.b.users["director"]
        self.director_program = by_id[
            Membership.objects.filter(network=network, user=director, role=Role.PROGRAM_STAFF).values_list(
                "program_id", flat=True
            ).get()
        ]
        self.demo_consultant = self.consultant_by_user[self.b.users["consultant"].pk]

        # Requests are drawn type first, then program, in proportion to the setting's weight.
        self.program_pools: dict[str, tuple[list[ProgramInfo], list[float]]] = {}
        for episode_type, weights in SETTING_WEIGHTS_BY_TYPE.items():
            pool = [p for p in self.programs if p.setting_type in weights]
            cumulative, total = [], 0.0
            for program in pool:
                total += weights[program.setting_type]
                cumulative.append(total)
            self.program_pools[episode_type] = (pool, cumulative)

    # The run -------------------------------------------------------------------------------------------

    def run(self) -> None:
        started = time.perf_counter()
        IntakeSettings.objects.create(id=self.b.uid("intake-settings", self.network.pk), network=self.network)
        specs = [self.draw_request(str(i)) for i in range(self.scale.requests)]
        specs.extend(self.showcase_requests())
        specs.sort(key=lambda spec: (spec.submitted, spec.key))
        self.number(specs)
        self.simulate(specs, started)
        self.flush()
        self.progress_line(len(specs), len(specs), started)
        self.load_groups()
        self.load_brief_contacts()
        self.flush()
        self.b.progress(f"Service loop: {time.perf_counter() - started:.1f} s")

    def number(self, specs: Sequence[Spec]) -> None:
        """References in order of arrival, per year, as the intake service numbers real ones."""
        per_year: dict[int, int] = defaultdict(int)
        letter = self.scale.reference_letter
        for spec in specs:
            year = self.date(spec.submitted).year
            per_year[year] += 1
            spec.reference = f"R-{year % 100:02d}-{letter}{per_year[year]:05d}"

    def progress_line(self, done: int, total: int, started: float) -> None:
        self.b.progress(f"Requests: {done:,} of {total:,} ({time.perf_counter() - started:.1f} s)")

    # Drawing requests ------------------------------------------------------------------------------------

    def draw_request(self, key: str) -> Spec:
        rng = self.b.rng("svc-request", key)
        submitted = self.arrival(rng)
        episode_type = weighted(rng, TYPE_WEIGHTS)
        pool, cumulative = self.program_pools[episode_type]
        for _draw in range(PROGRAM_DRAWS):
            program = rng.choices(pool, cum_weights=cumulative)[0]
            spec = self.make_spec(rng, key, submitted, program, episode_type)
            if self.anyone_for(spec) or rng.random() < UNMET_NEED_SHARE:
                break
        return spec

    def anyone_for(self, spec: Spec) -> bool:
        return any(self.eligible(c, spec) for c in self.by_county.get(spec.program.county_id, []))

    def arrival(self, rng: random.Random) -> float:
        """A moment in the year, fewer in summer and over the winter holidays, mostly on weekdays."""
        while True:
            day = rng.randrange(YEAR_DAYS)
            when = self.date(day)
            season = {6: 0.6, 7: 0.55, 8: 0.85, 9: 1.25, 10: 1.2, 12: 0.7, 1: 1.15}.get(when.month, 1.0)
            if when.weekday() >= 5:
                season *= 0.15
            if rng.random() < season / 1.25:
                return day + rng.random()

    def make_spec(self, rng: random.Random, key: str, submitted: float, program: ProgramInfo, episode_type: str,
                  *, child_age: int | None = None, imminent: bool | None = None, language: str | None = None,
                  path: str | None = None, room_group: str | None = None) -> Spec:
        child_specific = episode_type == EpisodeType.CHILD_FAMILY
        if child_specific and child_age is None:
            child_age = self.child_age(rng, program)
        if imminent is None:
            imminent = child_specific and rng.random() < IMMINENT_RISK_SHARE
        requester_role = self.requester_role(rng, program, episode_type)
        if language is None:
            language = self.language(rng, program, parent=requester_role == RequesterRole.PARENT)
        expertise = self.expertise(program, child_age if child_specific else None)
        room = self.room(rng, program, child_age, expertise, room_group)
        priority = compute_priority(rules=self.rules, imminent_risk=imminent,
                                    underserved=program.county_id in self.underserved, rural=program.is_rural)
        if path is None:
            path = weighted(rng, PATH_WEIGHTS)
            if path == "too_old" and not child_specific:
                path = "decline"
        if path == "too_old":
            child_age = rng.randint(73, 84)
        # Days until a coordinator decides: urgent requests the same or the next day.
        delays: dict[str, tuple[float, float]] = {Priority.URGENT: (0.05, 1.2), Priority.HIGH: (0.3, 4.0)}
        low, high = delays.get(priority, (0.5, 8.0))
        triage_delay = rng.uniform(low, high)
        return Spec(
            key=key, submitted=submitted, program=program, episode_type=episode_type, language=language,
            requester_role=requester_role, child_age=child_age if child_specific else None, imminent=imminent,
            priority=priority, expertise=expertise, room=room, path=path, triage_delay=triage_delay,
            info_wait=rng.uniform(2, 24), wait=rng.uniform(20, 130), from_call=rng.random() < FROM_CALL_SHARE,
        )

    @staticmethod
    def expertise(program: ProgramInfo, child_age: int | None) -> str:
        """The setting expertise matching will ask of a consultant for this request (matching.services)."""
        infants, toddlers, preschoolers = program.serves
        return expertise_for(setting_type=program.setting_type, serves_infants=infants, serves_toddlers=toddlers,
                             serves_preschoolers=preschoolers, child_age_months=child_age)

    @staticmethod
    def child_age(rng: random.Random, program: ProgramInfo) -> int:
        bands = [band for band, served in zip(((2, 11), (12, 35), (36, 64)), program.serves, strict=True) if served]
        low, high = rng.choice(bands or [(12, 64)])
        return rng.randint(low, high)

    @staticmethod
    def requester_role(rng: random.Random, program: ProgramInfo, episode_type: str) -> str:
        setting = program.setting_type
        if episode_type == EpisodeType.CHILD_FAMILY and rng.random() < PARENT_SHARE:
            return RequesterRole.PARENT
        if rng.random() < 0.03:
            return RequesterRole.REFERRAL_PARTNER
        if setting in FCC_SETTINGS:
            return RequesterRole.FCC_PROVIDER
        if setting == SettingType.FFN:
            return RequesterRole.FFN_CAREGIVER
        if setting == SettingType.HOME_VISITING:
            return RequesterRole.DIRECTOR if episode_type == EpisodeType.PROGRAMMATIC else RequesterRole.HOME_VISITOR
        if episode_type == EpisodeType.PROGRAMMATIC or rng.random() < 0.45:
            return RequesterRole.DIRECTOR
        return RequesterRole.TEACHER

    @staticmethod
    def language(rng: random.Random, program: ProgramInfo, *, parent: bool) -> str:
        spoken = program.languages or ["en"]
        others = [code for code in spoken if code not in ("en", "es")]
        if others and rng.random() < (0.25 if parent else 0.08):
            return rng.choice(others)
        if "es" in spoken and ("en" not in spoken or rng.random() < (0.65 if parent else 0.4)):
            return "es"
        return "en" if "en" in spoken else spoken[0]

    @staticmethod
    def room(rng: random.Random, program: ProgramInfo, child_age: int | None, expertise: str,
             wanted: str | None) -> tuple[uuid.UUID, str, int] | None:
        if not program.rooms:
            return None
        if wanted is None:
            if child_age is not None:
                wanted = AgeGroup.INFANT if child_age < 12 else AgeGroup.TODDLER if child_age < 36 else \
                    AgeGroup.PRESCHOOL
            elif expertise == SettingExpertise.PRESCHOOL:
                wanted = AgeGroup.PRESCHOOL
            else:
                wanted = rng.choice((AgeGroup.INFANT, AgeGroup.TODDLER))
        fitting = [room for room in program.rooms if room[1] == wanted]
        return rng.choice(fitting or program.rooms)

    # The showcase: what the demo accounts find when they sign in ------------------------------------

    def showcase_requests(self) -> list[Spec]:
        today = YEAR_DAYS
        lucia = self.demo_consultant
        specs: list[Spec] = []

        def add(name: str, program: ProgramInfo, episode_type: str, submitted: float, showcase: Showcase,
                **draw: Any) -> Spec:
            rng = self.b.rng("svc-showcase", name)
            spec = self.make_spec(rng, f"showcase-{name}", submitted, program, episode_type, **draw)
            spec.showcase = showcase
            spec.from_call = False
            specs.append(spec)
            if showcase.consultant is not None:
                consultant = showcase.consultant
                if not self.eligible(consultant, spec):
                    raise DemoError(f"The demo's showcase request {name!r} does not fit {consultant.name}")
                end = float(showcase.close_day) if showcase.close_day is not None else INFINITY
                consultant.reserved.append((showcase.opened_day, end))
            return spec

        # The director's programme: a classroom (or, failing that, child) episode well under way.
        director_program = self.director_program
        fit = self.fitting_work(lucia, director_program)
        consultant = lucia
        if fit is None:
            consultant, fit = self.someone_for(director_program)
        episode_type, child_age, language = fit
        opened = today - 33 + 0.45
        add("director-episode", director_program, episode_type, today - 36 + 0.4, Showcase(
            consultant=consultant, opened_day=opened,
            contact_days=self.weekdays_from(today - 31, (0, 6, 13, 20, 27, 34, 41, 48)),
            submitted_by=self.b.users["director"].pk if episode_type != EpisodeType.CHILD_FAMILY else None,
        ), child_age=child_age, imminent=False, language=language, path="assign")
        # ...and a request of the director's own, still waiting in the coordinator's queue.
        add("director-request", director_program, EpisodeType.CHILD_FAMILY, today - 2 + 0.6, Showcase(
            status=RequestStatus.NEW, submitted_by=self.b.users["director"].pk,
        ), imminent=False, language="es" if "es" in director_program.languages else "en", path="assign")

        # The demo consultant: a follow-up due this week, an episode gone quiet with an overdue goal, a new one.
        home = self.programs_for(lucia)
        if len(home) < 3:
            raise DemoError(f"Too few programs in the demo consultant's counties ({len(home)})")
        closed = self.weekdays_from(today - 80, (0, 7, 14, 21, 28, 35, 42))
        add("followup-due", home[0][0], home[0][1], today - 84 + 0.5, Showcase(
            consultant=lucia, opened_day=today - 82 + 0.4, contact_days=closed,
            close_day=today - FOLLOW_UP_AFTER_DAYS + 5,  # so the follow-up falls due in five days
            followup_done=False,
        ), child_age=home[0][2], language=home[0][3], path="assign")
        add("quiet", home[1][0], home[1][1], today - 60 + 0.5, Showcase(
            consultant=lucia, opened_day=today - 58 + 0.4,
            contact_days=(*self.weekdays_from(today - 55, (0, 7, 14, 21)), self.working_day_on_or_before(today - 16),
                          today + 5, today + 12, today + 19),
            goal_target_day=today - 4,
        ), child_age=home[1][2], language=home[1][3], path="assign")
        add("just-assigned", home[2][0], home[2][1], today - 3 + 0.4, Showcase(
            consultant=lucia, opened_day=today - 1 + 0.4, contact_days=(today + 1, today + 8, today + 15, today + 22),
        ), child_age=home[2][2], language=home[2][3], path="assign", imminent=home[2][1] == EpisodeType.CHILD_FAMILY)

        # Each demo coordinator: an urgent request from yesterday at the top of the queue.
        coordinators = (("coordinator", DEMO_REGION, "en"), ("coordinadora", "los-angeles", "es"))
        for account, region_code, language in coordinators:
            program = self.region_program(region_code, (SettingType.CENTER,), language)
            add(f"urgent-{account}", program, EpisodeType.CHILD_FAMILY, today - 1 + 0.42, Showcase(
                status=RequestStatus.NEW,
            ), imminent=True, language=language if language in program.languages else "en", path="assign")
        # A Central Valley family child care home that has been on the waitlist for over a month.
        program = self.region_program(DEMO_REGION, FCC_SETTINGS, "es")
        add("waitlisted", program, EpisodeType.CHILD_FAMILY, today - 41 + 0.5, Showcase(
            status=RequestStatus.WAITLISTED, waitlisted_day=today - 37 + 0.6,
        ), imminent=False, language="es", path="waitlist")
        return specs

    def region_program(self, region_code: str, settings: Sequence[str], language: str) -> ProgramInfo:
        """The first programme of the region in one of these settings that speaks the language, else of
        those settings, else any programme of the region."""
        region_id = self.b.regions[region_code].pk
        local = [p for p in self.programs if p.region_id == region_id]
        if not local:
            raise DemoError(f"The demo has no program in the {region_code} region")
        in_setting = [p for p in local if p.setting_type in settings]
        speaking = [p for p in in_setting if language in p.languages]
        return (speaking or in_setting or local)[0]

    def working_day_on_or_before(self, day: int) -> int:
        while not is_working_day(self.start + timedelta(days=day)):
            day -= 1
        return day

    def weekdays_from(self, first: int, offsets: Sequence[int]) -> tuple[int, ...]:
        """Working days at these offsets from `first`, each after the one before."""
        days: list[int] = []
        for offset in offsets:
            days.append(self.weekday_on_or_after(max(first + offset, days[-1] + 1) if days else first + offset))
        return tuple(days)

    def fitting_work(self, consultant: ConsultantInfo, program: ProgramInfo) -> tuple[str, int | None, str] | None:
        """A type of work (with a child's age) in this programme that the consultant is qualified for."""
        if program.county_id not in consultant.counties:
            return None
        language = "es" if "es" in consultant.languages and "es" in program.languages else "en"
        if language not in consultant.languages:
            return None
        kinds: list[tuple[str, int | None]] = []
        if program.rooms and program.setting_type != SettingType.FFN:
            kinds.append((EpisodeType.CLASSROOM, None))
        kinds += [(EpisodeType.CHILD_FAMILY, 42), (EpisodeType.CHILD_FAMILY, 26), (EpisodeType.CHILD_FAMILY, 8)]
        for episode_type, age in kinds:
            if age is not None and not program.serves[0 if age < 12 else 1 if age < 36 else 2]:
                continue
            needed = self.expertise(program, age)
            if needed in consultant.expertise:
                return episode_type, age, language
        return None

    def someone_for(self, program: ProgramInfo) -> tuple[ConsultantInfo, tuple[str, int | None, str]]:
        for consultant in self.by_county.get(program.county_id, []):
            fit = self.fitting_work(consultant, program)
            if fit is not None:
                return consultant, fit
        raise DemoError(f"No consultant can take work at the demo director's program {program.name}")

    def programs_for(self, consultant: ConsultantInfo) -> list[tuple[ProgramInfo, str, int | None, str]]:
        """Programmes the consultant could be assigned to, those in the demo county first."""
        found = []
        demo_fips = self.b.county_fips[DEMO_COUNTY]
        ordered = sorted(self.programs, key=lambda p: (p.county_id != demo_fips, str(p.id)))
        for program in ordered:
            if program.id == self.director_program.id:
                continue
            fit = self.fitting_work(consultant, program)
            if fit is not None:
                found.append((program, *fit))
            if len(found) == 3:
                break
        return found

    # Triage and assignment, in the order things happened -------------------------------------------------

    def simulate(self, specs: list[Spec], started: float) -> None:
        """Play the year forward: triage decisions, answers to questions and waitlist retries are events
        taken in time order, so every assignment sees the caseloads as they were on its day."""
        today = float(YEAR_DAYS)
        queue: list[tuple[float, int, int, str]] = []
        for index, spec in enumerate(specs):
            heapq.heappush(queue, (spec.submitted + spec.triage_delay, index, 0, "triage"))
        while queue:
            moment, index, attempt, what = heapq.heappop(queue)
            spec = specs[index]
            if spec.showcase is not None:
                self.play_showcase(spec)
            elif moment >= today:
                self.finish(spec)  # not decided yet: it stays in the state it is in now
            elif what == "triage":
                self.triage(spec, moment, queue, index)
            elif what == "withdraw":
                spec.status = RequestStatus.WITHDRAWN
                self.decide(spec, moment)
            else:
                self.try_assign(spec, moment, queue, index, attempt)
            if len(self.rows.requests) >= self.scale.flush_every:
                self.flush()
                self.progress_line(self.finished, len(specs), started)

    def triage(self, spec: Spec, moment: float, queue: list[tuple[float, int, int, str]], index: int) -> None:
        rng = self.b.rng("svc-triage", spec.key)
        if spec.path == "withdraw":
            spec.status = RequestStatus.WITHDRAWN
            self.decide(spec, moment)
        elif spec.path in ("decline", "too_old"):
            spec.status = RequestStatus.DECLINED
            spec.decline_reason = (
                "The child is older than five; we shared the school district's contact for support."
                if spec.path == "too_old" else rng.choice(DECLINE_REASONS)
            )
            self.decide(spec, moment)
        elif spec.path == "needs_info" and spec.info_day is None:
            spec.info_day = moment
            spec.status = RequestStatus.NEEDS_INFO
            if rng.random() < UNANSWERED_INFO_SHARE:
                # No answer: after a month the request is closed as withdrawn.
                heapq.heappush(queue, (moment + 30, index, 0, "withdraw"))
            else:
                heapq.heappush(queue, (moment + spec.info_wait, index, 0, "assign"))
        elif spec.path == "waitlist" and spec.waitlisted_day is None:
            spec.waitlisted_day = moment
            spec.status = RequestStatus.WAITLISTED
            heapq.heappush(queue, (moment + spec.wait, index, 1, "assign"))
        else:
            self.try_assign(spec, moment, queue, index, 0)

    def try_assign(self, spec: Spec, moment: float, queue: list[tuple[float, int, int, str]], index: int,
                   attempt: int) -> None:
        plan = self.plan(spec, moment)
        chosen = self.choose(spec, moment, plan.end)
        if chosen is not None:
            self.assign(spec, chosen, plan)
            return
        if spec.waitlisted_day is None:
            spec.waitlisted_day = moment
        spec.status = RequestStatus.WAITLISTED
        if moment - spec.waitlisted_day > GIVE_UP_WAITING_DAYS:
            if not self.anyone_for(spec):
                spec.status = RequestStatus.DECLINED
                spec.decline_reason = (
                    "No consultant who speaks the family's language and knows this setting serves the county yet; "
                    "referred to the county's family resource centre."
                )
            else:
                spec.status = RequestStatus.WITHDRAWN
            self.decide(spec, moment)
            return
        retry = self.b.rng("svc-retry", spec.key, attempt).uniform(10, 24)
        heapq.heappush(queue, (moment + retry, index, attempt + 1, "assign"))

    def decide(self, spec: Spec, moment: float) -> None:
        spec.decided_day = moment
        self.finish(spec)

    @staticmethod
    def eligible(consultant: ConsultantInfo, spec: Spec) -> bool:
        return (spec.language in consultant.languages and spec.program.county_id in consultant.counties
                and spec.expertise in consultant.expertise)

    def choose(self, spec: Spec, moment: float, end: float) -> ConsultantInfo | None:
        """The consultant a coordinator would take from matching's suggestions: among those who meet every
        hard constraint and have a free slot, continuity first, then the lightest caseload, then the home
        region, with a little of the coordinator's own judgement."""
        rng = self.b.rng("svc-match", spec.key, int(moment))
        best: tuple[float, str, ConsultantInfo] | None = None
        for consultant in self.by_county.get(spec.program.county_id, []):
            if not self.eligible(consultant, spec):
                continue
            load = consultant.load_at(moment, end)
            limit = consultant.capacity
            if consultant is self.demo_consultant and spec.priority != Priority.URGENT:
                limit -= 2  # her coordinator keeps two of her slots for urgent cases
            if load >= limit:
                continue
            cost = (0.0 if spec.program.id in consultant.programs else 3.0) + 2.0 * (load + 1) / consultant.capacity \
                + (0.0 if consultant.region_id == spec.program.region_id else 1.0) + rng.uniform(0, 1.2) \
                - (DEMO_CONSULTANT_PULL if consultant is self.demo_consultant else 0.0)
            if best is None or (cost, str(consultant.id)) < best[:2]:
                best = (cost, str(consultant.id), consultant)
        return best[2] if best else None

    def play_showcase(self, spec: Spec) -> None:
        showcase = spec.showcase
        assert showcase is not None
        spec.status = showcase.status
        spec.waitlisted_day = showcase.waitlisted_day
        if showcase.consultant is None:
            self.finish(spec)
            return
        plan = self.plan(spec, showcase.opened_day)
        self.assign(spec, showcase.consultant, plan, reserved=True)

    def assign(self, spec: Spec, consultant: ConsultantInfo, plan: Plan, *, reserved: bool = False) -> None:
        spec.status = RequestStatus.ASSIGNED
        spec.decided_day = plan.opened
        if not reserved:
            heapq.heappush(consultant.ends, plan.end)
        consultant.programs.add(spec.program.id)
        EpisodeWriter(self, spec, consultant, plan).write()
        self.finish(spec, plan=plan, consultant=consultant)

    # Episodes: the plan -----------------------------------------------------------------------------------

    def plan(self, spec: Spec, opened: float) -> Plan:
        """Everything that will happen in the episode, dated; only what falls before today is written."""
        rng = self.b.rng("svc-episode", spec.key)
        showcase = spec.showcase
        low, high, mode = WEEKS_BY_TYPE[spec.episode_type]
        weeks = round(rng.triangular(low, high, mode))
        n = max(4, min(12, round(weeks * rng.uniform(0.6, 1.0))))
        first = self.weekday_on_or_after(int(opened) + 1 + (rng.randint(0, 1) if spec.imminent else rng.randint(0, 5)))
        span = max(weeks * 7 - (first - int(opened)), (n - 1) * 3)
        days = [first]
        for k in range(1, n):
            day = first + round(k * span / (n - 1) + rng.uniform(-1.5, 1.5))
            days.append(self.weekday_on_or_after(max(day, days[-1] + 1)))
        held = n
        if rng.random() < EARLY_END_SHARE:
            held = rng.randint(1, 3)
        close = days[held - 1] + (rng.randint(10, 28) if held < n else rng.randint(0, 6))
        if showcase is not None:
            days = list(showcase.contact_days)
            n = held = len(days)
            close = showcase.close_day if showcase.close_day is not None else YEAR_DAYS + 400
            weeks = max(4, round((days[-1] - days[0]) / 7) + 1)
        consent_day = None
        if spec.episode_type == EpisodeType.CHILD_FAMILY and held >= 2:
            consent_day = days[0] + rng.randint(1, max(1, days[1] - days[0]))
        plan = Plan(opened=opened, weeks=weeks, days=days, held=held, close_day=close, consent_day=consent_day,
                    seed_key=spec.key)
        plan.end = float(close) if close < YEAR_DAYS else INFINITY
        return plan

    # Writing one request -------------------------------------------------------------------------------

    def finish(self, spec: Spec, *, plan: Plan | None = None, consultant: ConsultantInfo | None = None) -> None:
        """Write the request as it stands today (and the call it came from)."""
        self.finished += 1
        rng = self.b.rng("svc-text", spec.key)
        program = spec.program
        lang = "es" if spec.language == "es" else "en"
        role = spec.requester_role
        if role == RequesterRole.PARENT:
            name = person_name(rng, [spec.language] if spec.language != "en" else ["en"])
            email = f"{ascii_slug(name)}@families.example"
        elif role == RequesterRole.REFERRAL_PARTNER:
            name = person_name(rng, ["en", spec.language])
            email = f"{ascii_slug(name)}@partners.example"
        else:
            position = STAFF_POSITION_OF_ROLE.get(role, StaffPosition.DIRECTOR)
            names = program.staff.get(position) or [n for names in program.staff.values() for n in names]
            name = rng.choice(names) if names else person_name(rng, [spec.language])
            email = program.email or f"{ascii_slug(name)}@programs.example"
        showcase = spec.showcase
        if showcase is not None and showcase.submitted_by == self.b.users["director"].pk:
            director = self.b.users["director"]
            name, email, role = director.full_name, director.email, RequesterRole.DIRECTOR
        room = spec.room
        age_en, age_es = age_words(spec.child_age) if spec.child_age is not None else ("child", "niño")
        room_name = self.room_label(room, lang)
        concern = rng.choice(CONCERN_TEXT[lang][spec.episode_type]).format(
            age=age_en, age_es=age_es, room=room_name
        ).replace("  ", " ")
        if spec.imminent:
            concern += (" El programa está pensando en darlo de baja." if lang == "es"
                        else " The program is considering dismissing the child.")
        categories = [weighted(rng, CONCERNS_BY_TYPE[spec.episode_type])]
        if spec.imminent and ConcernCategory.BEHAVIOR not in categories:
            categories.append(ConcernCategory.BEHAVIOR)
        if rng.random() < 0.3:
            extra = weighted(rng, CONCERNS_BY_TYPE[spec.episode_type])
            if extra not in categories:
                categories.append(extra)
        request_id = self.b.uid("request", spec.key)
        submitted_at = self.at(spec.submitted)
        request = Request(
            id=request_id, network=self.network, reference=spec.reference, status=spec.status,
            priority=spec.priority, computed_priority=spec.priority, requester_name=name,
            requester_email=email, requester_phone=f"(555) 555-01{rng.randint(0, 99):02d}", requester_role=role,
            preferred_language_id=spec.language, program_id=program.id, program_name=program.name,
            license_number=program.license_number, address_line1=program.address_line1,
            address_line2=program.address_line2, city=program.city, postal_code=program.postal_code,
            county_id=program.county_id, region_id=self.county_region[program.county_id],
            setting_type=program.setting_type, auspice=program.auspice, serves_infants=program.serves[0],
            serves_toddlers=program.serves[1], serves_preschoolers=program.serves[2],
            classroom_size=room[2] if room and spec.episode_type != EpisodeType.PROGRAMMATIC else None,
            concern_categories=categories, concern_text=concern,
            child_specific=spec.episode_type == EpisodeType.CHILD_FAMILY, child_age_months=spec.child_age,
            imminent_risk=spec.imminent, availability=rng.choice(AVAILABILITY[lang]),
            submitted_by_id=showcase.submitted_by if showcase else None, submitted_at=submitted_at,
        )
        if spec.info_day is not None:
            request.info_requested_at = self.at(spec.info_day)
            request.info_request_message = rng.choice(INFO_MESSAGES)
        if spec.waitlisted_day is not None:
            request.waitlisted_at = self.at(spec.waitlisted_day)
        if spec.status == RequestStatus.DECLINED:
            assert spec.decided_day is not None
            request.declined_at = self.at(spec.decided_day)
            request.decline_reason = spec.decline_reason
        if plan is not None and consultant is not None:
            request.consultant_id = consultant.id
            request.assigned_at = self.at(plan.opened)
            request.assigned_by_id = self.coordinator_of.get(self.county_region[program.county_id])
            if plan.days[0] < YEAR_DAYS:
                request.first_contact_at = self.at(plan.days[0], plan.first_minute)
        self.rows.requests.append(request)
        self.rows.request_languages.extend(
            Request.languages.through(request_id=request_id, language_id=code) for code in program.languages
        )
        if spec.from_call:
            self.rows.briefs.append(self.call_before(spec, request, rng))

    def room_label(self, room: tuple[uuid.UUID, str, int] | None, lang: str) -> str:
        if room is None:
            return "" if lang == "es" else "main"
        group = room[1]
        if lang == "es":
            return ROOM_WORDS_ES.get(group, "")
        return ROOM_WORDS_EN.get(
            group, "home")

    def call_before(self, spec: Spec, request: Request, rng: random.Random) -> BriefContact:
        """The helpline call the request came from: same caller, county and concern, an hour or two earlier."""
        county = spec.program.county_id
        speakers = [c for c in self.by_county.get(county, []) if spec.language in c.languages]
        taker = rng.choice(speakers) if speakers else None
        region_id = self.county_region[county]
        logged_by = taker.user_id if taker else self.coordinator_of.get(region_id) or self.b.users["admin"].pk
        topic = request.concern_categories[0] if request.concern_categories[0] in BriefTopic.values else \
            BriefTopic.OTHER
        return BriefContact(
            id=self.b.uid("brief-call", spec.key), network=self.network, region_id=region_id,
            consultant_id=taker.id if taker else None, kind=BriefKind.HELPLINE_CALL,
            occurred_at=request.submitted_at - timedelta(minutes=rng.randint(30, 180)),
            caller_role=request.requester_role, setting_type=spec.program.setting_type, county_id=county,
            topic=topic, minutes=rng.randint(10, 30), language_id=spec.language, outcome=BriefOutcome.REQUEST_CREATED,
            child_specific=request.child_specific, imminent_risk=request.imminent_risk,
            caller_name=request.requester_name, caller_phone=request.requester_phone,
            caller_email=request.requester_email, program_name=spec.program.name,
            notes="Caller asked for ongoing help; took the details for a request.", request_id=request.pk,
            logged_by_id=logged_by,
        )

    # Groups ------------------------------------------------------------------------------------------

    def load_groups(self) -> None:
        today = self.today
        by_region_setting: dict[tuple[uuid.UUID, str], list[ProgramInfo]] = defaultdict(list)
        for each in self.programs:
            by_region_setting[(each.region_id, each.setting_type)].append(each)
        groups, members, sessions, attendance = [], [], [], []
        for g in range(self.scale.groups):
            rng = self.b.rng("svc-group", g)
            facilitator = self.demo_consultant if g == 0 else rng.choice(self.consultants)
            kind = weighted(rng, GROUP_KIND_WEIGHTS)
            audience = weighted(rng, GROUP_AUDIENCES[kind])
            lang = "es" if "es" in facilitator.languages and rng.random() < 0.4 else "en"
            starts = today - timedelta(days=rng.randint(40, 540))
            ends = None
            if kind == GroupKind.TRAINING_SERIES:
                ends = starts + timedelta(days=270)  # nine monthly sessions
            elif rng.random() < 0.25:
                ends = starts + timedelta(days=rng.randint(150, 365))
            region_name = next(r.name for r in self.b.regions.values() if r.pk == facilitator.region_id)
            audience_words = AUDIENCE_WORDS[lang][audience]
            name = " ".join(part for part in (GROUP_NAMES[lang][kind], audience_words, f"({region_name})") if part)
            group_id = self.b.uid("group", g)
            others = [c for c in self.consultants if c.region_id == facilitator.region_id and c is not facilitator]
            co = rng.choice(others) if others and rng.random() < 0.3 else None
            minutes = 120 if kind == GroupKind.TRAINING_SERIES else rng.choice((60, 90, 90))
            modality = Modality.VIDEO if rng.random() < 0.6 else Modality.ON_SITE
            schedule = self.group_schedule(g, kind, lang, modality)
            groups.append(Group(
                id=group_id, network=self.network, region_id=facilitator.region_id, name=name[:200], kind=kind,
                audience=audience, language_id=lang, facilitator_id=facilitator.id,
                co_facilitator_id=co.id if co else None, schedule=schedule, starts_on=starts, ends_on=ends,
                is_active=ends is None or ends >= today,
            ))
            roles, settings_from = AUDIENCE_MEMBER[audience]
            pool = [p for s in settings_from for p in by_region_setting.get((facilitator.region_id, s), [])]
            step = 14 if kind == GroupKind.REFLECTIVE_GROUP else 28
            dates: list[date] = []
            day = starts
            last = min(ends or today, today - timedelta(days=1))
            while day <= last:
                dates.append(day)
                # Monthly groups skip a week now and then (holidays); reflective groups keep their fortnight.
                day += timedelta(days=step if step == 14 else step + rng.choice((0, 0, 7)))
            group_members = []
            for m in range(rng.randint(6, 14)):
                program: ProgramInfo | None = rng.choice(pool) if pool else None
                left_on = None
                if len(dates) > 3 and rng.random() < 0.12:
                    left_on = rng.choice(dates[2:])
                member = GroupMember(
                    id=self.b.uid("group-member", f"{g}/{m}"), group_id=group_id,
                    name=person_name(rng, [lang]), role=rng.choice(roles), program_id=program.id if program else None,
                    left_on=left_on,
                )
                group_members.append((member, rng.uniform(0.55, 0.95)))
                members.append(member)
            topic_weights = TOPICS_BY_TYPE[EpisodeType.CLASSROOM]
            for s, when in enumerate(dates):
                session_id = self.b.uid("group-session", f"{g}/{s}")
                topics = sorted({weighted(rng, topic_weights) for _ in range(rng.randint(1, 2))})
                sessions.append(GroupSession(
                    id=session_id, group_id=group_id, date=when, minutes=minutes, modality=modality, topics=topics,
                    guests=rng.randint(0, 3) if kind == GroupKind.COMMUNITY_OF_SUPPORT else 0,
                    notes=rng.choice(SESSION_NOTES), logged_by_id=facilitator.user_id,
                ))
                for member, rate in group_members:
                    if member.left_on is None or member.left_on > when:
                        attendance.append(Attendance(
                            id=self.b.uid("attendance", f"{session_id}/{member.pk}"), session_id=session_id,
                            member_id=member.pk, present=rng.random() < rate,
                        ))
            if len(attendance) > 5000:
                self.write_groups(groups, members, sessions, attendance)
                groups, members, sessions, attendance = [], [], [], []
        self.write_groups(groups, members, sessions, attendance)

    @staticmethod
    def group_schedule(g: int, kind: str, lang: str, modality: str) -> str:
        words: dict[str, dict[str, str]] = {"en": {Modality.VIDEO: "video", Modality.ON_SITE: "in person"},
                                            "es": {Modality.VIDEO: "por video", Modality.ON_SITE: "en persona"}}
        how = words[lang][modality]
        if lang == "es":
            weekday = ("martes", "miércoles", "jueves")[g % 3]
            cadence = f"Cada dos semanas, los {weekday}" if kind == GroupKind.REFLECTIVE_GROUP else \
                f"Un {weekday} al mes"
        else:
            weekday = ("Tuesday", "Wednesday", "Thursday")[g % 3]
            cadence = f"Every other {weekday}" if kind == GroupKind.REFLECTIVE_GROUP else f"One {weekday} a month"
        return f"{cadence}, 6:00-7:30 pm, {how}"

    def write_groups(self, groups: list[Group], members: list[GroupMember], sessions: list[GroupSession],
                     attendance: list[Attendance]) -> None:
        self.b.write(Group, groups, "groups")
        self.b.write(GroupMember, members, "group members")
        self.b.write(GroupSession, sessions, "group sessions")
        self.b.write(Attendance, attendance, "attendance records")

    # Helpline calls and drop-ins ------------------------------------------------------------------------

    def load_brief_contacts(self) -> None:
        pool, cumulative = self.program_pools[EpisodeType.CHILD_FAMILY]
        for j in range(self.scale.brief_contacts):
            rng = self.b.rng("svc-brief", j)
            program = rng.choices(pool, cum_weights=cumulative)[0]
            drop_in = rng.random() < 0.2
            day = self.weekday_on_or_after(rng.randrange(YEAR_DAYS))
            if day >= YEAR_DAYS:
                day = YEAR_DAYS - 3
            minute = rng.randint(8 * 60, 17 * 60 + 30)
            language = self.language(rng, program, parent=False)
            county = program.county_id
            speakers = [c for c in self.by_county.get(county, []) if language in c.languages]
            taker = rng.choice(speakers) if speakers and rng.random() < 0.7 else None
            region_id = self.county_region[county]
            logged_by = taker.user_id if taker else self.coordinator_of.get(region_id) or self.b.users["admin"].pk
            child_specific = rng.random() < 0.35
            outcome = weighted(rng, BRIEF_OUTCOME_WEIGHTS)
            wants_more = outcome in (BriefOutcome.FOLLOW_UP_NEEDED, BriefOutcome.REFERRED)
            caller = person_name(rng, [language]) if wants_more else ""
            self.rows.briefs.append(BriefContact(
                id=self.b.uid("brief", j), network=self.network, region_id=region_id,
                consultant_id=taker.id if taker else None,
                kind=BriefKind.DROP_IN if drop_in else BriefKind.HELPLINE_CALL, occurred_at=self.at(day, minute),
                caller_role=self.requester_role(rng, program, EpisodeType.CHILD_FAMILY if child_specific
                                                else EpisodeType.CLASSROOM),
                setting_type=program.setting_type if rng.random() < 0.85 else "", county_id=county,
                topic=weighted(rng, BRIEF_TOPIC_WEIGHTS),
                minutes=rng.randint(20, 60) if drop_in else rng.randint(8, 35), language_id=language, outcome=outcome,
                child_specific=child_specific, imminent_risk=child_specific and rng.random() < 0.08,
                caller_name=caller, caller_phone=f"(555) 555-01{rng.randint(0, 99):02d}" if caller else "",
                program_name=program.name if wants_more else "", notes=rng.choice(BRIEF_NOTES),
                logged_by_id=logged_by,
            ))
            if len(self.rows.briefs) >= self.scale.flush_every:
                self.flush()

    # Writing ------------------------------------------------------------------------------------------

    def flush(self) -> None:
        rows = self.rows
        for attribute, label in ROW_ORDER:
            batch = getattr(rows, attribute)
            if batch:
                model = type(batch[0])
                self.b.write(model, batch, label)
                batch.clear()


@dataclass(slots=True)
class Plan:
    opened: float
    weeks: int
    days: list[int]  # every planned contact, including those after today
    held: int  # how many contacts happen before the episode ends (fewer than planned when it stops early)
    close_day: int
    consent_day: int | None
    seed_key: str
    end: float = INFINITY  # when the episode stops counting against the caseload
    first_minute: int = 9 * 60


class EpisodeWriter:
    """Turns one plan into the episode's rows, cut at today, with the events the services would have left."""

    def __init__(self, loop: ServiceLoop, spec: Spec, consultant: ConsultantInfo, plan: Plan) -> None:
        self.loop = loop
        self.b = loop.b
        self.spec = spec
        self.consultant = consultant
        self.plan = plan
        self.rng = self.b.rng("svc-episode-rows", spec.key)
        self.episode_id = self.b.uid("episode", spec.key)
        self.events: list[EpisodeEvent] = []
        self.goals: list[Goal] = []
        self.consent_name = ""
        self.actor = consultant.user_id
        self.lang = "es" if spec.language == "es" else "en"

    def uid(self, kind: str, n: object = 0) -> uuid.UUID:
        return self.b.uid(kind, f"{self.spec.key}/{n}")

    def event(self, day: float, minute: int, kind: str, actor: uuid.UUID | None = None, **data: Any) -> None:
        if day >= YEAR_DAYS:
            return
        self.events.append(EpisodeEvent(
            id=self.uid("event", len(self.events)), episode_id=self.episode_id, occurred_at=self.loop.at(day, minute),
            kind=kind, actor_id=actor or self.actor, data=data,
        ))

    def write(self) -> None:
        loop, spec, plan, rng = self.loop, self.spec, self.plan, self.rng
        rows = loop.rows
        today = YEAR_DAYS
        child = spec.episode_type == EpisodeType.CHILD_FAMILY
        days, held = plan.days, plan.held
        n = len(days)
        showcase = spec.showcase
        opened_at = loop.at(plan.opened)
        coordinator = loop.coordinator_of.get(loop.county_region[spec.program.county_id])
        self.event(plan.opened, loop.office_minute(plan.opened), EventKind.OPENED, coordinator or self.actor,
                   episode_type=spec.episode_type, consultant=self.consultant.name)

        # Phases: the day each one begins (consent and agreement after the intake call; the plan at the
        # third or fourth contact; review at the last), cut where the episode stopped.
        p = 2 if n <= 5 else 3
        milestones: list[tuple[int, int, str]] = []  # (day, minute, phase)
        phase_contact: dict[str, int] = {}
        if child:
            phase_contact[Phase.CONSENT] = 0
        else:
            phase_contact[Phase.AGREEMENT] = 0
        phase_contact[Phase.OBSERVATION] = 1
        phase_contact[Phase.ACTION_PLAN] = p
        phase_contact[Phase.IMPLEMENTATION] = p
        phase_contact[Phase.REVIEW] = n - 1
        closing = plan.close_day < today and (showcase is None or showcase.close_day is not None)
        reached = held if closing else n

        # Contacts.
        contact_rows: list[Contact] = []
        contact_minutes: list[tuple[int, int]] = []  # (day, minute the contact ended) for events after it
        participants_staff = self.staff_roles()
        consent_given = plan.consent_day if child and plan.consent_day is not None and held >= 2 else None
        for k in range(reached):
            day = days[k]
            if day >= today:
                break
            role = "intake" if k == 0 else "entry" if k == 1 else "plan" if k == p else \
                "review" if k == n - 1 else "observe" if k < p else "support"
            modality, activity = self.contact_kind(role, consent_ok=not child or (
                consent_given is not None and consent_given <= day))
            minutes = rng.choice((60, 60, 60, 75, 75, 90, 90, 70, 80, 90))
            in_classroom = 0
            if activity in CLASSROOM_ACTIVITIES:
                in_classroom = 5 * round(minutes * rng.uniform(0.5, 0.8) / 5)
            # Visits in the morning, when children are there; calls and video across the working day.
            on_site = modality == Modality.ON_SITE
            start = 8 * 60 + 30 * rng.randint(0, 10) if on_site else 9 * 60 + 30 * rng.randint(0, 14)
            if k == 0:
                plan.first_minute = start
            language = spec.language if rng.random() < 0.93 else "en"
            topics = sorted({weighted(rng, TOPICS_BY_TYPE[spec.episode_type]) for _ in range(rng.randint(1, 3))})
            contact_rows.append(Contact(
                id=self.uid("contact", k), episode_id=self.episode_id, contact_date=loop.date(day), minutes=minutes,
                minutes_in_classroom=in_classroom, modality=modality, activity_type=activity,
                participants=self.participants(activity, participants_staff), topics=topics, language_id=language,
                notes=self.note(activity, language), logged_by_id=self.actor,
            ))
            ended = start + minutes + 10
            contact_minutes.append((day, ended))
            self.event(day, ended, EventKind.CONTACT, date=loop.date(day).isoformat(), minutes=minutes,
                       modality=modality, activity=activity)
        rows.contacts.extend(contact_rows)
        held_before_today = len(contact_rows)

        def after_contact(k: int, extra: int) -> tuple[int, int]:
            day, ended = contact_minutes[k] if k < len(contact_minutes) else (days[k], 17 * 60)
            return day, min(1430, ended + extra)

        # Consent and the phases around it.
        phase: str = Phase.INTAKE
        walk = [Phase.CONSENT, Phase.AGREEMENT, Phase.OBSERVATION, Phase.ACTION_PLAN, Phase.IMPLEMENTATION,
                Phase.REVIEW] if child else [Phase.AGREEMENT, Phase.OBSERVATION, Phase.ACTION_PLAN,
                                             Phase.IMPLEMENTATION, Phase.REVIEW]
        for target in walk:
            if target == Phase.AGREEMENT and child:
                if consent_given is None or consent_given >= today:
                    break
                consent_minute = 7 * 60 + 45 if consent_given == days[1] else 16 * 60
                self.consent(consent_given, consent_minute)
                day, minute = consent_given, consent_minute + 5
            else:
                k = phase_contact[target]
                if k >= held_before_today or (not closing and k >= reached):
                    break
                if target == Phase.REVIEW and k == 0:
                    break
                extra = {Phase.ACTION_PLAN: 20, Phase.IMPLEMENTATION: 45, Phase.OBSERVATION: 15}.get(target, 5)
                day, minute = after_contact(k, extra)
                if target == Phase.REVIEW and held < n:
                    break
            if target == Phase.OBSERVATION:
                self.agreement(days[1], after_contact(1, 5)[1])
            if target == Phase.ACTION_PLAN:
                self.action_plan(days[p], after_contact(p, 25)[1], child, days)
            milestones.append((day, minute, target))
            self.event(day, minute, EventKind.PHASE, previous=phase, phase=target)
            phase = target

        if child and held_before_today >= 2 and rng.random() < REFERRAL_SHARE:
            self.referral(days, held_before_today)

        # Goals are rated at review; the plan exists once the action-plan phase was reached.
        closed_at = None
        followup_phase = None
        reason: str
        if closing:
            success = held == n and rng.random() < 0.95
            if held == n:
                reason = ClosureReason.GOALS_MET if rng.random() < 0.6 else ClosureReason.AGREED_END
            elif child:
                reason = weighted(rng, {ClosureReason.FAMILY_ENDED: 30, ClosureReason.CHILD_LEFT: 25,
                                        ClosureReason.NO_RESPONSE: 25, ClosureReason.PROGRAM_ENDED: 10,
                                        ClosureReason.REFERRED_OUT: 10})
                success = reason == ClosureReason.REFERRED_OUT and rng.random() < 0.5
            else:
                reason = weighted(rng, {ClosureReason.NO_RESPONSE: 45, ClosureReason.PROGRAM_ENDED: 45,
                                        ClosureReason.OTHER: 10})
            maintained: bool | None = None
            if child:
                chance = (0.94 if success else 0.72) - (0.05 if spec.imminent else 0.0)
                maintained = reason != ClosureReason.CHILD_LEFT and rng.random() < chance
            self.rate_goals(success, held == n)
            close_minute = 15 * 60 + 30 * rng.randint(0, 4)
            closed_at = loop.at(plan.close_day, close_minute)
            rows.closures.append(Closure(
                id=self.uid("closure"), episode_id=self.episode_id, reason=reason, closed_successfully=success,
                maintained_in_setting=maintained, closed_at=closed_at, closed_by_id=self.actor,
            ))
            due = loop.date(plan.close_day) + timedelta(days=FOLLOW_UP_AFTER_DAYS)
            self.event(plan.close_day, close_minute, EventKind.CLOSED, previous=phase, reason=reason,
                       successful=success, maintained=maintained, followup_due=due.isoformat())
            phase = Phase.CLOSED
            followup_phase = self.followup(due, success, maintained, showcase)
            if followup_phase:
                phase = followup_phase
        elif held == n and days[-1] < today:
            self.rate_goals(True, True)  # reviewed, closing in the next few days

        rows.episodes.append(Episode(
            id=self.episode_id, network_id=loop.network.pk, request_id=loop.b.uid("request", spec.key),
            program_id=spec.program.id, classroom_id=self.classroom_id(), child_code=self.child_code(),
            episode_type=spec.episode_type, phase=phase, consultant_id=self.consultant.id,
            language_id=spec.language, opened_at=opened_at, closed_at=closed_at,
        ))
        rows.events.extend(self.events)

    # Pieces --------------------------------------------------------------------------------------------

    def classroom_id(self) -> uuid.UUID | None:
        spec = self.spec
        if spec.episode_type == EpisodeType.PROGRAMMATIC or spec.room is None:
            return None
        return spec.room[0]

    def child_code(self) -> str:
        if self.spec.episode_type != EpisodeType.CHILD_FAMILY:
            return ""
        initials = "".join(word[0] for word in self.spec.program.name.split()[:2] if word[:1].isalpha()).upper()
        return f"{initials or 'C'}-{self.rng.randint(1000, 9999)}"

    def staff_roles(self) -> list[str]:
        setting = self.spec.program.setting_type
        if setting in FCC_SETTINGS:
            return [ParticipantRole.FCC_PROVIDER]
        if setting == SettingType.FFN:
            return [ParticipantRole.FAMILY]
        if setting == SettingType.HOME_VISITING:
            return [ParticipantRole.OTHER_STAFF]
        roles: list[str] = [ParticipantRole.TEACHER]
        if self.rng.random() < 0.4:
            roles.append(ParticipantRole.ASSISTANT_TEACHER)
        return roles

    def participants(self, activity: str, staff: list[str]) -> list[str]:
        child = self.spec.episode_type == EpisodeType.CHILD_FAMILY
        if activity in CLASSROOM_ACTIVITIES:
            return [*staff, ParticipantRole.CHILD] if child else list(staff)
        if activity == ActivityType.FAMILY_MEETING:
            return [ParticipantRole.FAMILY, *([staff[0]] if self.rng.random() < 0.4 else [])]
        if activity == ActivityType.DIRECTOR_MEETING:
            return [ParticipantRole.DIRECTOR]
        if activity == ActivityType.COORDINATION:
            return [ParticipantRole.FAMILY if child else ParticipantRole.DIRECTOR, ParticipantRole.OTHER_PROFESSIONAL]
        if activity in (ActivityType.REFLECTIVE_SESSION, ActivityType.TRAINING):
            return [*staff, ParticipantRole.OTHER_STAFF] if ParticipantRole.TEACHER in staff else list(staff)
        joins = self.spec.program.setting_type in CENTRE_SETTINGS and self.rng.random() < 0.2
        return [*staff, ParticipantRole.DIRECTOR] if joins else list(staff)

    def contact_kind(self, role: str, *, consent_ok: bool) -> tuple[str, str]:
        rng, kind = self.rng, self.spec.episode_type
        meetings: dict[str, str] = {
            EpisodeType.CHILD_FAMILY: ActivityType.FAMILY_MEETING if self.spec.requester_role == RequesterRole.PARENT
            else ActivityType.TEACHER_MEETING,
            EpisodeType.CLASSROOM: ActivityType.TEACHER_MEETING,
            EpisodeType.PROGRAMMATIC: ActivityType.DIRECTOR_MEETING,
            EpisodeType.FFN_HOME: ActivityType.FAMILY_MEETING,
        }
        meeting = meetings[kind]
        if role == "intake":
            return (Modality.PHONE if rng.random() < 0.55 else Modality.VIDEO), meeting
        if role == "entry":
            if kind == EpisodeType.PROGRAMMATIC or not consent_ok:
                return weighted(rng, MEETING_MODALITY), meeting
            return Modality.ON_SITE, ActivityType.OBSERVATION
        if role == "observe":
            if kind == EpisodeType.PROGRAMMATIC:
                return Modality.ON_SITE, rng.choice((ActivityType.OBSERVATION, ActivityType.DIRECTOR_MEETING))
            return Modality.ON_SITE, ActivityType.OBSERVATION
        if role in ("plan", "review"):
            if kind == EpisodeType.CHILD_FAMILY and rng.random() < 0.4:
                meeting = ActivityType.FAMILY_MEETING
            return (Modality.ON_SITE if rng.random() < 0.55 else Modality.VIDEO), meeting
        activity = weighted(rng, IMPLEMENTATION_ACTIVITIES[kind])
        if activity in CLASSROOM_ACTIVITIES:
            return Modality.ON_SITE, activity
        if activity == ActivityType.COORDINATION:
            return (Modality.PHONE if rng.random() < 0.6 else Modality.EMAIL), activity
        if activity in (ActivityType.TRAINING, ActivityType.REFLECTIVE_SESSION):
            return (Modality.ON_SITE if rng.random() < 0.55 else Modality.VIDEO), activity
        return weighted(rng, MEETING_MODALITY), activity

    def note(self, activity: str, language: str) -> str:
        lang = "es" if language == "es" and self.rng.random() < 0.6 else "en"
        template = self.rng.choice(NOTE_TEMPLATES[lang][NOTE_KIND[activity]])
        return template.format(routine=self.rng.choice(ROUTINES[lang]), strategy=self.rng.choice(STRATEGIES[lang]))

    def consent(self, day: int, minute: int) -> None:
        rng = self.rng
        relationship = weighted(rng, {ConsentRelationship.PARENT: 86, ConsentRelationship.GUARDIAN: 5,
                                      ConsentRelationship.FOSTER_PARENT: 5, ConsentRelationship.CAREGIVER: 4})
        given = self.loop.date(day)
        expires = given + timedelta(days=365)
        self.consent_name = person_name(rng, [self.spec.language])
        self.loop.rows.consents.append(Consent(
            id=self.uid("consent"), episode_id=self.episode_id, given_by_name=self.consent_name,
            relationship=relationship, given_on=given, scope=CONSENT_SCOPE, expires_on=expires,
            recorded_by_id=self.actor,
        ))
        self.event(day, minute, EventKind.CONSENT, expires_on=expires.isoformat(), with_form=False)

    def agreement(self, day: int, minute: int) -> None:
        rng = self.rng
        weekday = self.loop.date(day).strftime("%A")
        schedule = f"{weekday} {'mornings' if rng.random() < 0.7 else 'afternoons'}, " \
                   f"{rng.choice((60, 75, 90))} minutes, {'weekly' if rng.random() < 0.75 else 'every other week'}"
        self.loop.rows.agreements.append(Agreement(
            id=self.uid("agreement"), episode_id=self.episode_id, scope=AGREEMENT_SCOPE[self.spec.episode_type],
            expected_duration_weeks=self.plan.weeks, schedule=schedule, agreed_on=self.loop.date(day),
            recorded_by_id=self.actor,
        ))
        self.event(day, minute, EventKind.AGREEMENT, weeks=self.plan.weeks, revised=False)

    def action_plan(self, day: int, minute: int, child: bool, days: list[int]) -> None:
        rng = self.rng
        plan_id = self.uid("action-plan")
        self.loop.rows.plans.append(ActionPlan(id=plan_id, episode_id=self.episode_id, created_by_id=self.actor))
        count = weighted(rng, {"1": 15, "2": 35, "3": 35, "4": 15})
        templates = list(GOALS[self.spec.episode_type])
        chosen = rng.sample(templates, k=min(int(count), len(templates)))
        if child:
            chosen.sort(key=lambda goal: not goal[3])  # the child's goal first
        showcase = self.spec.showcase
        for g, (description, strategies, owner, for_child) in enumerate(chosen):
            target_day = days[-1] + rng.randint(-7, 3)
            if showcase is not None and showcase.goal_target_day is not None and g == 0:
                target_day = showcase.goal_target_day
            goal = Goal(
                id=self.uid("goal", g), plan_id=plan_id, description=description, strategies=strategies, owner=owner,
                target_date=self.loop.date(max(target_day, day + 7)) if showcase is None or g else
                self.loop.date(target_day), for_child=for_child and child,
            )
            self.event(day, minute + g, EventKind.GOAL_ADDED, goal=str(goal.pk))
            if goal.for_child:
                signed = day + rng.randint(0, 6)
                if signed < YEAR_DAYS:
                    goal.family_signoff_name = self.consent_name or person_name(rng, [self.spec.language])
                    goal.family_signoff_on = self.loop.date(signed)
                    self.event(signed, 17 * 60 + g, EventKind.GOAL_SIGNED, goal=str(goal.pk))
            self.goals.append(goal)
        self.loop.rows.goals.extend(self.goals)

    def rate_goals(self, success: bool, reached_review: bool) -> None:
        """Goals are rated at the review contact (the last); an episode that stopped early rates them at
        closure about half the time, as not met or partly met."""
        goals = self.goals
        if not goals:
            return
        plan = self.plan
        if reached_review:
            day = plan.days[plan.held - 1]
            if day >= YEAR_DAYS:
                return
            weights = {1: 8, 2: 32, 3: 60} if success else {1: 45, 2: 40, 3: 15}
        else:
            day = plan.close_day
            if day >= YEAR_DAYS or self.rng.random() < 0.5:
                return
            weights = {1: 55, 2: 40, 3: 5}
        for g, goal in enumerate(goals):
            rating = self.rng.choices(list(weights), weights=list(weights.values()))[0]
            goal.attainment = rating
            goal.rated_at = self.loop.at(day, 16 * 60 + g)
            self.event(day, 16 * 60 + g, EventKind.GOAL_RATED, goal=str(goal.pk), attainment=rating)

    def referral(self, days: list[int], held_before_today: int) -> None:
        rng = self.rng
        k = rng.randint(1, held_before_today - 1)
        day = days[k]
        child_age = self.spec.child_age or 36
        weights = dict(REFERRAL_WEIGHTS)
        weights.pop(ServiceType.SPECIAL_EDUCATION if child_age < 36 else ServiceType.EARLY_INTERVENTION)
        service = weighted(rng, weights)
        status = ReferralStatus.SUGGESTED if rng.random() < 0.5 else ReferralStatus.MADE
        steps = [(day, status)]
        if status == ReferralStatus.SUGGESTED:
            steps.append((day + rng.randint(2, 10), ReferralStatus.MADE))
        if rng.random() < 0.12:
            steps.append((steps[-1][0] + rng.randint(7, 30), ReferralStatus.DECLINED))
        else:
            steps.append((steps[-1][0] + rng.randint(10, 35), ReferralStatus.ACCEPTED))
            steps.append((steps[-1][0] + rng.randint(25, 90), ReferralStatus.COMPLETED))
        steps = [step for step in steps if step[0] < YEAR_DAYS]
        current_day, current = steps[-1]
        referral_id = self.uid("referral")
        self.loop.rows.referrals.append(Referral(
            id=referral_id, episode_id=self.episode_id, service_type=service, service_detail=REFERRAL_DETAIL[service],
            status=current, status_on=self.loop.date(current_day), outcome=REFERRAL_OUTCOMES.get(current, ""),
            recorded_by_id=self.actor,
        ))
        previous = None
        for when, state in steps:
            if previous is None:
                self.event(when, 17 * 60 + 15, EventKind.REFERRAL, service=service, status=state)
            else:
                self.event(when, 11 * 60, EventKind.REFERRAL_UPDATED, service=service, status=state, previous=previous)
            previous = state

    def followup(self, due: date, success: bool, maintained: bool | None, showcase: Showcase | None) -> str | None:
        """The check a month after closure; returns FOLLOWED_UP when it was done."""
        rng = self.rng
        due_day = (due - self.loop.start).days
        # The demo consultant keeps up with hers (her page shows only the one the showcase left due).
        diligent = self.consultant is self.loop.demo_consultant
        done_day = due_day + (rng.randint(-3, 0) if diligent else rng.randint(-3, 12))
        done = done_day < YEAR_DAYS and (diligent or rng.random() < 0.88) and (
            showcase is None or showcase.followup_done)
        # The reminder job runs each morning; it only reminds about follow-ups still open on their due day.
        reminded = due_day < YEAR_DAYS and not (done and done_day < due_day)
        followup = FollowUp(
            id=self.uid("followup"), episode_id=self.episode_id, due_on=due,
            reminder_sent_at=self.loop.at(due_day, 7 * 60) if reminded else None,
        )
        if done:
            gains = rng.random() < (0.88 if success else 0.4)
            still = None if maintained is None else (rng.random() < 0.95 if maintained else rng.random() < 0.05)
            minute = 10 * 60 + 30 * rng.randint(0, 12)
            followup.completed_at = self.loop.at(done_day, minute)
            followup.completed_by_id = self.actor
            followup.gains_maintained = gains
            followup.maintained_in_setting = still
            followup.notes = ("Called the teacher: the routines are still in place." if gains else
                              "Spoke with the director: things slipped after a staff change; offered the helpline.")
            self.event(done_day, minute, EventKind.FOLLOWUP, gains=gains, maintained=still)
        self.loop.rows.followups.append(followup)
        return Phase.FOLLOWED_UP if done else None
