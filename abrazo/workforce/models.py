"""Workforce: how a network grows its consultants (issue 6, DOMAIN.md §9).

- Training cohorts take applications from the public, enrol the accepted applicants as participants, meet in
  sessions (attendance gives continuing-education hours), set assignments and certify completion.
- A configurable competency framework; consultants rate themselves and supervisors rate them, over time.
- Reflective supervision logs count toward endorsement hour thresholds once the supervisor signs them off.
- Feedback from the field: satisfaction answers are measures administrations (the shipped satisfaction and
  training-feedback instruments); a FeedbackRequest says which training or group one belongs to, and staff
  curate consenting comments into anonymous "voices from the field" for the public site.

Applicants' demographics live on Application only, which only reviewers may open; reports read them as
suppressed aggregates.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel, VersionedModel
from abrazo.directory.models import LicenseType
from abrazo.incidents.models import RaceEthnicity


class WorkforceSettings(VersionedModel):
    """Per-network thresholds. Endorsement levels differ by state; 24 and 50 hours are the common ones."""

    network = models.OneToOneField("directory.Network", on_delete=models.CASCADE, related_name="workforce_settings")
    endorsement_hours_first = models.DecimalField(
        _("supervision hours for the first endorsement level"), max_digits=6, decimal_places=2, default=Decimal(24)
    )
    endorsement_hours_second = models.DecimalField(
        _("supervision hours for the second endorsement level"), max_digits=6, decimal_places=2, default=Decimal(50)
    )
    # Which kinds of supervision count toward endorsement (codes of SupervisionKind).
    countable_kinds = models.JSONField(_("kinds of supervision that count"), default=list, blank=True)
    completion_attendance_share = models.DecimalField(
        _("share of session hours a participant must attend to complete"), max_digits=3, decimal_places=2,
        default=Decimal("0.80"), validators=[MinValueValidator(0), MaxValueValidator(1)],
    )

    class Meta:
        ordering = ["network"]
        verbose_name_plural = _("workforce settings")


# --- cohorts and applications ---------------------------------------------------------------------------


class CohortStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RECRUITING = "recruiting", _("Taking applications")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Cohort(VersionedModel):
    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="cohorts")
    # A cohort may serve one region or the whole network (region empty).
    region = models.ForeignKey(
        "directory.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="cohorts",
        verbose_name=_("region"),
    )
    name = models.CharField(_("name"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CohortStatus.choices, default=CohortStatus.PLANNED)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    applications_close_on = models.DateField(_("applications close on"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"), default=25)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("cohort lead"),
    )

    class Meta:
        ordering = ["-starts_on", "name"]
        indexes = [models.Index(fields=["network", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="cohort_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workforce:cohort-detail", args=[self.pk])


class LanguageGroup(models.TextChoices):
    """How DOMAIN.md §9 reports a cohort's languages."""

    ENGLISH_ONLY = "english_only", _("English only")
    BILINGUAL_SPANISH = "bilingual_spanish", _("Bilingual Spanish")
    OTHER_MULTILINGUAL = "other_multilingual", _("Other multilingual")
    NOT_REPORTED = "not_reported", _("Not reported")


class ApplicantGender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NONBINARY = "nonbinary", _("Non-binary")
    SELF_DESCRIBED = "self_described", _("I describe myself another way")
    NOT_REPORTED = "not_reported", _("Prefer not to say")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("Waitlisted")
    DECLINED = "declined", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(VersionedModel):
    """Someone from the public asking to join a cohort. No account is needed to apply."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="applications", verbose_name=_("cohort"))
    # Contact
    given_name = models.CharField(_("first name"), max_length=100)
    family_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, default="en")
    county = models.ForeignKey(
        "directory.County", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    region = models.ForeignKey(
        "directory.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    # Background
    current_role = models.CharField(_("current job or role"), max_length=200, blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    degree = models.CharField(_("highest degree"), max_length=200, blank=True)
    license_type = models.CharField(
        _("license"), max_length=20, choices=LicenseType.choices, default=LicenseType.NONE
    )
    license_eligible = models.BooleanField(_("registered associate working toward licensure"), default=False)
    years_experience_early_childhood = models.PositiveSmallIntegerField(
        _("years working with young children or their families"), null=True, blank=True
    )
    background = models.TextField(_("experience"), blank=True)
    motivation = models.TextField(_("why you want to join"))
    # Languages spoken well enough to consult in; empty means not reported.
    languages = models.ManyToManyField("directory.Language", blank=True, related_name="+", verbose_name=_("languages"))
    other_languages = models.CharField(_("other languages"), max_length=200, blank=True)
    # Demographics: every question optional; blank is stored as not reported.
    race_ethnicity = models.CharField(
        _("race/ethnicity"), max_length=40, choices=RaceEthnicity.choices, default=RaceEthnicity.NOT_REPORTED
    )
    gender = models.CharField(
        _("gender"), max_length=20, choices=ApplicantGender.choices, default=ApplicantGender.NOT_REPORTED
    )
    gender_self_described = models.CharField(_("gender, in your words"), max_length=100, blank=True)
    lived_experience = models.TextField(_("anything else about you or your community you want us to know"), blank=True)
    # Review
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    review_score = models.PositiveSmallIntegerField(
        _("review score"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    review_notes = models.TextField(_("review notes"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("reviewer"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_emailed_at = models.DateTimeField(null=True, blank=True)
    submission_token = models.CharField(max_length=64, blank=True)  # double-submit guard for the public form

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["network", "cohort", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "submission_token"], condition=~models.Q(submission_token=""),
                name="application_single_submit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def get_absolute_url(self) -> str:
        return reverse("workforce:application-detail", args=[self.pk])


class ParticipantStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Participant(VersionedModel):
    """A person enrolled in a cohort: from an accepted application, or added by staff (an existing consultant)."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="participants")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="participant"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="cohort_participations"
    )
    full_name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    preferred_language = models.CharField(_("preferred language"), max_length=8, default="en")
    status = models.CharField(
        _("status"), max_length=16, choices=ParticipantStatus.choices, default=ParticipantStatus.ENROLLED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    # Hash of the secret in the certificate's public verification link (the secret itself is never stored).
    certificate_token_hash = models.CharField(max_length=64, blank=True)
    # Where the graduate works now: as a consultant in this network (profile), or elsewhere.
    consultant_profile = models.ForeignKey(
        "directory.ConsultantProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("consultant in this network"),
    )
    current_employer = models.CharField(_("current employer"), max_length=200, blank=True)
    works_in_iecmhc = models.BooleanField(_("works as a mental health consultant"), null=True, blank=True)
    counties_served = models.ManyToManyField(
        "directory.County", blank=True, related_name="+", verbose_name=_("counties served now")
    )
    languages = models.ManyToManyField("directory.Language", blank=True, related_name="+", verbose_name=_("languages"))

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["network", "cohort", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "email"], name="participant_once_per_cohort"),
            # "ABZ-2026-0001" names one graduate of the network; numbers are allocated under a lock, this is
            # the backstop.
            models.UniqueConstraint(
                fields=["network", "certificate_number"], condition=~models.Q(certificate_number=""),
                name="certificate_number_once_per_network",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("workforce:participant-detail", args=[self.pk])


class SessionModality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    HYBRID = "hybrid", _("Hybrid")


class CohortSession(VersionedModel):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("continuing-education hours"), max_digits=4, decimal_places=2, default=Decimal(3),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(24))],
    )
    modality = models.CharField(
        _("modality"), max_length=12, choices=SessionModality.choices, default=SessionModality.VIDEO
    )
    location = models.CharField(_("place or link"), max_length=300, blank=True)

    class Meta:
        ordering = ["cohort", "number"]
        constraints = [models.UniqueConstraint(fields=["cohort", "number"], name="session_number_once")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    PARTIAL = "partial", _("Part of the session")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


class Attendance(BaseModel):
    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    # Hours credited; for "present" the session's hours, for "partial" what was attended, otherwise zero.
    hours = models.DecimalField(_("hours credited"), max_digits=4, decimal_places=2, default=Decimal(0))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["session", "participant"]
        constraints = [models.UniqueConstraint(fields=["session", "participant"], name="attendance_once")]


class Assignment(VersionedModel):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    required_for_completion = models.BooleanField(_("required to complete the cohort"), default=True)

    class Meta:
        ordering = ["cohort", "due_on", "title"]

    def __str__(self) -> str:
        return self.title


class AssignmentCompletion(BaseModel):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="completions")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="assignment_completions")
    completed_on = models.DateField(_("completed on"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["assignment", "participant"]
        constraints = [models.UniqueConstraint(fields=["assignment", "participant"], name="assignment_done_once")]


# --- competencies ---------------------------------------------------------------------------------------


class CompetencyDomain(VersionedModel):
    """One domain of the network's competency framework (DOMAIN.md §9 ships eight as the default)."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="competency_domains")
    key = models.SlugField(_("key"), max_length=60)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["network", "position", "name_en"]
        constraints = [models.UniqueConstraint(fields=["network", "key"], name="competency_domain_key_once")]

    def __str__(self) -> str:
        return self.name_en


class RaterKind(models.TextChoices):
    SELF = "self", _("Self-assessment")
    SUPERVISOR = "supervisor", _("Supervisor rating")


class CompetencyAssessment(VersionedModel):
    """One rating of one consultant on every active domain, by themselves or by their supervisor."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    consultant = models.ForeignKey(
        "directory.ConsultantProfile", on_delete=models.CASCADE, related_name="competency_assessments",
        verbose_name=_("consultant"),
    )
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rater_kind = models.CharField(_("who rates"), max_length=12, choices=RaterKind.choices)
    assessed_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["consultant", "-assessed_on"]
        indexes = [models.Index(fields=["consultant", "rater_kind", "assessed_on"])]


class CompetencyLevel(models.IntegerChoices):
    EMERGING = 1, _("Emerging")
    DEVELOPING = 2, _("Developing")
    PROFICIENT = 3, _("Proficient")
    MENTORING = 4, _("Able to teach others")


class CompetencyRating(models.Model):
    assessment = models.ForeignKey(CompetencyAssessment, on_delete=models.CASCADE, related_name="ratings")
    domain = models.ForeignKey(CompetencyDomain, on_delete=models.PROTECT, related_name="ratings")
    level = models.PositiveSmallIntegerField(_("level"), choices=CompetencyLevel.choices)

    class Meta:
        ordering = ["assessment", "domain__position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"], name="rating_once_per_domain")]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.level}"


# --- reflective supervision ------------------------------------------------------------------------------


class SupervisionKind(models.TextChoices):
    CLINICAL = "clinical", _("Clinical")
    REFLECTIVE = "reflective", _("Reflective")
    ADMINISTRATIVE = "administrative", _("Administrative")
    MODEL_FIDELITY = "model_fidelity", _("Model fidelity")


# Administrative supervision does not build reflective capacity, so by default it does not count toward
# endorsement; a network can change this in its settings.
DEFAULT_COUNTABLE_KINDS = [SupervisionKind.REFLECTIVE.value, SupervisionKind.CLINICAL.value]


class SupervisionFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group")


class SupervisionStatus(models.TextChoices):
    LOGGED = "logged", _("Waiting for sign-off")
    SIGNED_OFF = "signed_off", _("Signed off")
    RETURNED = "returned", _("Returned for correction")


class SupervisionLog(VersionedModel):
    """One supervision session as the consultant (or the supervisor) logs it. Only signed-off hours count."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    supervisee = models.ForeignKey(
        "directory.ConsultantProfile", on_delete=models.CASCADE, related_name="supervision_logs",
        verbose_name=_("consultant"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_given",
        verbose_name=_("supervisor"),
    )
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=SupervisionKind.choices)
    format = models.CharField(_("format"), max_length=12, choices=SupervisionFormat.choices)
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(8))],
    )
    group_size = models.PositiveSmallIntegerField(_("people in the group"), null=True, blank=True)
    # Topics only; never a child's or family's name (the form says so).
    topics = models.TextField(_("topics"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SupervisionStatus.choices, default=SupervisionStatus.LOGGED
    )
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(_("why it was returned"), max_length=500, blank=True)

    class Meta:
        ordering = ["-held_on", "-created_at"]
        indexes = [models.Index(fields=["supervisee", "status", "held_on"])]

    def get_absolute_url(self) -> str:
        return reverse("workforce:supervision-detail", args=[self.pk])


# --- feedback from the field -----------------------------------------------------------------------------


class FeedbackContext(models.TextChoices):
    EPISODE = "episode", _("Consultation")
    TRAINING = "training", _("Training")
    GROUP = "group", _("Group")


class FeedbackRequest(BaseModel):
    """Ties a satisfaction administration (measures) to the training session or group it is about.

    Feedback after an episode needs no row here: the administration's own `episode` says so."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    administration = models.OneToOneField(
        "measures.Administration", on_delete=models.CASCADE, related_name="feedback_request"
    )
    context = models.CharField(_("about"), max_length=12, choices=FeedbackContext.choices)
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    session = models.ForeignKey(
        CohortSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    group = models.ForeignKey(
        "consultations.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="feedback"
    )
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["network", "context"])]


class VoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Withdrawn")


class Voice(VersionedModel):
    """A comment whose author agreed to publication, curated for the public "voices from the field" page.

    Shown in the language it was written in, never with a name: the attribution is a role and a place
    ("A family child care provider in the Central Valley") that staff write."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="voices")
    administration = models.ForeignKey(
        "measures.Administration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_key = models.CharField(max_length=100, blank=True)
    context = models.CharField(_("about"), max_length=12, choices=FeedbackContext.choices)
    text = models.TextField(_("quote"))
    language = models.CharField(_("language"), max_length=8)
    attribution = models.CharField(_("attribution (no names)"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=VoiceStatus.choices, default=VoiceStatus.DRAFT)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    curated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "-published_at"]
        indexes = [models.Index(fields=["network", "status"])]

    def __str__(self) -> str:
        return self.text[:60]
