"""Requests for consultation, as they arrive (often from the public form) and move through triage."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from abrazo.core.models import VersionedModel
from abrazo.directory.models import AgesServed, Auspice, SettingType


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    NEEDS_INFO = "needs_info", _("Waiting for more information")
    WAITLISTED = "waitlisted", _("On the waitlist")
    DECLINED = "declined", _("Declined")
    ASSIGNED = "assigned", _("Assigned to a consultant")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Requests still waiting for a decision: the triage queue, the capacity view and the duplicate check.
OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.NEEDS_INFO, RequestStatus.WAITLISTED)


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")


# Most urgent first; the queue sorts by this rank, then by age.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


class RequesterRole(models.TextChoices):
    DIRECTOR = "director", _("Program director or administrator")
    TEACHER = "teacher", _("Teacher or assistant teacher")
    FCC_PROVIDER = "fcc_provider", _("Family child care provider")
    FFN_CAREGIVER = "ffn_caregiver", _("Family, friend or neighbor caregiver")
    HOME_VISITOR = "home_visitor", _("Home visitor")
    PARENT = "parent", _("Parent or family member")
    REFERRAL_PARTNER = "referral_partner", _("Licensing, child welfare or family-support worker")
    OTHER = "other", _("Other")


class ConcernCategory(models.TextChoices):
    BEHAVIOR = "behavior", _("Challenging behavior (for example biting, hitting, tantrums)")
    SOCIAL_EMOTIONAL = "social_emotional", _("Social and emotional development")
    SEPARATION = "separation", _("Separation, attachment or adjusting to care")
    DEVELOPMENT = "development", _("Development, speech or learning")
    TRAUMA = "trauma", _("Trauma, loss or a difficult family situation")
    CLASSROOM = "classroom", _("Classroom climate, routines or transitions")
    STAFF_WELLBEING = "staff_wellbeing", _("Staff stress and wellbeing")
    POLICY = "policy", _("Program policies (for example suspension and expulsion)")
    OTHER = "other", _("Something else")


class IntakeSettings(VersionedModel):
    """A network's intake rules: the priority each condition gives, and what triage checks.

    The defaults follow DOMAIN.md §2: a child at imminent risk of suspension or expulsion is urgent
    (Head Start engages the consultant before any suspension); under-served counties come next.
    """

    network = models.OneToOneField(
        "directory.Network", on_delete=models.CASCADE, related_name="intake_settings"
    )
    imminent_risk_priority = models.CharField(
        _("priority when a child is at imminent risk of suspension or expulsion"), max_length=8,
        choices=Priority.choices, default=Priority.URGENT,
    )
    underserved_county_priority = models.CharField(
        _("priority for requests from under-served counties"), max_length=8, choices=Priority.choices,
        default=Priority.HIGH,
    )
    rural_program_priority = models.CharField(
        _("priority for programs known to be rural"), max_length=8, choices=Priority.choices,
        default=Priority.NORMAL,
    )
    supported_setting_types = models.JSONField(
        _("setting types the network serves"), default=list, blank=True,
        help_text=_("Codes from SettingType; empty means every setting type."),
    )
    max_child_age_months = models.PositiveSmallIntegerField(
        _("oldest eligible child (months)"), default=71,
        help_text=_("Children from birth to age five: up to 71 months."),
    )
    duplicate_window_days = models.PositiveSmallIntegerField(
        _("days within which a similar request counts as a possible duplicate"), default=60
    )

    class Meta:
        verbose_name = _("intake settings")
        verbose_name_plural = _("intake settings")

    def __str__(self) -> str:
        return str(_("Intake settings of %(network)s") % {"network": self.network})

    def supports(self, setting_type: str) -> bool:
        return not self.supported_setting_types or setting_type in self.supported_setting_types


class ReferenceCounter(models.Model):
    """The last reference number handed out in a year (one row per year, incremented under a lock)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


def priority_rank() -> models.Case:
    """An expression ranking the priority (0 = urgent), for sorting the queue most urgent first."""
    return models.Case(
        *(models.When(priority=value, then=models.Value(rank)) for value, rank in PRIORITY_RANK.items()),
        default=models.Value(len(PRIORITY_RANK)),
        output_field=models.IntegerField(),
    )


class RequestQuerySet(models.QuerySet["Request"]):
    def visible_to(self, user: Any, permission: str = "request.view") -> RequestQuerySet:
        from abrazo.accounts import access

        return cast(RequestQuerySet, access.visible(user, permission, self))

    def open(self) -> RequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Request(AgesServed, VersionedModel):
    """A request for consultation from a program, a provider or a family.

    What the requester typed is kept as typed (program name, address...), even when the program is
    recognised in the directory: the request is what they asked, the program is what we matched it to.
    """

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="requests")
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    computed_priority = models.CharField(
        _("priority from the rules"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    priority_override_reason = models.TextField(_("why the priority was changed"), blank=True)

    # Who asks.
    requester_name = models.CharField(_("your name"), max_length=200)
    requester_email = models.EmailField(_("email"))
    requester_phone = models.CharField(_("phone"), max_length=40, blank=True)
    requester_role = models.CharField(_("your role"), max_length=20, choices=RequesterRole.choices)
    preferred_language = models.ForeignKey(
        "directory.Language", to_field="code", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("preferred language"),
    )

    # The program, as typed, and the directory program it was recognised as (or later created as).
    program = models.ForeignKey(
        "directory.Program", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests",
        verbose_name=_("program"),
    )
    program_name = models.CharField(_("program name"), max_length=200)
    license_number = models.CharField(_("license number"), max_length=40, blank=True)
    address_line1 = models.CharField(_("street address"), max_length=200)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("ZIP code"), max_length=10)
    county = models.ForeignKey("directory.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    # Derived from the county through NetworkCounty when the request arrives; coordinators' scope uses it.
    region = models.ForeignKey(
        "directory.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests",
        verbose_name=_("region"),
    )
    setting_type = models.CharField(_("setting type"), max_length=32, choices=SettingType.choices)
    auspice = models.CharField(_("auspice"), max_length=32, choices=Auspice.choices, blank=True)
    serves_infants = models.BooleanField(_("serves infants (0-12 months)"), default=False)
    serves_toddlers = models.BooleanField(_("serves toddlers (1-3 years)"), default=False)
    serves_preschoolers = models.BooleanField(_("serves preschoolers (3-5 years)"), default=False)
    classroom_size = models.PositiveSmallIntegerField(_("children in the classroom or group"), null=True, blank=True)
    languages = models.ManyToManyField(
        "directory.Language", blank=True, related_name="+", verbose_name=_("languages spoken")
    )

    # The concern.
    concern_categories = models.JSONField(_("concerns"), default=list, help_text=_("Codes from ConcernCategory."))
    concern_text = models.TextField(_("the concern in your words"))
    child_specific = models.BooleanField(_("about one child"), default=False)
    # Set when the request is about a child on a program's roster (e.g. made from an early warning),
    # so that the network can tell how many children were excluded before anyone asked for help.
    child = models.ForeignKey(
        "incidents.Child", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests",
        verbose_name=_("child"),
    )
    child_age_months = models.PositiveSmallIntegerField(_("child's age (months)"), null=True, blank=True)
    imminent_risk = models.BooleanField(_("a child is at imminent risk of suspension or expulsion"), default=False)
    availability = models.TextField(_("availability"), blank=True)

    # Arrival and triage.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("received"), default=timezone.now)
    info_requested_at = models.DateTimeField(_("information asked for"), null=True, blank=True)
    info_request_message = models.TextField(_("information asked for"), blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    consultant = models.ForeignKey(
        "directory.ConsultantProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="requests",
        verbose_name=_("consultant"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignment_override_reason = models.TextField(_("why not the top suggestion"), blank=True)
    # Set by the consultations side when the first contact of the episode is logged.
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "id"]
        indexes = [
            models.Index(fields=["network", "status", "submitted_at"], name="request_network_status"),
            models.Index(fields=["region", "status", "submitted_at"], name="request_region_status"),
            models.Index(fields=["program", "submitted_at"], name="request_program_submitted"),
            models.Index(fields=["network", "license_number"], name="request_network_license"),
            models.Index(fields=["network", "requester_email"], name="request_network_email"),
        ]
        constraints = [
            models.CheckConstraint(
                name="request_assigned_has_consultant",
                condition=~models.Q(status="assigned") | models.Q(consultant__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.program_name}"

    def get_absolute_url(self) -> str:
        return reverse("intake:request-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def priority_overridden(self) -> bool:
        return self.priority != self.computed_priority

    @property
    def concern_categories_display(self) -> list[str]:
        labels = dict(ConcernCategory.choices)
        return [str(labels.get(code, code)) for code in self.concern_categories]

    @property
    def child_age_display(self) -> str:
        if self.child_age_months is None:
            return ""
        years, months = divmod(self.child_age_months, 12)
        parts = []
        if years:
            parts.append(ngettext("%(count)d year", "%(count)d years", years) % {"count": years})
        if months or not years:
            parts.append(ngettext("%(count)d month", "%(count)d months", months) % {"count": months})
        return " ".join(parts)
