"""Scoped reads of the directory: what each person may list, open and pick from."""

from __future__ import annotations

import pytest
from django.http import Http404

from abrazo.audit.models import AccessEvent, Action
from abrazo.directory import selectors
from abrazo.directory.models import Agency, ConsultantProfile, Language, Program
from abrazo.directory.selectors import ConsultantFilters, ProgramFilters
from abrazo.directory.tests.factories import (
    ClassroomFactory,
    ConsultantProfileFactory,
    ProgramFactory,
    ProgramStaffFactory,
    county,
)

pytestmark = pytest.mark.django_db

FRESNO, LOS_ANGELES = "06019", "06037"


def test_program_form_counties_follow_where_the_person_may_add(world):
    # given an administrator, the coordinator of region A, and program A's staff
    def fips(user, program=None):
        return [c.fips for c in selectors.program_form_counties_for(user=user, program=program)]
    # then the administrator picks from every served county, the coordinator from region A's,
    # and program staff (who may edit but not add) from their own program's region only
    assert fips(world.people["network_admin"]) == [FRESNO, LOS_ANGELES]
    assert fips(world.people["regional_coordinator"]) == [FRESNO]
    assert fips(world.people["program_staff"]) == []
    assert fips(world.people["program_staff"], world.program_a) == [FRESNO]


def test_network_for_finds_where_a_permission_is_held(world):
    assert selectors.network_for(user=world.people["regional_coordinator"], permission="program.create") == (
        world.network
    )
    assert selectors.network_for(user=world.people["consultant"], permission="program.create") is None


def test_program_queryset_filters_combine(world):
    # given a rural Spanish-speaking program in Los Angeles
    rural = ProgramFactory(network=world.network, region=world.region_b, county=county(LOS_ANGELES),
                           is_rural=True, name="Desert Sprouts")
    rural.languages.add(Language.objects.get(code="es"))
    admin = world.people["network_admin"]
    # when filters are combined
    found = selectors.program_queryset_for(
        user=admin, filters=ProgramFilters(county_fips=LOS_ANGELES, rural=True, language="es", query="sprouts")
    )
    # then only that program matches
    assert list(found) == [rural]


def test_inactive_programs_are_left_out_unless_asked(world):
    Program.objects.filter(pk=world.program_b.pk).update(is_active=False)
    admin = world.people["network_admin"]
    assert world.program_b not in selectors.program_queryset_for(user=admin)
    assert world.program_b in selectors.program_queryset_for(user=admin, filters=ProgramFilters(include_inactive=True))


def test_consultant_filters_and_scope(world):
    # given a Vietnamese-speaking consultant in region B serving Los Angeles
    agency = Agency.objects.get(name="Valley Family Services")
    other = ConsultantProfileFactory(network=world.network, region=world.region_b, agency=agency,
                                     counties=[county(LOS_ANGELES)], user__full_name="Minh Tran")
    other.languages.add(Language.objects.get(code="vi"))
    admin, coordinator = world.people["network_admin"], world.people["regional_coordinator"]
    # then filters narrow the administrator's list, and the coordinator of region A never sees them
    assert list(selectors.consultant_queryset_for(user=admin, filters=ConsultantFilters(language="vi"))) == [other]
    assert list(selectors.consultant_queryset_for(user=admin, filters=ConsultantFilters(query="minh tran"))) == [other]
    assert list(selectors.consultant_queryset_for(user=admin, filters=ConsultantFilters(agency_id=agency.pk,
                                                                                         county_fips=FRESNO))) == [
        ConsultantProfile.objects.get(user=world.people["consultant"])
    ]
    assert other not in selectors.consultant_queryset_for(user=coordinator)


def test_a_page_of_consultants_is_audited_with_its_ids(world):
    consultants = list(selectors.consultant_queryset_for(user=world.people["network_admin"]))
    selectors.consultant_page_record(user=world.people["network_admin"], consultants=consultants,
                                     filters=ConsultantFilters(query="x"))
    event = AccessEvent.objects.get(action=Action.SEARCH, object_type="directory.consultantprofile")
    assert event.object_ids == [str(c.pk) for c in consultants]


def test_classroom_and_staff_outside_scope_answer_404(world):
    room = ClassroomFactory(program=world.program_b)
    person = ProgramStaffFactory(program=world.program_b)
    staff = world.people["program_staff"]
    with pytest.raises(Http404):
        selectors.classroom_get_for(user=staff, classroom_id=room.pk)
    with pytest.raises(Http404):
        selectors.staff_get_for(user=staff, staff_id=person.pk)


def test_opening_a_staff_member_is_audited(world):
    person = ProgramStaffFactory(program=world.program_a)
    found = selectors.staff_get_for(user=world.people["program_staff"], staff_id=person.pk, permission="staff.edit")
    assert found == person
    assert AccessEvent.objects.filter(action=Action.VIEW, object_id=str(person.pk)).exists()


def test_regions_for_editing_are_an_admins_only(world):
    with pytest.raises(Http404):
        selectors.region_get_for(user=world.people["regional_coordinator"], region_id=world.region_a.pk,
                                 permission="region.edit")
    region = selectors.region_get_for(user=world.people["network_admin"], region_id=world.region_a.pk,
                                      permission="region.edit")
    assert [nc.county_id for nc in region.network_counties.all()] == [FRESNO]


def test_regions_for_permission_follow_the_policy(world):
    coordinator, admin = world.people["regional_coordinator"], world.people["network_admin"]
    assert list(selectors.regions_for_permission(user=coordinator, permission="consultant.edit")) == [world.region_a]
    assert list(selectors.regions_for_permission(user=coordinator, permission="consultant.create")) == []
    assert set(selectors.regions_for_permission(user=admin, permission="consultant.create")) == {
        world.region_a, world.region_b
    }


def test_a_consultant_sees_only_themself_among_their_agencys_consultants(world):
    agency = Agency.objects.get(name="Valley Family Services")
    ConsultantProfileFactory(network=world.network, region=world.region_a, agency=agency)
    mine = selectors.agency_consultants_for(user=world.people["consultant"], agency=agency)
    everyone = selectors.agency_consultants_for(user=world.people["network_admin"], agency=agency)
    assert [c.user for c in mine] == [world.people["consultant"]]
    assert len(everyone) == 2


def test_supervisors_of_a_network(world):
    assert list(selectors.supervisors_of(network=world.network)) == [world.people["supervisor"]]
    assert list(selectors.supervisors_of(network=world.other_network)) == []


def test_current_version_reads_the_stored_one(world):
    stale = Program.objects.get(pk=world.program_a.pk)
    Program.objects.filter(pk=stale.pk).update(version=5)
    assert selectors.current_version_of(obj=stale) == 5
