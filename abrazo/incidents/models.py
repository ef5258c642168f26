"""The roster (children and their enrolment periods), behavior incidents and exclusions.

A child is known by the code their program gives them, never by name: equity reporting needs only
demographics, and a code cannot be looked up outside the program. A child record belongs to one
program; a child who moves to another program is a new record there with that program's code,
which is also how BIRS counts. Enrolment periods are the denominators of every rate.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abrazo.core.crypto import EncryptedTextField
from abrazo.core.models import BaseModel, VersionedModel
from abrazo.incidents import birs


class RaceEthnicity(models.TextChoices):
    """The seven mutually exclusive IDEA/OMB groups: Hispanic/Latino of any race is decided first."""

    HISPANIC_LATINO = "hispanic_latino", _("Hispanic/Latino")
    AMERICAN_INDIAN_ALASKA_NATIVE = "american_indian_alaska_native", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    NATIVE_HAWAIIAN_PACIFIC_ISLANDER = "native_hawaiian_pacific_islander", _(
        "Native Hawaiian or Other Pacific Islander"
    )
    WHITE = "white", _("White")
    TWO_OR_MORE = "two_or_more", _("Two or more races")
    NOT_REPORTED = "not_reported", _("Not reported")


class Gender(models.TextChoices):
    GIRL = "girl", _("Girl")
    BOY = "boy", _("Boy")
    ANOTHER = "another", _("Another gender")
    NOT_REPORTED = "not_reported", _("Not reported")


class ChildQuerySet(models.QuerySet["Child"]):
    def enrolled_between(self, start: date, end: date) -> ChildQuerySet:
        """Children with an enrolment period overlapping [start, end]."""
        return self.filter(
            enrollments__start_date__lte=end,
        ).filter(models.Q(enrollments__end_date__isnull=True) | models.Q(enrollments__end_date__gte=start)).distinct()


class Child(VersionedModel):
    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "directory.Program", on_delete=models.CASCADE, related_name="children", verbose_name=_("program")
    )
    code = models.CharField(
        _("child code"), max_length=40,
        help_text=_("The code your program uses for the child. Never the child's name."),
    )
    classroom = models.ForeignKey(
        "directory.Classroom", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
        verbose_name=_("classroom"),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    race_ethnicity = models.CharField(
        _("race/ethnicity"), max_length=40, choices=RaceEthnicity.choices, default=RaceEthnicity.NOT_REPORTED
    )
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, default=Gender.NOT_REPORTED)
    iep = models.BooleanField(_("has an IEP or IFSP"), default=False)
    dll = models.BooleanField(_("dual-language learner"), default=False)
    home_language = models.ForeignKey(
        "directory.Language", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("home language"),
    )
    # Other roster columns a program keeps (e.g. "funding": "state_preschool"); each can be an
    # equity dimension. Values are short category labels, never free text about the child.
    extra = models.JSONField(_("other roster columns"), default=dict, blank=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["program", "code"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="child_code_unique_in_program")]
        indexes = [models.Index(fields=["network", "race_ethnicity"])]

    def __str__(self) -> str:
        return self.code


class EnrollmentEndReason(models.TextChoices):
    MOVED = "moved", _("Family moved or chose another program")
    AGED_OUT = "aged_out", _("Aged out or went to kindergarten")
    DISMISSED = "dismissed", _("Dismissed by the program")
    TRANSFERRED = "transferred", _("Transferred by the program")
    OTHER = "other", _("Other")


class Enrollment(BaseModel):
    """One period a child attended the program: the denominator of every rate for that period."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("directory.Program", on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrollments")
    classroom = models.ForeignKey(
        "directory.Classroom", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("classroom"),
    )
    start_date = models.DateField(_("enrolled from"))
    end_date = models.DateField(_("enrolled until"), null=True, blank=True)
    end_reason = models.CharField(
        _("why the enrolment ended"), max_length=16, choices=EnrollmentEndReason.choices, blank=True
    )

    class Meta:
        ordering = ["child", "start_date"]
        constraints = [
            models.CheckConstraint(
                name="enrollment_ends_after_start",
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
            )
        ]
        indexes = [
            models.Index(fields=["network", "start_date"]),
            models.Index(fields=["program", "start_date"]),
        ]


class IncidentSource(models.TextChoices):
    FORM = "form", _("Recorded in Abrazo")
    IMPORT = "import", _("Imported from a file")


class Incident(VersionedModel):
    """One behavior incident with the six BIRS fields; the exclusion flags are derived on save."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("directory.Program", on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="incidents", verbose_name=_("child"))
    classroom = models.ForeignKey(
        "directory.Classroom", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("classroom"),
    )
    occurred_on = models.DateField(_("date"))
    occurred_at = models.TimeField(_("time"), null=True, blank=True)
    problem_behavior = models.CharField(_("problem behavior"), max_length=32, choices=birs.ProblemBehavior.choices)
    activity = models.CharField(_("activity"), max_length=32, choices=birs.Activity.choices)
    others_involved = models.CharField(_("others involved"), max_length=32, choices=birs.OthersInvolved.choices)
    possible_motivation = models.CharField(
        _("possible motivation"), max_length=32, choices=birs.PossibleMotivation.choices
    )
    strategy_response = models.CharField(
        _("strategy or response"), max_length=32, choices=birs.StrategyResponse.choices,
        help_text=_("The most intrusive one used."),
    )
    admin_follow_up = models.CharField(
        _("administrative follow-up"), max_length=32, choices=birs.AdminFollowUp.choices,
        help_text=_("The most intrusive one."),
    )
    # Optional, short, factual; encrypted because it can describe a child's behaviour in detail.
    notes = EncryptedTextField(_("notes"), blank=True)
    is_iss = models.BooleanField(default=False, editable=False)
    is_oss = models.BooleanField(default=False, editable=False)
    is_dismissal = models.BooleanField(default=False, editable=False)
    source = models.CharField(max_length=8, choices=IncidentSource.choices, default=IncidentSource.FORM)
    external_id = models.CharField(_("incident id in the source file"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-occurred_at"]
        indexes = [
            models.Index(fields=["network", "occurred_on"]),
            models.Index(fields=["program", "occurred_on"]),
            models.Index(fields=["child", "occurred_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "external_id"], condition=~models.Q(external_id=""),
                name="incident_external_id_unique_in_program",
            )
        ]

    def derive_outcomes(self) -> None:
        self.is_iss = birs.is_iss(self.strategy_response, self.admin_follow_up)
        self.is_oss = birs.is_oss(self.admin_follow_up)
        self.is_dismissal = birs.is_dismissal(self.admin_follow_up)

    def save(self, *args: object, **kwargs: object) -> None:
        self.derive_outcomes()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_exclusion(self) -> bool:
        return self.is_iss or self.is_oss or self.is_dismissal


class ExclusionKind(models.TextChoices):
    ISS = "iss", _("In-school suspension")
    OSS = "oss", _("Out-of-school suspension (sent home)")
    DISMISSAL = "dismissal", _("Dismissal (expulsion)")
    REDUCED_HOURS = "reduced_hours", _("Reduced hours")
    CONDITIONAL_ENROLLMENT = "conditional_enrollment", _("Conditional enrollment")
    TRANSFER = "transfer", _("Transfer to another program")


SOFT_EXCLUSIONS = (ExclusionKind.REDUCED_HOURS, ExclusionKind.CONDITIONAL_ENROLLMENT, ExclusionKind.TRANSFER)


class Exclusion(VersionedModel):
    """An explicit record of a child being excluded, with the days of care lost.

    Recorded with the incident that led to it when there was one (the service creates it from the
    incident's follow-up), or on its own, as "soft" exclusions often are.
    """

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("directory.Program", on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("child"))
    incident = models.OneToOneField(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="exclusion"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ExclusionKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    days_lost = models.DecimalField(
        _("days of care lost"), max_digits=5, decimal_places=1, default=0,
        help_text=_("Half a day counts as 0.5. For reduced hours, the total of the hours lost, in days."),
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["network", "starts_on"]), models.Index(fields=["program", "starts_on"])]


class WarningSettings(VersionedModel):
    """When a child's incidents call for an alert: a network decision, with sensible defaults."""

    network = models.OneToOneField("directory.Network", on_delete=models.CASCADE, related_name="warning_settings")
    incident_count = models.PositiveSmallIntegerField(_("incidents"), default=3)
    window_school_days = models.PositiveSmallIntegerField(_("within this many school days"), default=10)
    on_any_oss = models.BooleanField(_("alert on any out-of-school suspension"), default=True)
    on_any_dismissal = models.BooleanField(_("alert on any dismissal or dismissal follow-up"), default=True)
    on_soft_exclusion = models.BooleanField(
        _("alert on reduced hours, conditional enrollment or transfer"), default=True
    )


class WarningReason(models.TextChoices):
    PATTERN = "pattern", _("Repeated incidents")
    OSS = "oss", _("Sent home")
    DISMISSAL = "dismissal", _("Dismissal")
    SOFT_EXCLUSION = "soft_exclusion", _("Reduced hours, conditional enrollment or transfer")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REQUESTED = "requested", _("Consultation requested")
    DISMISSED = "dismissed", _("Closed without a request")


class EarlyWarning(BaseModel):
    """A child whose incidents crossed the network's threshold, until someone acts on it."""

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("directory.Program", on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="warnings")
    reason = models.CharField(_("reason"), max_length=16, choices=WarningReason.choices)
    triggered_on = models.DateField(_("date"))
    incident_count = models.PositiveSmallIntegerField(_("incidents in the window"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    request = models.ForeignKey(
        "intake.Request", null=True, blank=True, on_delete=models.SET_NULL, related_name="early_warnings"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField(_("why no request is needed"), max_length=300, blank=True)

    class Meta:
        ordering = ["-triggered_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=models.Q(status="open"), name="one_open_warning_per_child"
            )
        ]
        indexes = [models.Index(fields=["program", "status"]), models.Index(fields=["network", "status"])]
