"""The Behavior Incident Reporting System (BIRS) vocabulary, and what an incident means for exclusion.

Programs already keep incidents in BIRS, so Abrazo records the same six fields with the same
options (DOMAIN.md §5) and derives in-school suspension, out-of-school suspension and dismissal
exactly as BIRS does, so that our figures reconcile with theirs. Each option has a short stable
code (stored, used in APIs and files) and the BIRS wording as its English label; imports accept
either, in English or Spanish, ignoring case, accents and spacing around slashes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class ProblemBehavior(models.TextChoices):
    DESTROYING_OBJECTS = "destroying_objects", _("Breaking/Destroying objects or items")
    DISRUPTION = "disruption", _("Disruption/Tantrums")
    HURTING_SELF = "hurting_self", _("Hurting self")
    INAPPROPRIATE_LANGUAGE = "inappropriate_language", _("Inappropriate language")
    INCONSOLABLE_CRYING = "inconsolable_crying", _("Inconsolable crying")
    NON_COMPLIANCE = "non_compliance", _("Non-compliance")
    OTHER = "other", _("Other")
    PHYSICAL_AGGRESSION = "physical_aggression", _("Physical aggression")
    REPETITIVE = "repetitive", _("Repetitive behavior")
    RUNNING_AWAY = "running_away", _("Running away")
    WITHDRAWAL = "withdrawal", _("Social withdrawal/Isolation")
    TROUBLE_SLEEPING = "trouble_sleeping", _("Trouble falling asleep")
    UNSAFE = "unsafe", _("Unsafe behaviors")
    VERBAL_AGGRESSION = "verbal_aggression", _("Verbal aggression")


class Activity(models.TextChoices):
    ARRIVAL = "arrival", _("Arrival")
    CENTERS = "centers", _("Centers/Indoor play")
    CIRCLE = "circle", _("Circle/Large group activity")
    CLEAN_UP = "clean_up", _("Clean-up")
    DEPARTURE = "departure", _("Departure")
    DIAPERING = "diapering", _("Diapering")
    FIELD_TRIP = "field_trip", _("Field trip")
    INDIVIDUAL = "individual", _("Individual activity")
    MEALS = "meals", _("Meals")
    OTHER = "other", _("Other")
    OUTDOOR = "outdoor", _("Outdoor play")
    NAP = "nap", _("Quiet time/Nap")
    SELF_CARE = "self_care", _("Self-care/Bathroom")
    SMALL_GROUP = "small_group", _("Small group activity")
    SPECIAL = "special", _("Special activity")
    THERAPY = "therapy", _("Therapy")
    TRANSITION = "transition", _("Transition")
    TRANSPORTATION = "transportation", _("Transportation")


class OthersInvolved(models.TextChoices):
    ASSISTANT_TEACHER = "assistant_teacher", _("Assistant Teacher")
    VOLUNTEER = "volunteer", _("Classroom volunteer")
    FAMILY = "family", _("Family Member")
    KITCHEN = "kitchen", _("Kitchen staff")
    NONE = "none", _("None")
    OTHER = "other", _("Other")
    PEERS = "peers", _("Peers")
    SUBSTITUTE = "substitute", _("Substitute")
    SUPPORT_STAFF = "support_staff", _("Support/Administrative staff")
    TEACHER = "teacher", _("Teacher")
    THERAPIST = "therapist", _("Therapist")
    DRIVER = "driver", _("Transportation driver")


class PossibleMotivation(models.TextChoices):
    AVOID_ADULTS = "avoid_adults", _("Avoid adults")
    AVOID_PEERS = "avoid_peers", _("Avoid peers")
    AVOID_SENSORY = "avoid_sensory", _("Avoid sensory")
    AVOID_TASK = "avoid_task", _("Avoid task")
    DONT_KNOW = "dont_know", _("Don't know")
    ADULT_ATTENTION = "adult_attention", _("Gain adult attention/Comfort")
    PEER_ATTENTION = "peer_attention", _("Gain peer attention")
    OBTAIN_ACTIVITY = "obtain_activity", _("Obtain desired activity")
    OBTAIN_ITEM = "obtain_item", _("Obtain desired item")
    OBTAIN_SENSORY = "obtain_sensory", _("Obtain sensory")
    OTHER = "other", _("Other")


class StrategyResponse(models.TextChoices):
    CURRICULUM_MODIFICATION = "curriculum_modification", _("Curriculum modification")
    LOSS_OF_ACTIVITY = "loss_of_activity", _("Loss of activity")
    MOVE_WITHIN_GROUP = "move_within_group", _("Move within group")
    OTHER = "other", _("Other")
    PHYSICAL_GUIDANCE = "physical_guidance", _("Physical guidance")
    PHYSICAL_HOLD = "physical_hold", _("Physical hold/Restrain")
    PHYSICAL_COMFORT = "physical_comfort", _("Provide physical comfort")
    REDIRECT = "redirect", _("Redirect to different activity/toy")
    REMOVE_FROM_ACTIVITY = "remove_from_activity", _("Remove from activity")
    REMOVE_FROM_AREA = "remove_from_area", _("Remove from area")
    REMOVE_ITEM = "remove_item", _("Remove item")
    RETEACH = "reteach", _("Re-teach/Practice expected behavior")
    TEACHER_CONTACTS_FAMILY = "teacher_contacts_family", _("Teacher contact family")
    TIME_OUTSIDE_CLASSROOM = "time_outside_classroom", _(
        "Time in a different classroom or adult outside of classroom"
    )
    TIME_OUT = "time_out", _("Time out")
    TIME_WITH_TEACHER = "time_with_teacher", _("Time with a teacher")
    VERBAL_REMINDER = "verbal_reminder", _("Verbal reminder")


class AdminFollowUp(models.TextChoices):
    BEHAVIORAL_CONSULTATION = "behavioral_consultation", _("Arrange behavioral consultation/team")
    CONDITIONAL_ENROLLMENT = "conditional_enrollment", _("Conditional enrollment")
    CONTACT_FAMILY = "contact_family", _("Contact family")
    DISMISSAL = "dismissal", _("Dismissal from program")
    FAMILY_MEETING = "family_meeting", _("Family meeting")
    NOT_APPLICABLE = "not_applicable", _("Not Applicable")
    OTHER = "other", _("Other")
    REDUCE_HOURS = "reduce_hours", _("Reduce hours in program")
    SENT_HOME_DAYS = "sent_home_days", _("Sent home for 1 or more days")
    SENT_HOME_REST_OF_DAY = "sent_home_rest_of_day", _("Sent home for remainder of day")
    TALK_WITH_CHILD = "talk_with_child", _("Talk with child")
    TARGETED_GROUP = "targeted_group", _("Targeted group intervention")
    TEMPORARY_REMOVAL = "temporary_removal", _("Temporary removal from classroom")
    TRANSFER = "transfer", _("Transfer to another program")


# The incident file's columns, in BIRS order, and the vocabulary each one takes.
FIELDS: dict[str, type[models.TextChoices]] = {
    "problem_behavior": ProblemBehavior,
    "activity": Activity,
    "others_involved": OthersInvolved,
    "possible_motivation": PossibleMotivation,
    "strategy_response": StrategyResponse,
    "admin_follow_up": AdminFollowUp,
}


class Outcome(models.TextChoices):
    """What an equity analysis counts. `exclusion` is any of ISS, OSS or dismissal."""

    INCIDENT = "incident", _("Any incident")
    ISS = "iss", _("In-school suspension")
    OSS = "oss", _("Out-of-school suspension (sent home)")
    DISMISSAL = "dismissal", _("Dismissal (expulsion)")
    EXCLUSION = "exclusion", _("Any exclusion (suspension or dismissal)")


def is_iss(strategy_response: str, admin_follow_up: str) -> bool:
    return (
        strategy_response == StrategyResponse.TIME_OUTSIDE_CLASSROOM
        or admin_follow_up == AdminFollowUp.TEMPORARY_REMOVAL
    )


def is_oss(admin_follow_up: str) -> bool:
    return admin_follow_up in (AdminFollowUp.SENT_HOME_DAYS, AdminFollowUp.SENT_HOME_REST_OF_DAY)


def is_dismissal(admin_follow_up: str) -> bool:
    return admin_follow_up == AdminFollowUp.DISMISSAL


def outcomes_of(strategy_response: str, admin_follow_up: str) -> frozenset[str]:
    """Every outcome an incident with this response and follow-up counts towards."""
    found = {Outcome.INCIDENT.value}
    if is_iss(strategy_response, admin_follow_up):
        found.add(Outcome.ISS.value)
    if is_oss(admin_follow_up):
        found.add(Outcome.OSS.value)
    if is_dismissal(admin_follow_up):
        found.add(Outcome.DISMISSAL.value)
    if len(found) > 1:
        found.add(Outcome.EXCLUSION.value)
    return frozenset(found)


def normalise_label(text: str) -> str:
    """Fold case, accents, curly apostrophes and spacing so that 'Disruption / tantrums' matches."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = plain.replace(" /", "/").replace("/ ", "/")
    return " ".join(plain.split())


def _lookup_table(choices: type[models.TextChoices], languages: Iterable[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in zip(choices.values, choices.labels, strict=True):
        table[normalise_label(code)] = code
        for language in languages:
            with translation.override(language):
                table.setdefault(normalise_label(str(label)), code)
    return table


_TABLES: dict[str, dict[str, str]] = {}


def parse_option(field: str, raw: str) -> str | None:
    """The code for a BIRS label or Abrazo code in `field`, or None when it is not one of the options."""
    table = _TABLES.get(field)
    if table is None:
        table = _TABLES[field] = _lookup_table(FIELDS[field], ("en", "es"))
    return table.get(normalise_label(raw))
