"""Consultation episodes: one consultant working with one program (and, for case work, one child).

An episode carries its consent, agreement, contacts, action plan, referrals, closure and follow-up.
Its phase only moves forward (services in services.py decide when), and every step leaves an
EpisodeEvent, from which the episode page draws its timeline.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from abrazo.core.crypto import EncryptedTextField
from abrazo.core.models import BaseModel, VersionedModel
from abrazo.core.uploads import refuse_malware_signature
from abrazo.directory.models import SettingType
from abrazo.intake.models import RequesterRole


class EpisodeType(models.TextChoices):
    CHILD_FAMILY = "child_family", _("Child/family-focused")
    CLASSROOM = "classroom", pgettext_lazy("episode type", "Classroom")
    PROGRAMMATIC = "programmatic", _("Programmatic")
    FFN_HOME = "ffn_home", _("Family, friend and neighbor / home-based")
    GROUP_REFLECTIVE = "group_reflective", _("Group / reflective")


class Phase(models.TextChoices):
    INTAKE = "intake", _("Intake")
    CONSENT = "consent", _("Consent")
    AGREEMENT = "agreement", _("Entry and agreement")
    OBSERVATION = "observation", _("Observation and assessment")
    ACTION_PLAN = "action_plan", _("Action plan")
    IMPLEMENTATION = "implementation", _("Implementation support")
    REVIEW = "review", _("Review")
    CLOSED = "closed", _("Closed")
    FOLLOWED_UP = "followed_up", _("Followed up")


PHASE_ORDER: list[str] = list(Phase.values)
# Only closure and the follow-up move an episode into these; an "open" episode is in none of them.
FINISHED_PHASES = frozenset({Phase.CLOSED, Phase.FOLLOWED_UP})
OPEN_PHASES: list[str] = [phase for phase in PHASE_ORDER if phase not in FINISHED_PHASES]


def phases_for(episode_type: str) -> list[str]:
    """The phases an episode of this type walks through. Consent is a phase of case work only."""
    if episode_type == EpisodeType.CHILD_FAMILY:
        return PHASE_ORDER
    return [phase for phase in PHASE_ORDER if phase != Phase.CONSENT]


class EpisodeQuerySet(models.QuerySet["Episode"]):
    def visible_to(self, user: Any, permission: str = "episode.view") -> EpisodeQuerySet:
        from abrazo.accounts import access

        return access.visible(user, permission, self)  # type: ignore[return-value]

    def open(self) -> EpisodeQuerySet:
        return self.exclude(phase__in=FINISHED_PHASES)


class Episode(VersionedModel):
    """One consultation episode. `version` guards the phase against two simultaneous moves."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="episodes")
    # The request that led to the episode; episodes opened directly by a coordinator have none.
    request = models.OneToOneField(
        "intake.Request", null=True, blank=True, on_delete=models.PROTECT, related_name="episode"
    )
    program = models.ForeignKey(
        "directory.Program", on_delete=models.PROTECT, related_name="episodes", verbose_name=_("program")
    )
    classroom = models.ForeignKey(
        "directory.Classroom", null=True, blank=True, on_delete=models.SET_NULL, related_name="episodes",
        verbose_name=_("classroom"),
    )
    child_code = models.CharField(
        _("child code"), max_length=40, blank=True,
        help_text=_("The code the program uses for the child; never the child's name."),
    )
    episode_type = models.CharField(_("type"), max_length=20, choices=EpisodeType.choices)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.INTAKE)
    consultant = models.ForeignKey(
        "directory.ConsultantProfile", on_delete=models.PROTECT, related_name="episodes",
        verbose_name=_("consultant"),
    )
    language = models.ForeignKey(
        "directory.Language", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("language"), help_text=_("The language the consultation is held in."),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "id"]
        indexes = [
            models.Index(fields=["consultant", "phase"], name="episode_consultant_phase"),
            models.Index(fields=["program", "-opened_at"], name="episode_program_opened"),
            models.Index(fields=["network", "phase"], name="episode_network_phase"),
        ]

    def __str__(self) -> str:
        label = f"{self.get_episode_type_display()} · {self.program}"
        return f"{label} · {self.child_code}" if self.child_code else label

    def get_absolute_url(self) -> str:
        return reverse("consultations:episode-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.phase not in FINISHED_PHASES

    @property
    def is_child_specific(self) -> bool:
        return self.episode_type == EpisodeType.CHILD_FAMILY

    @property
    def phases(self) -> list[str]:
        return phases_for(self.episode_type)

    def next_phase(self) -> str | None:
        """The phase an explicit "advance" moves to; closing and following up have their own steps."""
        walk = self.phases
        if self.phase not in walk:
            return None
        index = walk.index(self.phase)
        following = walk[index + 1] if index + 1 < len(walk) else None
        return following if following not in FINISHED_PHASES else None


class EventKind(models.TextChoices):
    OPENED = "opened", _("Episode opened")
    PHASE = "phase", _("Phase changed")
    CONSENT = "consent", _("Consent recorded")
    CONSENT_REVOKED = "consent_revoked", _("Consent revoked")
    CONSENT_EXCEPTION = "consent_exception", _("Consent exception recorded")
    AGREEMENT = "agreement", _("Agreement recorded")
    CONTACT = "contact", _("Contact logged")
    GOAL_ADDED = "goal_added", _("Goal added")
    GOAL_RATED = "goal_rated", _("Goal rated")
    GOAL_SIGNED = "goal_signed", _("Family signed off a goal")
    REFERRAL = "referral", _("Referral added")
    REFERRAL_UPDATED = "referral_updated", _("Referral updated")
    CLOSED = "closed", _("Episode closed")
    FOLLOWUP = "followup", _("Follow-up recorded")
    REASSIGNED = "reassigned", _("Consultant changed")


# Events about consent, contacts and referrals describe clinical work about a child or family:
# only people holding "episode.notes" see them on the timeline.
RESTRICTED_EVENTS = frozenset({
    EventKind.CONSENT, EventKind.CONSENT_REVOKED, EventKind.CONSENT_EXCEPTION, EventKind.CONTACT,
    EventKind.REFERRAL, EventKind.REFERRAL_UPDATED,
})


class EpisodeEvent(BaseModel):
    """One line of the episode's timeline. `data` holds small facts (phases, minutes), never note text."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("what"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "created_at"]
        indexes = [models.Index(fields=["episode", "occurred_at"], name="episodeevent_episode_when")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def restricted(self) -> bool:
        return self.kind in RESTRICTED_EVENTS

    @property
    def summary(self) -> str:
        """One translated line for the timeline, built from the stored facts (never from note text)."""
        data: dict[str, Any] = self.data or {}

        def label(choices: Any, key: str) -> str:
            return str(dict(choices).get(data.get(key), ""))

        yes_no: dict[Any, Any] = {True: _("yes"), False: _("no"), None: _("does not apply")}
        if self.kind == EventKind.PHASE:
            return str(_("From “%(previous)s” to “%(phase)s”") % {
                "previous": label(Phase.choices, "previous"), "phase": label(Phase.choices, "phase")})
        if self.kind == EventKind.CONTACT:
            return str(_("%(minutes)s minutes · %(modality)s · %(activity)s") % {
                "minutes": data.get("minutes", ""), "modality": label(Modality.choices, "modality"),
                "activity": label(ActivityType.choices, "activity")})
        if self.kind in (EventKind.REFERRAL, EventKind.REFERRAL_UPDATED):
            return str(_("%(service)s: %(status)s") % {
                "service": label(ServiceType.choices, "service"), "status": label(ReferralStatus.choices, "status")})
        if self.kind == EventKind.GOAL_RATED:
            return label(Attainment.choices, "attainment")
        if self.kind == EventKind.AGREEMENT:
            return str(_("Expected duration: %(weeks)s weeks") % {"weeks": data.get("weeks", "")})
        if self.kind == EventKind.OPENED:
            return str(_("%(type)s, assigned to %(consultant)s") % {
                "type": label(EpisodeType.choices, "episode_type"), "consultant": data.get("consultant", "")})
        if self.kind == EventKind.CLOSED:
            return str(_("%(reason)s · closed successfully: %(successful)s · child maintained: %(maintained)s")
                       % {"reason": label(ClosureReason.choices, "reason"),
                          "successful": yes_no.get(data.get("successful")),
                          "maintained": yes_no.get(data.get("maintained"))})
        if self.kind == EventKind.FOLLOWUP:
            return str(_("Gains maintained: %(gains)s · child still in the setting: %(maintained)s") % {
                "gains": yes_no.get(data.get("gains")), "maintained": yes_no.get(data.get("maintained"))})
        return ""


class ConsentRelationship(models.TextChoices):
    PARENT = "parent", _("Parent")
    GUARDIAN = "guardian", _("Legal guardian")
    FOSTER_PARENT = "foster_parent", _("Foster parent")
    CAREGIVER = "caregiver", _("Relative caregiver with authority to consent")
    OTHER = "other", _("Other")


@deconstructible
class ConsentFormStorage(FileSystemStorage):
    """Signed consent forms live in MEDIA_ROOT/consent and have no URL: the only way to read one is
    the authorised, audited download view. `url()` refuses so a template cannot leak a link."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def base_location(self) -> str:  # read on each use so that tests can point MEDIA_ROOT elsewhere
        return os.path.join(settings.MEDIA_ROOT, "consent")

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Consent forms have no public URL; use the consent download view")

    def _save(self, name: str, content: Any) -> str:
        # The last step before the disk, whichever door the form came through (page or API): a file carrying a
        # malware signature is refused here, so it is never written (core.uploads).
        refuse_malware_signature(content)
        return super()._save(name, content)


def consent_form_path(instance: Consent, filename: str) -> str:
    """A random name: the stored path reveals neither the child, the family nor the episode."""
    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"{uuid.uuid4().hex}{extension}"


class Consent(BaseModel):
    """Written permission from a parent or guardian to observe and discuss one child."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="consents")
    given_by_name = models.CharField(_("given by"), max_length=200)
    relationship = models.CharField(_("relationship to the child"), max_length=20, choices=ConsentRelationship.choices)
    given_on = models.DateField(_("date given"))
    scope = models.TextField(
        _("scope"), help_text=_("What the family agreed to: observation, talking with teachers, sharing with...")
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    form = models.FileField(
        _("signed form"), storage=ConsentFormStorage(), upload_to=consent_form_path, blank=True, max_length=200
    )
    form_original_name = models.CharField(max_length=200, blank=True)
    form_content_type = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        ordering = ["-given_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.given_by_name} ({self.given_on})"

    def is_valid_on(self, day: date) -> bool:
        if self.revoked_at is not None or self.given_on > day:
            return False
        return self.expires_on is None or self.expires_on >= day

    @property
    def is_valid(self) -> bool:
        return self.is_valid_on(timezone.localdate())


class ConsentException(BaseModel):
    """A supervisor's decision to let child-specific work proceed before consent is on file."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="consent_exceptions")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)

    class Meta:
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.supervisor} {self.granted_at:%Y-%m-%d}"


class Agreement(VersionedModel):
    """Entry and agreement: what the consultation will cover, for how long, when."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="agreement")
    scope = models.TextField(_("scope"))
    expected_duration_weeks = models.PositiveSmallIntegerField(_("expected duration (weeks)"))
    schedule = models.CharField(_("schedule"), max_length=300, help_text=_("e.g. Tuesday mornings, 90 minutes"))
    agreed_on = models.DateField(_("agreed on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-agreed_on"]

    def __str__(self) -> str:
        return str(self.episode)


class Modality(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")


class ActivityType(models.TextChoices):
    OBSERVATION = "observation", _("Classroom observation")
    MODELLING = "modelling", _("Modelling in the classroom")
    TEACHER_MEETING = "teacher_meeting", _("Meeting with teacher(s)")
    FAMILY_MEETING = "family_meeting", _("Meeting with family")
    DIRECTOR_MEETING = "director_meeting", _("Meeting with director")
    REFLECTIVE_SESSION = "reflective_session", _("Reflective group session")
    TRAINING = "training", _("Training for staff")
    COORDINATION = "coordination", _("Care coordination")


# Time spent in the classroom (observing, modelling) predicts different outcomes from time spent meeting
# with adults, so the two are reported apart: these activities count as classroom time.
CLASSROOM_ACTIVITIES = frozenset({ActivityType.OBSERVATION, ActivityType.MODELLING})


class ParticipantRole(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    ASSISTANT_TEACHER = "assistant_teacher", _("Assistant teacher")
    DIRECTOR = "director", _("Director")
    FCC_PROVIDER = "fcc_provider", _("Family child care provider")
    FAMILY = "family", _("Family member")
    CHILD = "child", _("Child (observed)")
    OTHER_STAFF = "other_staff", _("Other staff")
    OTHER_PROFESSIONAL = "other_professional", _("Other professional")


class Topic(models.TextChoices):
    RELATIONSHIPS = "relationships", _("Relationships and attachment")
    SOCIAL_EMOTIONAL = "social_emotional", _("Social-emotional teaching")
    CHALLENGING_BEHAVIOR = "challenging_behavior", _("Understanding challenging behavior")
    ROUTINES_TRANSITIONS = "routines_transitions", _("Routines and transitions")
    ENVIRONMENT = "environment", _("Classroom environment")
    FAMILY_PARTNERSHIP = "family_partnership", _("Partnering with families")
    STAFF_WELLNESS = "staff_wellness", _("Staff wellness and stress")
    REFLECTIVE_PRACTICE = "reflective_practice", _("Reflective practice")
    DEVELOPMENT = "development", _("Child development")
    TRAUMA_INFORMED = "trauma_informed", _("Trauma-informed care")
    CULTURE_EQUITY = "culture_equity", _("Culture, language and equity")
    POLICY = "policy", _("Suspension/expulsion and other policies")
    REFERRAL_SUPPORT = "referral_support", _("Referral and resources")


class Contact(BaseModel):
    """One visit, call or message. `minutes_in_classroom` is the part of `minutes` spent observing or
    modelling; the rest is meeting time."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="contacts")
    contact_date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    minutes_in_classroom = models.PositiveSmallIntegerField(_("of which in the classroom"), default=0)
    modality = models.CharField(_("how"), max_length=12, choices=Modality.choices, default=Modality.ON_SITE)
    activity_type = models.CharField(_("activity"), max_length=24, choices=ActivityType.choices)
    participants = models.JSONField(_("who took part"), default=list, blank=True)
    topics = models.JSONField(_("topics and strategies"), default=list, blank=True)
    language = models.ForeignKey(
        "directory.Language", on_delete=models.PROTECT, related_name="+", verbose_name=_("language used")
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-contact_date", "-created_at"]
        indexes = [models.Index(fields=["episode", "-contact_date"], name="contact_episode_date")]
        constraints = [
            models.CheckConstraint(
                name="contact_classroom_within_minutes",
                condition=models.Q(minutes_in_classroom__lte=models.F("minutes")),
            ),
            models.CheckConstraint(name="contact_minutes_positive", condition=models.Q(minutes__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.contact_date} · {self.get_activity_type_display()} · {self.minutes}'"

    @property
    def minutes_meeting(self) -> int:
        return self.minutes - self.minutes_in_classroom

    @property
    def participants_display(self) -> list[str]:
        labels = dict(ParticipantRole.choices)
        return [str(labels.get(code, code)) for code in self.participants]

    @property
    def topics_display(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(code, code)) for code in self.topics]


class ActionPlan(VersionedModel):
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="action_plan")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.episode)


class Attainment(models.IntegerChoices):
    NOT_MET = 1, _("1 · Not met")
    PARTIALLY_MET = 2, _("2 · Partially met")
    FULLY_MET = 3, _("3 · Fully met")


class Goal(VersionedModel):
    """A specific, measurable goal; `for_child` goals need the family's sign-off."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.TextField(_("goal"))
    strategies = models.TextField(_("strategies"), blank=True)
    owner = models.CharField(_("who does what"), max_length=200, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    for_child = models.BooleanField(_("goal for the child"), default=False)
    attainment = models.PositiveSmallIntegerField(_("attainment"), choices=Attainment.choices, null=True, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    family_signoff_name = models.CharField(_("family member who signed off"), max_length=200, blank=True)
    family_signoff_on = models.DateField(_("family sign-off date"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="goal_attainment_1_to_3",
                condition=models.Q(attainment__isnull=True) | models.Q(attainment__gte=1, attainment__lte=3),
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def needs_family_signoff(self) -> bool:
        return self.for_child and self.family_signoff_on is None


class ServiceType(models.TextChoices):
    EARLY_INTERVENTION = "early_intervention", _("Early intervention (Part C)")
    SPECIAL_EDUCATION = "special_education", _("Special education evaluation (IDEA Part B)")
    CHILD_MENTAL_HEALTH = "child_mental_health", _("Child mental health services")
    PEDIATRICIAN = "pediatrician", _("Pediatrician / primary care")
    FAMILY_SUPPORT = "family_support", _("Family support services")
    OTHER = "other", _("Other service")


class ReferralStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    MADE = "made", _("Referral made")
    ACCEPTED = "accepted", _("Accepted by the service")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


class Referral(VersionedModel):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="referrals")
    service_type = models.CharField(_("service"), max_length=24, choices=ServiceType.choices)
    service_detail = models.CharField(_("service or agency"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SUGGESTED
    )
    status_on = models.DateField(_("status date"), default=timezone.localdate)
    outcome = models.TextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_service_type_display()} ({self.get_status_display()})"


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    AGREED_END = "agreed_end", _("Agreed time ended")
    PROGRAM_ENDED = "program_ended", _("Program ended the consultation")
    FAMILY_ENDED = "family_ended", _("Family ended the consultation")
    CHILD_LEFT = "child_left", _("Child left the program")
    REFERRED_OUT = "referred_out", _("Referred to another service")
    NO_RESPONSE = "no_response", _("No response from the program")
    OTHER = "other", _("Other")


class Closure(BaseModel):
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="closure")
    reason = models.CharField(_("reason"), max_length=20, choices=ClosureReason.choices)
    closed_successfully = models.BooleanField(_("closed successfully"))
    # Only meaningful when a child is at the centre of the work; None otherwise.
    maintained_in_setting = models.BooleanField(_("child maintained in the setting"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"{self.episode} · {self.get_reason_display()}"


FOLLOW_UP_AFTER_DAYS = 30


class FollowUp(BaseModel):
    """The check about a month after closure: are the gains holding, is the child still in the setting?"""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="followup")
    due_on = models.DateField(_("due"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    gains_maintained = models.BooleanField(_("gains maintained"), null=True, blank=True)
    maintained_in_setting = models.BooleanField(_("child still in the setting"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    # Set when the reminder is handed to the mail queue, so a second run of the reminder job skips it.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on"]
        indexes = [models.Index(fields=["due_on"], name="followup_due_pending", condition=models.Q(completed_at=None))]

    def __str__(self) -> str:
        return f"{self.episode} · {self.due_on}"

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


# --- Groups: communities of support, reflective groups, training series (the targeted tier) ---------


class GroupKind(models.TextChoices):
    COMMUNITY_OF_SUPPORT = "community_of_support", _("Community of support")
    REFLECTIVE_GROUP = "reflective_group", _("Reflective group")
    TRAINING_SERIES = "training_series", _("Training series")


class GroupAudience(models.TextChoices):
    TEACHERS = "teachers", _("Teachers")
    FCC_PROVIDERS = "fcc_providers", _("Family child care providers")
    FFN_CAREGIVERS = "ffn_caregivers", _("Family, friend and neighbor caregivers")
    HOME_VISITORS = "home_visitors", _("Home visitors")
    DIRECTORS = "directors", _("Directors and administrators")
    MIXED = "mixed", _("Mixed")


class GroupQuerySet(models.QuerySet["Group"]):
    def visible_to(self, user: Any, permission: str = "group.view") -> GroupQuerySet:
        from abrazo.accounts import access

        return access.visible(user, permission, self)  # type: ignore[return-value]


class Group(VersionedModel):
    """A recurring group a consultant facilitates. Its `region` places it in coordinators' scope; its
    `facilitator` in the consultant's and their supervisor's."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="consultation_groups")
    region = models.ForeignKey(
        "directory.Region", on_delete=models.PROTECT, related_name="consultation_groups", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind of group"), max_length=24, choices=GroupKind.choices)
    audience = models.CharField(_("who it is for"), max_length=20, choices=GroupAudience.choices)
    language = models.ForeignKey(
        "directory.Language", on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    facilitator = models.ForeignKey(
        "directory.ConsultantProfile", on_delete=models.PROTECT, related_name="groups_led",
        verbose_name=_("facilitator"),
    )
    co_facilitator = models.ForeignKey(
        "directory.ConsultantProfile", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="groups_co_led", verbose_name=_("co-facilitator"),
    )
    schedule = models.CharField(
        _("schedule"), max_length=300, blank=True, help_text=_("e.g. second Tuesday of the month, 6-7:30 pm, video")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["network", "region"], name="group_network_region"),
            models.Index(fields=["facilitator", "is_active"], name="group_facilitator_active"),
        ]
        constraints = [
            models.CheckConstraint(
                name="group_ends_after_start",
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("consultations:group-detail", args=[self.pk])


class MemberRole(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    ASSISTANT_TEACHER = "assistant_teacher", _("Assistant teacher")
    DIRECTOR = "director", _("Director or administrator")
    FCC_PROVIDER = "fcc_provider", _("Family child care provider")
    FFN_CAREGIVER = "ffn_caregiver", _("Family, friend or neighbor caregiver")
    HOME_VISITOR = "home_visitor", _("Home visitor")
    OTHER = "other", _("Other")


class GroupMember(BaseModel):
    """One person enrolled in a group. Removing a member stamps `left_on` instead of deleting, so their past
    attendance still counts in reach."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices)
    program = models.ForeignKey(
        "directory.Program", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("program"),
    )
    email = models.EmailField(_("email"), blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class GroupSession(BaseModel):
    """One meeting of a group. `guests` counts people who came without being members (open sessions)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    modality = models.CharField(_("how"), max_length=12, choices=Modality.choices, default=Modality.VIDEO)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    guests = models.PositiveSmallIntegerField(_("guests (not members)"), default=0)
    notes = EncryptedTextField(_("notes"), blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["group", "-date"], name="groupsession_group_date")]
        constraints = [models.CheckConstraint(name="groupsession_minutes_positive", condition=models.Q(minutes__gt=0))]

    def __str__(self) -> str:
        return f"{self.group} · {self.date}"

    @property
    def topics_display(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(code, code)) for code in self.topics]


class Attendance(BaseModel):
    """Whether one member came to one session; every member current on the session's date has a row."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("present"), default=False)

    class Meta:
        ordering = ["member__name", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_once_per_session")]

    def __str__(self) -> str:
        return f"{self.member} · {self.session.date} · {'+' if self.present else '-'}"


# --- Brief consultation: helpline calls and drop-in sessions (the universal tier) ---------------------


class BriefKind(models.TextChoices):
    HELPLINE_CALL = "helpline_call", _("Helpline call")
    DROP_IN = "drop_in", _("Drop-in (open door) session")


class BriefTopic(models.TextChoices):
    # The codes shared with intake's ConcernCategory carry over when a call becomes a request.
    BEHAVIOR = "behavior", _("Challenging behavior")
    SOCIAL_EMOTIONAL = "social_emotional", _("Social and emotional development")
    SEPARATION = "separation", _("Separation, attachment or adjusting to care")
    DEVELOPMENT = "development", _("Development, speech or learning")
    TRAUMA = "trauma", _("Trauma, loss or a difficult family situation")
    CLASSROOM = "classroom", _("Classroom climate, routines or transitions")
    STAFF_WELLBEING = "staff_wellbeing", _("Staff stress and wellbeing")
    POLICY = "policy", _("Program policies (suspension, expulsion)")
    RESOURCES = "resources", _("Finding resources or services")
    ABOUT_CONSULTATION = "about_consultation", _("How consultation works")
    OTHER = "other", _("Something else")


class BriefOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved on the call")
    RESOURCES_SENT = "resources_sent", _("Resources sent")
    REFERRED = "referred", _("Referred to another service")
    REQUEST_CREATED = "request_created", _("Turned into a request for consultation")
    FOLLOW_UP_NEEDED = "follow_up_needed", _("Follow-up needed")


class BriefContactQuerySet(models.QuerySet["BriefContact"]):
    def visible_to(self, user: Any, permission: str = "brief.view") -> BriefContactQuerySet:
        from abrazo.accounts import access

        return access.visible(user, permission, self)  # type: ignore[return-value]


class BriefContact(BaseModel):
    """One helpline call or drop-in conversation. `region` comes from the county, which places the call in
    coordinators' scope; `consultant` is the consultant who took it (empty when a coordinator did)."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="brief_contacts")
    region = models.ForeignKey(
        "directory.Region", on_delete=models.PROTECT, related_name="brief_contacts", verbose_name=_("region")
    )
    consultant = models.ForeignKey(
        "directory.ConsultantProfile", null=True, blank=True, on_delete=models.PROTECT,
        related_name="brief_contacts", verbose_name=_("consultant"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BriefKind.choices, default=BriefKind.HELPLINE_CALL)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    caller_role = models.CharField(_("who called"), max_length=20, choices=RequesterRole.choices)
    setting_type = models.CharField(_("setting"), max_length=32, choices=SettingType.choices, blank=True)
    county = models.ForeignKey("directory.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    topic = models.CharField(_("topic"), max_length=24, choices=BriefTopic.choices)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    language = models.ForeignKey(
        "directory.Language", on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=BriefOutcome.choices)
    child_specific = models.BooleanField(_("about one child"), default=False)
    imminent_risk = models.BooleanField(_("a child is at imminent risk of suspension or expulsion"), default=False)
    # Optional: only asked when the caller may want more help, so that the call can become a request.
    caller_name = models.CharField(_("caller's name"), max_length=200, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=40, blank=True)
    caller_email = models.EmailField(_("caller's email"), blank=True)
    program_name = models.CharField(_("program name"), max_length=200, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    request = models.OneToOneField(
        "intake.Request", null=True, blank=True, on_delete=models.PROTECT, related_name="brief_contact",
        verbose_name=_("request"),
    )
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = BriefContactQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "id"]
        indexes = [
            models.Index(fields=["network", "-occurred_at"], name="brief_network_when"),
            models.Index(fields=["region", "-occurred_at"], name="brief_region_when"),
            models.Index(fields=["consultant", "-occurred_at"], name="brief_consultant_when"),
        ]
        constraints = [models.CheckConstraint(name="brief_minutes_positive", condition=models.Q(minutes__gt=0))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("consultations:brief-detail", args=[self.pk])
