"""Every write to the directory: checked against accounts.access, atomic, audited.

Validation that needs the database (a county the network serves, a license number already used,
a classroom name already taken) lives here rather than in forms, so the API and the demo loader get
the same answers as the screens. Such failures are raised as `ValidationError` keyed by field name,
which a form can attach to the field the person has to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import Membership, Role, User
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import (
    Agency,
    Classroom,
    ConsultantProfile,
    County,
    Language,
    LicenseType,
    Network,
    NetworkCounty,
    Program,
    ProgramStaff,
    Region,
    SettingExpertise,
)

M = TypeVar("M", bound=models.Model)

# Double submits: see abrazo.core.submissions. A directory form's key belongs to the person who sent it.
def _claim_submission(*, actor: User, key: UUID | None, model: type[M]) -> None:
    claim_submission(owner=f"directory:{actor.pk}", key=key, model=model)


def _remember_submission(*, actor: User, key: UUID | None, obj: models.Model) -> None:
    remember_submission(owner=f"directory:{actor.pk}", key=key, obj=obj)


def _require_permission(actor: User, permission: str) -> None:
    """Refuse callers whose roles never hold the permission (a field error would be the wrong answer)."""
    if not access.has_permission(actor, permission):
        raise PermissionDenied(permission)


def _not_served_message(county: County) -> str:
    return _("%(county)s is not served by this network.") % {"county": county}


def _region_for_county(*, network_id: UUID, county: County) -> Region:
    """The region that covers the county in this network; refuse a county the network does not serve."""
    served = NetworkCounty.objects.select_related("region").filter(network_id=network_id, county=county).first()
    if served is None:
        raise ValidationError({"county": ValidationError(_not_served_message(county), code="county_not_served")})
    return served.region


def _check_counties_served(*, network_id: UUID, counties: Sequence[County], field_name: str) -> None:
    served = set(
        NetworkCounty.objects.filter(network_id=network_id, county__in=counties).values_list("county_id", flat=True)
    )
    missing = [county for county in counties if county.pk not in served]
    if missing:
        raise ValidationError(
            {field_name: [ValidationError(_not_served_message(c), code="county_not_served") for c in missing]}
        )


def _license_taken_error(license_number: str) -> ValidationError:
    return ValidationError(
        {
            "license_number": ValidationError(
                _("Another program in this network already has license number %(number)s.")
                % {"number": license_number},
                code="duplicate_license",
            )
        }
    )


def _check_license_free(*, network_id: UUID, license_number: str, exclude_pk: UUID | None = None) -> None:
    if not license_number:
        return  # license-exempt care has no number, and many programs share that
    taken = Program.objects.filter(network_id=network_id, license_number=license_number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise _license_taken_error(license_number)


# --- Programs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramData:
    name: str
    setting_type: str
    auspice: str
    address_line1: str
    city: str
    postal_code: str
    county: County
    license_number: str = ""
    address_line2: str = ""
    is_rural: bool = False
    serves_infants: bool = False
    serves_toddlers: bool = False
    serves_preschoolers: bool = False
    languages: Sequence[Language] = ()
    quality_rating: str = "none"
    phone: str = ""
    email: str = ""
    is_active: bool = True


PROGRAM_FIELDS = [
    "name", "setting_type", "auspice", "license_number", "address_line1", "address_line2", "city",
    "postal_code", "county", "is_rural", "serves_infants", "serves_toddlers", "serves_preschoolers",
    "quality_rating", "phone", "email", "is_active",
]


def _apply_program_data(program: Program, data: ProgramData) -> None:
    for name in PROGRAM_FIELDS:
        setattr(program, name, getattr(data, name))
    program.license_number = data.license_number.strip()


@transaction.atomic
def program_create(
    *, actor: User, network: Network, data: ProgramData, submission_key: UUID | None = None
) -> Program:
    """Add a program; its region is the one that covers its county in this network."""
    _require_permission(actor, "program.create")
    region = _region_for_county(network_id=network.pk, county=data.county)
    if not access.can(actor, "program.create", region):
        raise ValidationError(
            {"county": _("You may add programs only in counties of the regions you coordinate.")}
        )
    _claim_submission(actor=actor, key=submission_key, model=Program)
    program = Program(network=network, region=region)
    _apply_program_data(program, data)
    _check_license_free(network_id=network.pk, license_number=program.license_number)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError as exc:  # a concurrent create took the number between the check and the insert
        raise _license_taken_error(program.license_number) from exc
    program.languages.set(data.languages)
    audit.record_change(user=actor, obj=program, action=Action.CREATE)
    _remember_submission(actor=actor, key=submission_key, obj=program)
    return program


@transaction.atomic
def program_update(*, actor: User, program: Program, expected_version: int, data: ProgramData) -> Program:
    """Save an edit made on `expected_version`; a stale version raises StaleEditError."""
    access.require(actor, "program.edit", program)
    region = _region_for_county(network_id=program.network_id, county=data.county)
    moved = region.pk != program.region_id
    _apply_program_data(program, data)
    program.region = region
    _check_license_free(network_id=program.network_id, license_number=program.license_number, exclude_pk=program.pk)
    try:
        with transaction.atomic():
            save_versioned(program, expected_version=expected_version, update_fields=[*PROGRAM_FIELDS, "region"])
    except IntegrityError as exc:
        raise _license_taken_error(program.license_number) from exc
    program.languages.set(data.languages)
    # A coordinator must not move a program out of their own reach; raising here undoes the save.
    if moved and not access.can(actor, "program.edit", program):
        raise ValidationError(
            {"county": _("This county is in a region you do not coordinate, so you cannot move the program there.")}
        )
    audit.record_change(user=actor, obj=program, action=Action.UPDATE)
    return program


# --- Classrooms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassroomData:
    name: str
    age_group: str
    capacity: int
    is_active: bool = True


CLASSROOM_FIELDS = ["name", "age_group", "capacity", "is_active"]


def _check_classroom_name_free(*, program: Program, name: str, exclude_pk: UUID | None = None) -> None:
    taken = Classroom.objects.filter(program=program, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": ValidationError(
                _("This program already has a classroom called %(name)s.") % {"name": name}, code="duplicate_name"
            )}
        )


@transaction.atomic
def classroom_create(
    *, actor: User, program: Program, data: ClassroomData, submission_key: UUID | None = None
) -> Classroom:
    access.require(actor, "classroom.edit", program)
    _claim_submission(actor=actor, key=submission_key, model=Classroom)
    name = data.name.strip()
    _check_classroom_name_free(program=program, name=name)
    classroom = Classroom(program=program, name=name, age_group=data.age_group, capacity=data.capacity,
                          is_active=data.is_active)
    classroom.save()
    audit.record_change(user=actor, obj=classroom, action=Action.CREATE)
    _remember_submission(actor=actor, key=submission_key, obj=classroom)
    return classroom


@transaction.atomic
def classroom_update(*, actor: User, classroom: Classroom, expected_version: int, data: ClassroomData) -> Classroom:
    access.require(actor, "classroom.edit", classroom.program)
    name = data.name.strip()
    _check_classroom_name_free(program=classroom.program, name=name, exclude_pk=classroom.pk)
    classroom.name = name
    classroom.age_group = data.age_group
    classroom.capacity = data.capacity
    classroom.is_active = data.is_active
    save_versioned(classroom, expected_version=expected_version, update_fields=CLASSROOM_FIELDS)
    audit.record_change(user=actor, obj=classroom, action=Action.UPDATE)
    return classroom


# --- Program staff ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffData:
    full_name: str
    position: str
    email: str = ""
    phone: str = ""
    languages: Sequence[Language] = ()
    classrooms: Sequence[Classroom] = ()
    is_active: bool = True


STAFF_FIELDS = ["full_name", "position", "email", "phone", "is_active"]


def _check_classrooms_belong(*, program: Program, classrooms: Sequence[Classroom]) -> None:
    if any(classroom.program_id != program.pk for classroom in classrooms):
        raise ValidationError({"classrooms": _("Choose classrooms of this program only.")})


@transaction.atomic
def staff_create(
    *, actor: User, program: Program, data: StaffData, submission_key: UUID | None = None
) -> ProgramStaff:
    access.require(actor, "staff.edit", program)
    _check_classrooms_belong(program=program, classrooms=data.classrooms)
    _claim_submission(actor=actor, key=submission_key, model=ProgramStaff)
    person = ProgramStaff(program=program)
    for name in STAFF_FIELDS:
        setattr(person, name, getattr(data, name))
    person.save()
    person.languages.set(data.languages)
    person.classrooms.set(data.classrooms)
    audit.record_change(user=actor, obj=person, action=Action.CREATE)
    _remember_submission(actor=actor, key=submission_key, obj=person)
    return person


@transaction.atomic
def staff_update(*, actor: User, staff: ProgramStaff, expected_version: int, data: StaffData) -> ProgramStaff:
    access.require(actor, "staff.edit", staff.program)
    _check_classrooms_belong(program=staff.program, classrooms=data.classrooms)
    for name in STAFF_FIELDS:
        setattr(staff, name, getattr(data, name))
    save_versioned(staff, expected_version=expected_version, update_fields=STAFF_FIELDS)
    staff.languages.set(data.languages)
    staff.classrooms.set(data.classrooms)
    audit.record_change(user=actor, obj=staff, action=Action.UPDATE)
    return staff


# --- Consultants -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultantData:
    full_name: str
    region: Region
    agency: Agency
    license_type: str
    supervisor: User | None = None
    license_number: str = ""
    license_eligible: bool = False
    degree: str = ""
    endorsement_level: str = ""
    languages: Sequence[Language] = ()
    counties: Sequence[County] = ()
    setting_expertise: Sequence[str] = field(default_factory=list)
    fte: Decimal = Decimal("1.00")
    caseload_capacity: int = 12
    is_active: bool = True


CONSULTANT_FIELDS = [
    "region", "agency", "supervisor", "license_type", "license_number", "license_eligible", "degree",
    "endorsement_level", "setting_expertise", "fte", "caseload_capacity", "is_active",
]


def _validate_consultant(*, network_id: UUID, data: ConsultantData) -> None:
    errors: dict[str, list[str]] = {}
    if data.region.network_id != network_id:
        errors.setdefault("region", []).append(_("Choose a region of this network."))
    if data.agency.network_id != network_id:
        errors.setdefault("agency", []).append(_("Choose an agency of this network."))
    if data.supervisor is not None and not Membership.objects.filter(
        user=data.supervisor, network_id=network_id, role=Role.SUPERVISOR, is_active=True
    ).exists():
        errors.setdefault("supervisor", []).append(_("Choose a supervisor of this network."))
    if data.license_type != LicenseType.NONE and not data.license_number.strip():
        errors.setdefault("license_number", []).append(
            _("Enter the license number, or choose “Not yet licensed” as the license type.")
        )
    unknown = set(data.setting_expertise) - set(SettingExpertise.values)
    if unknown:
        errors.setdefault("setting_expertise", []).append(_("Choose setting expertise from the list."))
    if errors:
        raise ValidationError(errors)
    _check_counties_served(network_id=network_id, counties=data.counties, field_name="counties")


def _apply_consultant_data(consultant: ConsultantProfile, data: ConsultantData) -> None:
    for name in CONSULTANT_FIELDS:
        setattr(consultant, name, getattr(data, name))
    consultant.license_number = data.license_number.strip()
    consultant.setting_expertise = [code for code in SettingExpertise.values if code in data.setting_expertise]


def _account_for_new_consultant(*, network: Network, email: str, full_name: str) -> tuple[User, bool]:
    """The consultant's account: a new one, or an existing account of this network without a profile."""
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        # No usable password: the consultant sets one through the password-reset email.
        return User.objects.create_user(email=email, password=None, full_name=full_name), True
    if ConsultantProfile.objects.filter(user=existing).exists():
        raise ValidationError({"email": _("This person already has a consultant profile.")})
    if not Membership.objects.filter(user=existing, network=network, is_active=True).exists():
        raise ValidationError({"email": _("This email address belongs to an account outside this network.")})
    return existing, False


@transaction.atomic
def consultant_create(
    *, actor: User, network: Network, email: str, data: ConsultantData, submission_key: UUID | None = None
) -> ConsultantProfile:
    """Create a consultant's profile, with an account and a consultant membership when they have none."""
    _require_permission(actor, "consultant.create")
    _validate_consultant(network_id=network.pk, data=data)
    if not access.can(actor, "consultant.create", data.region):
        raise ValidationError({"region": _("You may not add consultants in this region.")})
    _claim_submission(actor=actor, key=submission_key, model=ConsultantProfile)
    user, created_account = _account_for_new_consultant(network=network, email=email, full_name=data.full_name)
    if not created_account and data.full_name and user.full_name != data.full_name:
        user.full_name = data.full_name
        user.save(update_fields=["full_name"])
    Membership.objects.get_or_create(
        user=user, network=network, role=Role.CONSULTANT, defaults={"is_active": True}
    )
    consultant = ConsultantProfile(network=network, user=user)
    _apply_consultant_data(consultant, data)
    consultant.save()
    consultant.languages.set(data.languages)
    consultant.counties.set(data.counties)
    if created_account:
        audit.record_change(user=actor, obj=user, action=Action.CREATE)
    audit.record_change(user=actor, obj=consultant, action=Action.CREATE)
    _remember_submission(actor=actor, key=submission_key, obj=consultant)
    return consultant


@transaction.atomic
def consultant_update(
    *, actor: User, consultant: ConsultantProfile, expected_version: int, data: ConsultantData
) -> ConsultantProfile:
    access.require(actor, "consultant.edit", consultant)
    _validate_consultant(network_id=consultant.network_id, data=data)
    moved = data.region.pk != consultant.region_id
    _apply_consultant_data(consultant, data)
    save_versioned(consultant, expected_version=expected_version, update_fields=CONSULTANT_FIELDS)
    consultant.languages.set(data.languages)
    consultant.counties.set(data.counties)
    if data.full_name and consultant.user.full_name != data.full_name:
        consultant.user.full_name = data.full_name
        consultant.user.save(update_fields=["full_name"])
    if moved and not access.can(actor, "consultant.edit", consultant):
        raise ValidationError({"region": _("You may not move a consultant to a region you do not coordinate.")})
    audit.record_change(user=actor, obj=consultant, action=Action.UPDATE)
    return consultant


# --- Agencies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyData:
    name: str
    region: Region | None = None
    contract_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    is_active: bool = True


AGENCY_FIELDS = ["name", "region", "contract_number", "address", "phone", "email", "is_active"]


def _validate_agency(*, network_id: UUID, data: AgencyData, exclude_pk: UUID | None = None) -> None:
    if data.region is not None and data.region.network_id != network_id:
        raise ValidationError({"region": _("Choose a region of this network.")})
    taken = Agency.objects.filter(network_id=network_id, name__iexact=data.name.strip())
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": ValidationError(
                _("This network already has an agency called %(name)s.") % {"name": data.name.strip()},
                code="duplicate_name",
            )}
        )


@transaction.atomic
def agency_create(
    *, actor: User, network: Network, data: AgencyData, submission_key: UUID | None = None
) -> Agency:
    _require_permission(actor, "agency.create")
    _validate_agency(network_id=network.pk, data=data)
    _claim_submission(actor=actor, key=submission_key, model=Agency)
    agency = Agency(network=network)
    for name in AGENCY_FIELDS:
        setattr(agency, name, getattr(data, name))
    agency.name = data.name.strip()
    agency.save()
    # The policy's path for agencies decides, on the saved row; refusing here rolls the insert back.
    access.require(actor, "agency.create", agency)
    audit.record_change(user=actor, obj=agency, action=Action.CREATE)
    _remember_submission(actor=actor, key=submission_key, obj=agency)
    return agency


@transaction.atomic
def agency_update(*, actor: User, agency: Agency, expected_version: int, data: AgencyData) -> Agency:
    access.require(actor, "agency.edit", agency)
    _validate_agency(network_id=agency.network_id, data=data, exclude_pk=agency.pk)
    for name in AGENCY_FIELDS:
        setattr(agency, name, getattr(data, name))
    agency.name = data.name.strip()
    save_versioned(agency, expected_version=expected_version, update_fields=AGENCY_FIELDS)
    audit.record_change(user=actor, obj=agency, action=Action.UPDATE)
    return agency


# --- Regions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionData:
    name: str
    code: str
    counties: Sequence[County] = ()


def _validate_region(*, network: Network, data: RegionData, exclude_pk: UUID | None = None) -> None:
    errors: dict[str, list[str]] = {}
    taken = Region.objects.filter(network=network, code=data.code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        errors["code"] = [_("Another region of this network already uses the code %(code)s.") % {"code": data.code}]
    foreign = [county for county in data.counties if county.state_code != network.state_code]
    if foreign:
        errors["counties"] = [
            _("%(county)s is not in this network's state.") % {"county": county} for county in foreign
        ]
    if errors:
        raise ValidationError(errors)


def _assign_counties(*, region: Region, counties: Sequence[County]) -> None:
    """Make `counties` exactly the ones the region covers.

    A county taken from another region moves with its programs (Program.region is stored for fast
    scoped lists, so it must follow). A county still holding programs cannot simply be dropped:
    the programs would be left in no region.
    """
    wanted = {county.pk: county for county in counties}
    current = {nc.county_id: nc for nc in NetworkCounty.objects.filter(region=region).select_related("county")}
    dropped = [nc for fips, nc in current.items() if fips not in wanted]
    busy = [
        nc.county for nc in dropped
        if Program.objects.filter(network_id=region.network_id, county_id=nc.county_id).exists()
    ]
    if busy:
        raise ValidationError(
            {"counties": [
                _("%(county)s still has programs: give it to another region instead of removing it.")
                % {"county": county}
                for county in busy
            ]}
        )
    NetworkCounty.objects.filter(pk__in=[nc.pk for nc in dropped]).delete()
    elsewhere = {
        nc.county_id: nc
        for nc in NetworkCounty.objects.filter(network_id=region.network_id, county_id__in=list(wanted)).exclude(
            region=region
        )
    }
    for fips, county in wanted.items():
        if fips in current:
            continue
        if fips in elsewhere:
            moving = elsewhere[fips]
            moving.region = region
            moving.save(update_fields=["region", "updated_at"])
            Program.objects.filter(network_id=region.network_id, county_id=fips).update(
                region=region, updated_at=timezone.now()
            )
        else:
            NetworkCounty.objects.create(network_id=region.network_id, region=region, county=county)


@transaction.atomic
def region_create(
    *, actor: User, network: Network, data: RegionData, submission_key: UUID | None = None
) -> Region:
    # POLICY has no separate right to create regions: whoever may edit every region of the network may.
    _require_permission(actor, "region.edit")
    _validate_region(network=network, data=data)
    _claim_submission(actor=actor, key=submission_key, model=Region)
    region = Region.objects.create(network=network, name=data.name.strip(), code=data.code)
    access.require(actor, "region.edit", region)
    _assign_counties(region=region, counties=data.counties)
    audit.record_change(user=actor, obj=region, action=Action.CREATE)
    _remember_submission(actor=actor, key=submission_key, obj=region)
    return region


@transaction.atomic
def region_update(*, actor: User, region: Region, expected_version: int, data: RegionData) -> Region:
    """Rename a region and set its counties; a save over someone else's newer save is refused."""
    access.require(actor, "region.edit", region)
    _validate_region(network=region.network, data=data, exclude_pk=region.pk)
    region.name = data.name.strip()
    region.code = data.code
    save_versioned(region, expected_version=expected_version, update_fields=["name", "code"])
    _assign_counties(region=region, counties=data.counties)
    audit.record_change(user=actor, obj=region, action=Action.UPDATE)
    return region

