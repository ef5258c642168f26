"""Writes to the directory through services: who may, what is refused, and what is recorded."""

from __future__ import annotations

import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from abrazo.accounts.models import Membership, Role, User
from abrazo.accounts.tests.factories import MembershipFactory
from abrazo.audit.models import AccessEvent, Action
from abrazo.core.concurrency import StaleEditError
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory import services
from abrazo.directory.models import (
    AgeGroup,
    Agency,
    Auspice,
    Classroom,
    ConsultantProfile,
    Language,
    LicenseType,
    NetworkCounty,
    Program,
    ProgramStaff,
    Region,
    SettingType,
    StaffPosition,
)
from abrazo.directory.tests.factories import (
    AgencyFactory,
    ClassroomFactory,
    ProgramFactory,
    ProgramStaffFactory,
    county,
)

pytestmark = pytest.mark.django_db

FRESNO, LOS_ANGELES, KERN = "06019", "06037", "06029"


def program_data(**overrides):
    values = {
        "name": "Little Oaks Preschool", "setting_type": SettingType.CENTER, "auspice": Auspice.NON_PROFIT,
        "license_number": "109900001", "address_line1": "12 Olive Avenue", "city": "Fresno",
        "postal_code": "93701", "county": county(FRESNO), "serves_preschoolers": True,
        "languages": [Language.objects.get(code="es")],
    }
    values.update(overrides)
    return services.ProgramData(**values)


def consultant_data(world, **overrides):
    values = {
        "full_name": "Rosa Quintero", "region": world.region_a,
        "agency": Agency.objects.get(network=world.network, name="Valley Family Services"),
        "supervisor": world.people["supervisor"], "license_type": LicenseType.LCSW,
        "license_number": "LCSW 12345", "languages": list(Language.objects.filter(code__in=["es", "en"])),
        "counties": [county(FRESNO)], "setting_expertise": ["preschool", "fcc"], "fte": Decimal("0.80"),
        "caseload_capacity": 10,
    }
    values.update(overrides)
    return services.ConsultantData(**values)


# --- programs --------------------------------------------------------------------------------


def test_admin_adds_a_program_whose_region_follows_its_county(world):
    # given a network administrator
    admin = world.people["network_admin"]
    # when they add a program in Los Angeles County
    program = services.program_create(
        actor=admin, network=world.network, data=program_data(county=county(LOS_ANGELES))
    )
    # then it lands in the region that covers Los Angeles, with its languages, and the change is audited
    assert program.region == world.region_b
    assert list(program.languages.values_list("code", flat=True)) == ["es"]
    assert AccessEvent.objects.filter(
        action=Action.CREATE, object_type="directory.program", object_id=str(program.pk), user_id=admin.pk
    ).exists()


def test_coordinator_adds_a_program_in_their_own_region(world):
    # given the coordinator of region A (Fresno)
    coordinator = world.people["regional_coordinator"]
    # when they add a program in Fresno County
    program = services.program_create(actor=coordinator, network=world.network, data=program_data())
    # then it is created in region A
    assert program.region == world.region_a


def test_coordinator_cannot_add_a_program_in_another_region(world):
    # given the coordinator of region A
    coordinator = world.people["regional_coordinator"]
    # when they try to add a program in Los Angeles County (region B)
    with pytest.raises(ValidationError) as caught:
        services.program_create(actor=coordinator, network=world.network, data=program_data(county=county(LOS_ANGELES)))
    # then the county is refused and nothing is created
    assert "county" in caught.value.message_dict
    assert not Program.objects.filter(name="Little Oaks Preschool").exists()


@pytest.mark.parametrize("role", ["program_staff", "consultant", "supervisor", "evaluator"])
def test_roles_without_program_create_are_refused(world, role):
    # given someone whose role never adds programs
    person = world.people[role]
    # when they call the service anyway
    with pytest.raises(PermissionDenied):
        services.program_create(actor=person, network=world.network, data=program_data())
    # then nothing is created
    assert not Program.objects.filter(name="Little Oaks Preschool").exists()


def test_a_county_the_network_does_not_serve_is_refused_by_name(world):
    # given Kern County, which the network does not serve
    admin = world.people["network_admin"]
    # when a program there is added
    with pytest.raises(ValidationError) as caught:
        services.program_create(actor=admin, network=world.network, data=program_data(county=county(KERN)))
    # then the message names the county
    assert caught.value.message_dict == {"county": ["Kern County is not served by this network."]}


def test_a_duplicate_license_number_in_the_network_is_a_field_error(world):
    # given program A's license number
    admin = world.people["network_admin"]
    taken = world.program_a.license_number
    # when another program is added with it
    with pytest.raises(ValidationError) as caught:
        services.program_create(actor=admin, network=world.network, data=program_data(license_number=taken))
    # then the license number field carries a specific message
    assert caught.value.message_dict["license_number"] == [
        f"Another program in this network already has license number {taken}."
    ]


def test_the_same_license_number_may_exist_in_another_network(world):
    # given a license number used in the other network
    admin = world.people["network_admin"]
    # when it is used in this network
    program = services.program_create(
        actor=admin, network=world.network, data=program_data(license_number=world.other_program.license_number)
    )
    # then it is accepted: license numbers are unique per network
    assert program.pk


def test_a_race_for_the_same_license_number_is_still_a_field_error(world):
    # given a check that missed a concurrent insert (simulated: the pre-check sees nothing)
    admin = world.people["network_admin"]
    # when the insert hits the unique constraint
    with mock.patch.object(services, "_check_license_free"), pytest.raises(ValidationError) as caught:
        services.program_create(
            actor=admin, network=world.network, data=program_data(license_number=world.program_a.license_number)
        )
    # then the answer is a field error, not a database error
    assert "license_number" in caught.value.message_dict


def test_programs_without_a_license_number_do_not_collide(world):
    # given two license-exempt programs
    admin = world.people["network_admin"]
    # when both are added
    first = services.program_create(actor=admin, network=world.network, data=program_data(license_number=""))
    second = services.program_create(
        actor=admin, network=world.network, data=program_data(name="Abuela's Care", license_number="")
    )
    # then both exist
    assert first.pk != second.pk


def test_a_double_submit_creates_one_program(world):
    # given a create form submitted once
    admin = world.people["network_admin"]
    key = uuid.uuid4()
    first = services.program_create(actor=admin, network=world.network, data=program_data(), submission_key=key)
    # when the same submission arrives again
    with pytest.raises(services.AlreadySubmitted) as caught:
        services.program_create(actor=admin, network=world.network, data=program_data(), submission_key=key)
    # then it points to the first program and no second one exists
    assert caught.value.existing == first
    assert Program.objects.filter(name="Little Oaks Preschool").count() == 1


@needs_postgresql  # the sequential double submit above covers SQLite
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_create_one_program(world):
    # given the same create form sent twice at the same moment (a double click), on two connections
    admin_pk, key = world.people["network_admin"].pk, uuid.uuid4()
    data = program_data(license_number="")  # no unique license to fall back on: only the key guards
    # when both run
    outcomes = at_once(
        2, lambda actor: services.program_create(actor=actor, network=world.network, data=data, submission_key=key),
        prepare=lambda _index: User.objects.get(pk=admin_pk),
    )
    # then one program exists, and the loser of the race was pointed at it
    program = Program.objects.get(name="Little Oaks Preschool")
    created = [o for o in outcomes if isinstance(o, Program)]
    refused = [o for o in outcomes if isinstance(o, services.AlreadySubmitted)]
    assert [p.pk for p in created] == [program.pk]
    assert len(refused) == 1 and refused[0].existing == program


def test_a_refused_submit_does_not_use_up_its_key(world):
    # given a submission refused for a duplicate license
    admin = world.people["network_admin"]
    key = uuid.uuid4()
    with pytest.raises(ValidationError):
        services.program_create(
            actor=admin, network=world.network, data=program_data(license_number=world.program_a.license_number),
            submission_key=key,
        )
    # when the person corrects it and sends the same form again
    program = services.program_create(actor=admin, network=world.network, data=program_data(), submission_key=key)
    # then it is created
    assert program.pk


def test_program_staff_edit_their_own_program(world):
    # given program staff of program A
    staff = world.people["program_staff"]
    program = world.program_a
    # when they rename it
    updated = services.program_update(
        actor=staff, program=program, expected_version=program.version, data=program_data(name="Sunrise Early Learning")
    )
    # then it is saved with a new version, and audited
    program.refresh_from_db()
    assert program.name == "Sunrise Early Learning"
    assert program.version == updated.version == 2
    assert AccessEvent.objects.filter(action=Action.UPDATE, object_id=str(program.pk)).exists()


def test_program_staff_cannot_edit_another_program(world):
    # given program staff of program A
    staff = world.people["program_staff"]
    # when they try to edit program B
    with pytest.raises(PermissionDenied):
        services.program_update(
            actor=staff, program=world.program_b, expected_version=1,
            data=program_data(county=county(LOS_ANGELES)),
        )
    # then program B is unchanged
    world.program_b.refresh_from_db()
    assert world.program_b.name == "Harbor Kids"


def test_a_stale_program_edit_is_refused(world):
    # given two editors who loaded version 1, and the first has saved
    admin = world.people["network_admin"]
    services.program_update(actor=admin, program=Program.objects.get(pk=world.program_a.pk), expected_version=1,
                            data=program_data(name="First Save"))
    # when the second saves on version 1
    with pytest.raises(StaleEditError):
        services.program_update(actor=admin, program=Program.objects.get(pk=world.program_a.pk), expected_version=1,
                                data=program_data(name="Second Save"))
    # then the first save stands
    assert Program.objects.get(pk=world.program_a.pk).name == "First Save"


def test_moving_a_program_to_another_county_moves_its_region(world):
    # given a network administrator and program A in Fresno
    admin = world.people["network_admin"]
    # when they move it to Los Angeles County
    services.program_update(actor=admin, program=world.program_a, expected_version=1,
                            data=program_data(county=county(LOS_ANGELES)))
    # then its region follows
    world.program_a.refresh_from_db()
    assert world.program_a.region == world.region_b


def test_coordinator_cannot_move_a_program_out_of_their_region(world):
    # given the coordinator of region A
    coordinator = world.people["regional_coordinator"]
    # when they move program A to Los Angeles County (region B)
    with pytest.raises(ValidationError) as caught:
        services.program_update(actor=coordinator, program=world.program_a, expected_version=1,
                                data=program_data(county=county(LOS_ANGELES), name="Moved"))
    # then the move is refused and the stored program is untouched
    assert "county" in caught.value.message_dict
    stored = Program.objects.get(pk=world.program_a.pk)
    assert (stored.name, stored.region_id, stored.version) == ("Sunrise Center", world.region_a.pk, 1)


def test_editing_a_program_to_a_license_number_already_used_is_a_field_error(world):
    admin = world.people["network_admin"]
    with pytest.raises(ValidationError) as caught:
        services.program_update(actor=admin, program=world.program_a, expected_version=1,
                                data=program_data(license_number=world.program_b.license_number))
    assert "license_number" in caught.value.message_dict


# --- classrooms and staff --------------------------------------------------------------------


def test_program_staff_add_a_classroom_to_their_program(world):
    # given program staff of program A
    staff = world.people["program_staff"]
    # when they add a classroom
    classroom = services.classroom_create(
        actor=staff, program=world.program_a,
        data=services.ClassroomData(name="Butterflies", age_group=AgeGroup.TODDLER, capacity=12),
    )
    # then it belongs to program A and is audited
    assert classroom.program == world.program_a
    assert AccessEvent.objects.filter(action=Action.CREATE, object_type="directory.classroom").exists()


def test_a_classroom_name_is_unique_within_its_program(world):
    # given a classroom named Butterflies at program A
    ClassroomFactory(program=world.program_a, name="Butterflies")
    # when another is added with the same name in another case
    with pytest.raises(ValidationError) as caught:
        services.classroom_create(
            actor=world.people["network_admin"], program=world.program_a,
            data=services.ClassroomData(name="butterflies", age_group=AgeGroup.TODDLER, capacity=12),
        )
    # then the name is refused
    assert "name" in caught.value.message_dict


@pytest.mark.parametrize("role", ["regional_coordinator", "program_staff", "consultant", "evaluator"])
def test_classrooms_of_a_program_outside_scope_cannot_be_added(world, role):
    # given a person whose scope does not reach program B
    with pytest.raises(PermissionDenied):
        services.classroom_create(
            actor=world.people[role], program=world.program_b,
            data=services.ClassroomData(name="Dolphins", age_group=AgeGroup.PRESCHOOL, capacity=20),
        )
    assert not Classroom.objects.filter(name="Dolphins").exists()


def test_a_stale_classroom_edit_is_refused(world):
    classroom = ClassroomFactory(program=world.program_a)
    coordinator = world.people["regional_coordinator"]
    data = services.ClassroomData(name="Sunflowers", age_group=AgeGroup.INFANT, capacity=8)
    services.classroom_update(actor=coordinator, classroom=classroom, expected_version=1, data=data)
    with pytest.raises(StaleEditError):
        services.classroom_update(actor=coordinator, classroom=Classroom.objects.get(pk=classroom.pk),
                                  expected_version=1, data=data)
    assert Classroom.objects.get(pk=classroom.pk).version == 2


def test_staff_are_added_with_their_classrooms_and_languages(world):
    # given a classroom at program A
    room = ClassroomFactory(program=world.program_a)
    # when the coordinator adds a teacher who works in it
    person = services.staff_create(
        actor=world.people["regional_coordinator"], program=world.program_a,
        data=services.StaffData(full_name="Ana López", position=StaffPosition.TEACHER,
                                languages=[Language.objects.get(code="es")], classrooms=[room]),
    )
    # then the teacher is linked to both
    assert list(person.classrooms.all()) == [room]
    assert list(person.languages.values_list("code", flat=True)) == ["es"]


def test_staff_cannot_be_placed_in_another_programs_classroom(world):
    # given a classroom at program B
    elsewhere = ClassroomFactory(program=world.program_b)
    # when a teacher of program A is said to work in it
    with pytest.raises(ValidationError) as caught:
        services.staff_create(
            actor=world.people["network_admin"], program=world.program_a,
            data=services.StaffData(full_name="Ana López", position=StaffPosition.TEACHER, classrooms=[elsewhere]),
        )
    # then it is refused
    assert "classrooms" in caught.value.message_dict
    assert not ProgramStaff.objects.filter(full_name="Ana López").exists()


def test_staff_edits_are_versioned_and_scoped(world):
    # given a teacher at program A and one at program B
    mine = ProgramStaffFactory(program=world.program_a)
    theirs = ProgramStaffFactory(program=world.program_b)
    staff = world.people["program_staff"]
    data = services.StaffData(full_name="New Name", position=StaffPosition.DIRECTOR)
    # when program A's staff edit both
    services.staff_update(actor=staff, staff=mine, expected_version=1, data=data)
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=staff, staff=theirs, expected_version=1, data=data)
    # then only their own teacher changed, and a second save on the old version is stale
    assert ProgramStaff.objects.get(pk=mine.pk).full_name == "New Name"
    assert ProgramStaff.objects.get(pk=theirs.pk).full_name != "New Name"
    with pytest.raises(StaleEditError):
        services.staff_update(actor=staff, staff=ProgramStaff.objects.get(pk=mine.pk), expected_version=1, data=data)


# --- consultants -----------------------------------------------------------------------------


def test_admin_adds_a_consultant_with_an_account_and_membership(world):
    # given a network administrator
    admin = world.people["network_admin"]
    # when they add a consultant who has no account yet
    consultant = services.consultant_create(
        actor=admin, network=world.network, email="Rosa.Quintero@Example.org", data=consultant_data(world)
    )
    # then the profile, an account without a usable password and a consultant membership exist
    assert consultant.user.email == "rosa.quintero@example.org"
    assert not consultant.user.has_usable_password()
    assert Membership.objects.filter(user=consultant.user, network=world.network, role=Role.CONSULTANT).exists()
    assert sorted(consultant.languages.values_list("code", flat=True)) == ["en", "es"]
    assert consultant.setting_expertise == ["preschool", "fcc"]
    assert AccessEvent.objects.filter(action=Action.CREATE, object_type="directory.consultantprofile").exists()


@pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"])
def test_only_admins_add_consultants(world, role):
    with pytest.raises(PermissionDenied):
        services.consultant_create(
            actor=world.people[role], network=world.network, email="new@example.org", data=consultant_data(world)
        )
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_consultant_cannot_serve_a_county_outside_the_network(world):
    with pytest.raises(ValidationError) as caught:
        services.consultant_create(
            actor=world.people["network_admin"], network=world.network, email="new@example.org",
            data=consultant_data(world, counties=[county(FRESNO), county(KERN)]),
        )
    assert caught.value.message_dict == {"counties": ["Kern County is not served by this network."]}


def test_a_licensed_consultant_needs_a_license_number(world):
    with pytest.raises(ValidationError) as caught:
        services.consultant_create(
            actor=world.people["network_admin"], network=world.network, email="new@example.org",
            data=consultant_data(world, license_number=""),
        )
    assert "license_number" in caught.value.message_dict


def test_a_person_with_a_consultant_profile_cannot_get_a_second(world):
    with pytest.raises(ValidationError) as caught:
        services.consultant_create(
            actor=world.people["network_admin"], network=world.network,
            email=world.people["consultant"].email, data=consultant_data(world),
        )
    assert "email" in caught.value.message_dict


def test_a_supervisor_must_supervise_in_this_network(world):
    outsider = MembershipFactory(network=world.other_network, role=Role.SUPERVISOR).user
    with pytest.raises(ValidationError) as caught:
        services.consultant_create(
            actor=world.people["network_admin"], network=world.network, email="new@example.org",
            data=consultant_data(world, supervisor=outsider),
        )
    assert "supervisor" in caught.value.message_dict


def test_a_double_submit_creates_one_consultant(world):
    admin = world.people["network_admin"]
    key = uuid.uuid4()
    services.consultant_create(actor=admin, network=world.network, email="rq@example.org",
                               data=consultant_data(world), submission_key=key)
    with pytest.raises(services.AlreadySubmitted):
        services.consultant_create(actor=admin, network=world.network, email="rq@example.org",
                                   data=consultant_data(world), submission_key=key)
    assert ConsultantProfile.objects.filter(user__email="rq@example.org").count() == 1


def test_coordinator_edits_a_consultant_of_their_region(world):
    # given the world's consultant (region A) and the coordinator of region A
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    # when the coordinator changes their caseload and name
    services.consultant_update(
        actor=world.people["regional_coordinator"], consultant=consultant, expected_version=1,
        data=consultant_data(world, full_name="Consultant Renamed", caseload_capacity=6),
    )
    # then both are saved
    consultant.refresh_from_db()
    assert consultant.caseload_capacity == 6
    assert consultant.user.full_name == "Consultant Renamed"


def test_coordinator_cannot_move_a_consultant_to_another_region(world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    with pytest.raises(ValidationError) as caught:
        services.consultant_update(
            actor=world.people["regional_coordinator"], consultant=consultant, expected_version=1,
            data=consultant_data(world, region=world.region_b),
        )
    assert "region" in caught.value.message_dict
    assert ConsultantProfile.objects.get(pk=consultant.pk).region == world.region_a


def test_a_stale_consultant_edit_is_refused(world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    admin = world.people["network_admin"]
    services.consultant_update(actor=admin, consultant=consultant, expected_version=1, data=consultant_data(world))
    with pytest.raises(StaleEditError):
        services.consultant_update(actor=admin, consultant=ConsultantProfile.objects.get(pk=consultant.pk),
                                   expected_version=1, data=consultant_data(world))


def test_supervisor_cannot_edit_consultants(world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    with pytest.raises(PermissionDenied):
        services.consultant_update(actor=world.people["supervisor"], consultant=consultant, expected_version=1,
                                   data=consultant_data(world))


# --- agencies and regions --------------------------------------------------------------------


def test_admin_adds_and_edits_an_agency(world):
    # given a network administrator
    admin = world.people["network_admin"]
    # when they add an agency and then rename it
    agency = services.agency_create(
        actor=admin, network=world.network, data=services.AgencyData(name="Coast Counseling", region=world.region_b)
    )
    services.agency_update(actor=admin, agency=agency, expected_version=1,
                           data=services.AgencyData(name="Coast Counseling Center", region=world.region_b))
    # then the agency is stored with the new name and version
    agency.refresh_from_db()
    assert (agency.name, agency.version, agency.network) == ("Coast Counseling Center", 2, world.network)


def test_a_duplicate_agency_name_is_a_field_error(world):
    with pytest.raises(ValidationError) as caught:
        services.agency_create(actor=world.people["network_admin"], network=world.network,
                               data=services.AgencyData(name="valley family services"))
    assert "name" in caught.value.message_dict


def test_an_admin_of_another_network_cannot_add_agencies_here(world):
    # given the administrator of the other network
    outsider = MembershipFactory(network=world.other_network, role=Role.NETWORK_ADMIN).user
    # when they add an agency to this network
    with pytest.raises(PermissionDenied):
        services.agency_create(actor=outsider, network=world.network, data=services.AgencyData(name="Intruder Inc"))
    # then the insert was rolled back
    assert not Agency.objects.filter(name="Intruder Inc").exists()


def test_coordinators_cannot_add_or_edit_agencies(world):
    coordinator = world.people["regional_coordinator"]
    agency = AgencyFactory(network=world.network, region=world.region_a)
    with pytest.raises(PermissionDenied):
        services.agency_create(actor=coordinator, network=world.network, data=services.AgencyData(name="Mine"))
    with pytest.raises(PermissionDenied):
        services.agency_update(actor=coordinator, agency=agency, expected_version=1,
                               data=services.AgencyData(name="Mine"))


def test_a_stale_agency_edit_is_refused(world):
    admin = world.people["network_admin"]
    agency = AgencyFactory(network=world.network)
    services.agency_update(actor=admin, agency=agency, expected_version=1, data=services.AgencyData(name="One"))
    with pytest.raises(StaleEditError):
        services.agency_update(actor=admin, agency=Agency.objects.get(pk=agency.pk), expected_version=1,
                               data=services.AgencyData(name="Two"))


def test_admin_adds_a_region_with_new_counties(world):
    # given a network administrator
    admin = world.people["network_admin"]
    # when they add a region covering Kern County, which nobody served yet
    region = services.region_create(
        actor=admin, network=world.network, data=services.RegionData(name="South Valley", code="south-valley",
                                                                     counties=[county(KERN)]),
    )
    # then the network now serves Kern through the new region
    assert NetworkCounty.objects.get(network=world.network, county_id=KERN).region == region


def test_giving_a_county_to_another_region_moves_its_programs(world):
    # given program A in Fresno County, region A
    admin = world.people["network_admin"]
    # when region B is edited to cover Fresno as well
    services.region_update(
        actor=admin, region=world.region_b, expected_version=world.region_b.version,
        data=services.RegionData(name="Los Angeles", code="la", counties=[county(LOS_ANGELES), county(FRESNO)]),
    )
    # then Fresno and its programs belong to region B
    assert NetworkCounty.objects.get(network=world.network, county_id=FRESNO).region == world.region_b
    assert Program.objects.get(pk=world.program_a.pk).region == world.region_b


def test_a_county_with_programs_cannot_be_dropped(world):
    # given program A in Fresno County, region A
    admin = world.people["network_admin"]
    # when region A is edited to cover no county
    with pytest.raises(ValidationError) as caught:
        services.region_update(actor=admin, region=world.region_a, expected_version=world.region_a.version,
                               data=services.RegionData(name="Central Valley", code="central", counties=[]))
    # then the removal is refused by name
    assert caught.value.message_dict["counties"] == [
        "Fresno County still has programs: give it to another region instead of removing it."
    ]
    assert NetworkCounty.objects.filter(region=world.region_a, county_id=FRESNO).exists()


def test_a_county_without_programs_can_be_dropped(world):
    admin = world.people["network_admin"]
    ProgramFactory(network=world.network, region=world.region_a, county=county(FRESNO))
    Program.objects.filter(county_id=FRESNO, network=world.network).delete()
    services.region_update(actor=admin, region=world.region_a, expected_version=world.region_a.version,
                           data=services.RegionData(name="Central Valley", code="central", counties=[]))
    assert not NetworkCounty.objects.filter(network=world.network, county_id=FRESNO).exists()


def test_a_region_code_is_unique_in_the_network(world):
    with pytest.raises(ValidationError) as caught:
        services.region_create(actor=world.people["network_admin"], network=world.network,
                               data=services.RegionData(name="Another", code="la"))
    assert "code" in caught.value.message_dict


def test_only_admins_edit_regions(world):
    with pytest.raises(PermissionDenied):
        services.region_update(actor=world.people["regional_coordinator"], region=world.region_a,
                               expected_version=world.region_a.version,
                               data=services.RegionData(name="Mine", code="central", counties=[county(FRESNO)]))
    assert Region.objects.get(pk=world.region_a.pk).name == "Central Valley"


def test_a_region_edit_over_a_newer_save_is_refused(world):
    # given an administrator who loaded region A, and someone else who saved it since
    admin = world.people["network_admin"]
    loaded_version = world.region_a.version
    services.region_update(
        actor=admin, region=world.region_a, expected_version=loaded_version,
        data=services.RegionData(name="Central Valley North", code="central", counties=[county(FRESNO)]),
    )
    # when the first administrator saves what they loaded
    with pytest.raises(StaleEditError):
        services.region_update(
            actor=admin, region=Region.objects.get(pk=world.region_a.pk), expected_version=loaded_version,
            data=services.RegionData(name="Valley", code="central", counties=[county(FRESNO)]),
        )
    # then the newer save stands
    assert Region.objects.get(pk=world.region_a.pk).name == "Central Valley North"
