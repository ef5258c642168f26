"""The directory of a network: where it works, who is contracted, which programs it serves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel, VersionedModel


class Network(BaseModel):
    """The tenant. Every network-owned row carries `network_id` and every selector filters on it."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    state_code = models.CharField(_("state"), max_length=2, help_text=_("Two-letter postal code, e.g. CA"))
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class County(models.Model):
    """Reference data: a US county identified by its 5-digit FIPS code (state 2 + county 3)."""

    fips = models.CharField(_("FIPS code"), max_length=5, primary_key=True)
    state_code = models.CharField(_("state"), max_length=2, db_index=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["state_code", "name"]
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return _("%(name)s County") % {"name": self.name}


class Language(models.Model):
    """Reference data: a language by ISO 639-1 code (or a 639-3 code where no 639-1 exists)."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    name_en = models.CharField(_("name in English"), max_length=80)
    name_es = models.CharField(_("name in Spanish"), max_length=80)

    class Meta:
        ordering = ["name_en"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_es if (get_language() or "en").startswith("es") else self.name_en


class Region(VersionedModel):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="regions")
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "code"], name="region_code_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:region-detail", args=[self.pk])


class NetworkCounty(BaseModel):
    """A county the network serves, and the region that covers it (one region per county)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="network_counties")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="network_counties")
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    underserved = models.BooleanField(
        _("under-served"), default=False, help_text=_("Requests from under-served counties are prioritised.")
    )

    class Meta:
        ordering = ["county__name"]
        verbose_name_plural = _("network counties")
        constraints = [models.UniqueConstraint(fields=["network", "county"], name="network_county_unique")]

    def __str__(self) -> str:
        return f"{self.county} → {self.region}"


class Agency(VersionedModel):
    """A contracted mental-health agency that employs consultants."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="agencies")
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="agencies",
        verbose_name=_("region"),
    )
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("agencies")
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="agency_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:agency-detail", args=[self.pk])


class SettingType(models.TextChoices):
    CENTER = "center", _("Child care center")
    FCC_SMALL = "fcc_small", _("Family child care home (small)")
    FCC_LARGE = "fcc_large", _("Family child care home (large)")
    FFN = "ffn", _("Family, friend and neighbor care")
    HEAD_START = "head_start", _("Head Start")
    EARLY_HEAD_START = "early_head_start", _("Early Head Start")
    STATE_PRESCHOOL = "state_preschool", _("State / public preschool")
    PRIVATE_PRESCHOOL = "private_preschool", _("Private preschool")
    HOME_VISITING = "home_visiting", _("Home visiting program")


class Auspice(models.TextChoices):
    PUBLIC_SCHOOL = "public_school", _("Public school / school district")
    HEAD_START = "head_start", _("Head Start grantee")
    FAITH_BASED = "faith_based", _("Faith-based")
    FOR_PROFIT = "for_profit", _("For-profit")
    NON_PROFIT = "non_profit", _("Non-profit")
    TRIBAL = "tribal", _("Tribal")
    GOVERNMENT = "government", _("Other public agency")


class QualityRating(models.TextChoices):
    NOT_PARTICIPATING = "none", _("Not participating")
    PARTICIPATING = "participating", _("Participating, not yet rated")
    TIER_1 = "tier_1", _("Tier 1")
    TIER_2 = "tier_2", _("Tier 2")
    TIER_3 = "tier_3", _("Tier 3")
    TIER_4 = "tier_4", _("Tier 4")
    TIER_5 = "tier_5", _("Tier 5")


class AgesServed:
    """The display of the `serves_infants` / `serves_toddlers` / `serves_preschoolers` flags, which a
    program and a request for consultation both carry."""

    serves_infants: bool
    serves_toddlers: bool
    serves_preschoolers: bool

    @property
    def ages_served_display(self) -> str:
        flags = [(self.serves_infants, _("infants")), (self.serves_toddlers, _("toddlers")),
                 (self.serves_preschoolers, _("preschoolers"))]
        return ", ".join(str(label) for served, label in flags if served)


class Program(AgesServed, VersionedModel):
    """A program or site that cares for young children: a centre, a home, a preschool, a home visitor."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(_("name"), max_length=200)
    setting_type = models.CharField(_("setting type"), max_length=32, choices=SettingType.choices)
    auspice = models.CharField(_("auspice"), max_length=32, choices=Auspice.choices)
    license_number = models.CharField(
        _("license number"), max_length=40, blank=True,
        help_text=_("State facility license number; leave empty for license-exempt care."),
    )
    address_line1 = models.CharField(_("street address"), max_length=200)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("ZIP code"), max_length=10)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    # Stored rather than joined through NetworkCounty: every scoped list filters on it.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="programs", verbose_name=_("region"))
    is_rural = models.BooleanField(_("rural"), default=False)
    serves_infants = models.BooleanField(_("serves infants (0-12 months)"), default=False)
    serves_toddlers = models.BooleanField(_("serves toddlers (1-3 years)"), default=False)
    serves_preschoolers = models.BooleanField(_("serves preschoolers (3-5 years)"), default=False)
    languages = models.ManyToManyField(Language, blank=True, related_name="+", verbose_name=_("languages spoken"))
    quality_rating = models.CharField(
        _("quality rating participation"), max_length=20, choices=QualityRating.choices,
        default=QualityRating.NOT_PARTICIPATING,
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "license_number"],
                condition=~models.Q(license_number=""),
                name="program_license_unique",
            )
        ]
        indexes = [
            # Lists sort by (name, id) within a scope; with id in the index the database reads one
            # page straight from it instead of sorting every tie group.
            models.Index(fields=["network", "name", "id"], name="program_network_name_id"),
            models.Index(fields=["region", "name", "id"], name="program_region_name_id"),
            models.Index(fields=["county", "name", "id"], name="program_county_name_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:program-detail", args=[self.pk])


class AgeGroup(models.TextChoices):
    INFANT = "infant", _("Infants")
    TODDLER = "toddler", _("Toddlers")
    PRESCHOOL = "preschool", _("Preschool")
    MIXED = "mixed", _("Mixed ages")


class Classroom(VersionedModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="classrooms")
    name = models.CharField(_("name"), max_length=120)
    age_group = models.CharField(_("age group"), max_length=16, choices=AgeGroup.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity (children)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="classroom_name_unique")]

    def __str__(self) -> str:
        return self.name


class StaffPosition(models.TextChoices):
    DIRECTOR = "director", _("Director / administrator")
    TEACHER = "teacher", _("Lead teacher")
    ASSISTANT_TEACHER = "assistant_teacher", _("Assistant teacher")
    FCC_PROVIDER = "fcc_provider", _("Family child care provider")
    FFN_CAREGIVER = "ffn_caregiver", _("Family, friend or neighbor caregiver")
    HOME_VISITOR = "home_visitor", _("Home visitor")
    OTHER = "other", _("Other")


class ProgramStaff(VersionedModel):
    """A person who works at a program. They may or may not have an Abrazo account."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_roles"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=32, choices=StaffPosition.choices)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    languages = models.ManyToManyField(Language, blank=True, related_name="+", verbose_name=_("languages"))
    classrooms = models.ManyToManyField(Classroom, blank=True, related_name="staff", verbose_name=_("classrooms"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = _("program staff")

    def __str__(self) -> str:
        return self.full_name


class LicenseType(models.TextChoices):
    LMFT = "lmft", _("Licensed Marriage and Family Therapist (LMFT)")
    LCSW = "lcsw", _("Licensed Clinical Social Worker (LCSW)")
    LPCC = "lpcc", _("Licensed Professional Clinical Counselor (LPCC)")
    PSYCHOLOGIST = "psychologist", _("Licensed Psychologist")
    LEP = "lep", _("Licensed Educational Psychologist (LEP)")
    OTHER = "other", _("Other license")
    NONE = "none", _("Not yet licensed")


class SettingExpertise(models.TextChoices):
    INFANT_TODDLER = "infant_toddler", _("Infant/toddler care")
    PRESCHOOL = "preschool", _("Preschool")
    FCC = "fcc", _("Family child care")
    FFN = "ffn", _("Family, friend and neighbor care")
    HOME_VISITING = "home_visiting", _("Home visiting")


class ConsultantProfile(VersionedModel):
    """A mental-health consultant: who they are licensed as, what they speak, where and how they work."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="consultants")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultant_profile"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="consultants", verbose_name=_("agency")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="consultants", verbose_name=_("home region")
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="supervisees", verbose_name=_("supervisor"),
    )
    license_type = models.CharField(_("license type"), max_length=20, choices=LicenseType.choices)
    license_number = models.CharField(_("license number"), max_length=40, blank=True)
    license_eligible = models.BooleanField(
        _("license-eligible"), default=False, help_text=_("Registered associate working toward licensure.")
    )
    degree = models.CharField(_("degree"), max_length=120, blank=True)
    endorsement_level = models.CharField(_("endorsement level"), max_length=120, blank=True)
    languages = models.ManyToManyField(Language, related_name="+", verbose_name=_("languages"))
    counties = models.ManyToManyField(County, related_name="+", verbose_name=_("counties served"))
    setting_expertise = models.JSONField(
        _("setting expertise"), default=list, help_text=_("Codes from SettingExpertise.")
    )
    fte = models.DecimalField(_("FTE"), max_digits=3, decimal_places=2, default=1)
    caseload_capacity = models.PositiveSmallIntegerField(_("caseload capacity (open episodes)"), default=12)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__full_name"]
        indexes = [models.Index(fields=["network", "region"])]

    def __str__(self) -> str:
        return self.user.full_name

    def get_absolute_url(self) -> str:
        return reverse("directory:consultant-detail", args=[self.pk])

    @property
    def setting_expertise_display(self) -> list[str]:
        labels = dict(SettingExpertise.choices)
        return [str(labels.get(code, code)) for code in self.setting_expertise]
