"""The directory's screens over HTTP, for each role, inside and outside its scope."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from abrazo.audit.models import AccessEvent, Action
from abrazo.directory.models import (
    Agency,
    Classroom,
    ConsultantProfile,
    Language,
    NetworkCounty,
    Program,
    ProgramStaff,
    Region,
)
from abrazo.directory.tests.factories import (
    ClassroomFactory,
    ConsultantProfileFactory,
    ProgramFactory,
    ProgramStaffFactory,
    county,
)

pytestmark = pytest.mark.django_db

FRESNO, LOS_ANGELES, KERN = "06019", "06037", "06029"


def program_post(**overrides):
    data = {
        "submission_key": "0f6b1a52-7a43-4c4e-9d53-9d1fb1d2c001",
        "name": "Little Oaks Preschool", "setting_type": "center", "auspice": "non_profit",
        "license_number": "109900001", "quality_rating": "none", "address_line1": "12 Olive Avenue",
        "city": "Fresno", "postal_code": "93701", "county": FRESNO, "serves_preschoolers": "on",
        "languages": ["es"],
    }
    data.update(overrides)
    return data


def program_edit_post(program, **overrides):
    data = program_post(
        submission_key="", version=str(program.version), name=program.name, license_number=program.license_number,
        county=program.county_id, is_active="on",
    )
    data.update(overrides)
    return data


def login(client, world, role):
    client.force_login(world.people[role])
    return world.people[role]


# --- program list ------------------------------------------------------------------------------


def test_coordinator_sees_programs_of_their_region_only(client, world):
    # given a coordinator of region A
    login(client, world, "regional_coordinator")
    # when they list programs
    response = client.get(reverse("directory:program-list"))
    # then region A's program is listed and region B's is not
    assert response.status_code == 200
    names = [p.name for p in response.context["page"].items]
    assert names == ["Sunrise Center"]


def test_program_list_filters_by_county_setting_language_and_rurality(client, world):
    # given programs in both regions, one rural Head Start in Los Angeles that speaks Vietnamese
    ProgramFactory(network=world.network, region=world.region_b, county=county(LOS_ANGELES), name="Valley Head Start",
                   setting_type="head_start", is_rural=True).languages.add(Language.objects.get(code="vi"))
    login(client, world, "network_admin")
    url = reverse("directory:program-list")
    # when the administrator filters
    by_county = client.get(url, {"county": LOS_ANGELES})
    by_setting = client.get(url, {"setting_type": "head_start"})
    by_language = client.get(url, {"language": "vi"})
    rural = client.get(url, {"rural": "yes"})
    not_rural = client.get(url, {"rural": "no", "region": str(world.region_a.pk)})
    # then each filter narrows the list
    def names(response):
        return [p.name for p in response.context["page"].items]
    assert names(by_county) == ["Harbor Kids", "Valley Head Start"]
    assert names(by_setting) == names(by_language) == names(rural) == ["Valley Head Start"]
    assert names(not_rural) == ["Sunrise Center"]


def test_program_search_answers_htmx_with_the_results_only(client, world):
    # given an administrator typing in the search box (an HTMX request)
    login(client, world, "network_admin")
    # when they search for "harbor"
    response = client.get(reverse("directory:program-list"), {"q": "harbor"}, HTTP_HX_REQUEST="true")
    # then only the results fragment comes back, with the match, and the search is audited
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body
    assert "Harbor Kids" in body and "Sunrise Center" not in body
    assert AccessEvent.objects.filter(action=Action.SEARCH, object_type="directory.program").exists()


def test_an_htmx_history_restore_gets_the_whole_page(client, world):
    # given a person going back to a filtered list whose snapshot HTMX no longer holds
    login(client, world, "network_admin")
    # when HTMX asks for the page again
    response = client.get(reverse("directory:program-list"), {"q": "harbor"},
                          HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    # then the whole page comes back, and caches are told the answer depends on HX-Request
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_program_list_offers_add_only_to_those_who_may(client, world):
    login(client, world, "regional_coordinator")
    assert reverse("directory:program-create") in client.get(reverse("directory:program-list")).content.decode()
    client.force_login(world.people["consultant"])
    assert reverse("directory:program-create") not in client.get(reverse("directory:program-list")).content.decode()


@pytest.mark.parametrize("page_size", [10, 50])
def test_program_list_query_count_does_not_grow_with_page_size(client, world, settings, page_size,
                                                               django_assert_max_num_queries):
    # given 60 programs with languages in the network, and a page size of 10 or 50
    languages = list(Language.objects.filter(code__in=["es", "en"]))
    for program in ProgramFactory.create_batch(60, network=world.network, region=world.region_a):
        program.languages.set(languages)
    settings.ABRAZO_PAGE_SIZE = page_size
    login(client, world, "network_admin")
    # when the administrator opens the list, then the same small number of queries serves either size
    with django_assert_max_num_queries(20):
        response = client.get(reverse("directory:program-list"))
    assert len(response.context["page"].items) == page_size


# --- program detail ----------------------------------------------------------------------------


def test_program_outside_scope_answers_404(client, world):
    # given program staff of program A
    login(client, world, "program_staff")
    # when they open program B
    response = client.get(reverse("directory:program-detail", args=[world.program_b.pk]))
    # then it does not exist for them
    assert response.status_code == 404


def test_admin_never_sees_another_network(client, world):
    login(client, world, "network_admin")
    response = client.get(reverse("directory:program-detail", args=[world.other_program.pk]))
    assert response.status_code == 404


def test_program_detail_shows_classrooms_staff_and_edit_links_to_program_staff(client, world):
    # given a classroom and a teacher at program A
    room = ClassroomFactory(program=world.program_a, name="Butterflies")
    teacher = ProgramStaffFactory(program=world.program_a, full_name="Ana López")
    login(client, world, "program_staff")
    # when program A's staff open it
    body = client.get(world.program_a.get_absolute_url()).content.decode()
    # then they see both, and links to edit the program, the classroom and the teacher and to add more
    assert "Butterflies" in body and "Ana López" in body
    for url in (
        reverse("directory:program-edit", args=[world.program_a.pk]),
        reverse("directory:classroom-create", args=[world.program_a.pk]),
        reverse("directory:classroom-edit", args=[room.pk]),
        reverse("directory:staff-create", args=[world.program_a.pk]),
        reverse("directory:staff-edit", args=[teacher.pk]),
    ):
        assert url in body


def test_program_detail_has_no_edit_links_for_a_consultant(client, world):
    # given the consultant serving Fresno and a classroom at program A
    room = ClassroomFactory(program=world.program_a, name="Butterflies")
    login(client, world, "consultant")
    # when they open program A
    body = client.get(world.program_a.get_absolute_url()).content.decode()
    # then they see the classroom but may change nothing
    assert "Butterflies" in body
    assert "/edit/" not in body and "/new/" not in body
    assert reverse("directory:classroom-edit", args=[room.pk]) not in body


def test_evaluators_see_the_program_but_not_its_staff(client, world):
    # given a teacher at program A
    ProgramStaffFactory(program=world.program_a, full_name="Ana López")
    login(client, world, "evaluator")
    # when an evaluator opens the program
    response = client.get(world.program_a.get_absolute_url())
    # then the program is shown, and nothing about the people who work there
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sunrise Center" in body
    assert "Ana López" not in body and 'id="staff-title"' not in body


# --- program create and edit -------------------------------------------------------------------


def test_coordinator_adds_a_program_and_is_sent_to_it(client, world):
    # given the coordinator of region A on the add-program page
    login(client, world, "regional_coordinator")
    form_page = client.get(reverse("directory:program-create"))
    assert form_page.status_code == 200
    # when they submit a valid program in Fresno County
    response = client.post(reverse("directory:program-create"), program_post(), follow=True)
    # then it is created in region A and they land on it with a success message
    program = Program.objects.get(name="Little Oaks Preschool")
    assert program.region == world.region_a
    assert response.redirect_chain[-1][0] == program.get_absolute_url()
    assert "Program “Little Oaks Preschool” added." in response.content.decode()


def test_add_program_page_offers_only_counties_of_the_coordinators_region(client, world):
    login(client, world, "regional_coordinator")
    body = client.get(reverse("directory:program-create")).content.decode()
    assert f'value="{FRESNO}"' in body and f'value="{LOS_ANGELES}"' not in body


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_add_program_page_does_not_exist_for_other_roles(client, world, role):
    login(client, world, role)
    assert client.get(reverse("directory:program-create")).status_code == 404
    assert client.post(reverse("directory:program-create"), program_post()).status_code == 404
    assert not Program.objects.filter(name="Little Oaks Preschool").exists()


def test_missing_required_fields_keep_what_was_typed(client, world):
    # given an administrator who forgets the street address and the city
    login(client, world, "network_admin")
    # when they submit
    response = client.post(
        reverse("directory:program-create"), program_post(address_line1="", city="", name="Half Typed Name")
    )
    # then the form comes back with their input and a linked message on each missing field
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="Half Typed Name"' in body
    assert 'value="109900001"' in body
    assert re.search(r'<option value="es"|value="es"[^>]*checked|checked[^>]*value="es"', body)
    assert 'id="id_address_line1_error"' in body and 'aria-describedby="id_address_line1_error"' in body
    assert 'aria-invalid="true"' in body
    assert 'role="alert"' in body
    assert not Program.objects.filter(name="Half Typed Name").exists()


def test_a_duplicate_license_number_is_shown_on_its_field(client, world):
    login(client, world, "network_admin")
    response = client.post(
        reverse("directory:program-create"), program_post(license_number=world.program_a.license_number)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Another program in this network already has license number {world.program_a.license_number}." in body
    assert 'aria-describedby="id_license_number_helptext id_license_number_error"' in body
    assert 'value="Little Oaks Preschool"' in body


def test_an_unserved_or_unknown_county_is_refused_clearly(client, world):
    login(client, world, "network_admin")
    unserved = client.post(reverse("directory:program-create"), program_post(county=KERN)).content.decode()
    unknown = client.post(reverse("directory:program-create"), program_post(county="99999")).content.decode()
    assert "Kern County is not served by this network." in unserved
    assert "Unknown county. Choose a county from the list." in unknown
    assert not Program.objects.filter(name="Little Oaks Preschool").exists()


def test_a_double_submit_of_the_add_program_form_creates_one_program(client, world):
    # given an administrator who clicks "Save" twice on the same form
    login(client, world, "network_admin")
    first = client.post(reverse("directory:program-create"), program_post())
    # when the second submission arrives
    second = client.post(reverse("directory:program-create"), program_post(), follow=True)
    # then one program exists and the second submit leads to it with an explanation
    program = Program.objects.get(name="Little Oaks Preschool")
    assert first.status_code == 302 and first["Location"] == program.get_absolute_url()
    assert second.redirect_chain[-1][0] == program.get_absolute_url()
    assert "This form had already been sent, so nothing was added twice." in second.content.decode()


def test_each_add_form_carries_a_fresh_submission_key(client, world):
    login(client, world, "network_admin")
    keys = [
        re.search(r'name="submission_key" value="([0-9a-f-]+)"', client.get(reverse("directory:program-create"))
                  .content.decode()).group(1)
        for _ in range(2)
    ]
    assert keys[0] != keys[1]


def test_coordinator_edits_a_program_of_their_region(client, world):
    login(client, world, "regional_coordinator")
    url = reverse("directory:program-edit", args=[world.program_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, program_edit_post(world.program_a, name="Sunrise Early Learning Center"))
    assert response.status_code == 302
    assert Program.objects.get(pk=world.program_a.pk).name == "Sunrise Early Learning Center"


@pytest.mark.parametrize(("role", "program"), [
    ("regional_coordinator", "program_b"), ("program_staff", "program_b"), ("network_admin", "other_program"),
])
def test_editing_a_program_outside_scope_answers_404(client, world, role, program):
    login(client, world, role)
    target = getattr(world, program)
    url = reverse("directory:program-edit", args=[target.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, program_edit_post(target, name="Hijacked")).status_code == 404
    assert Program.objects.get(pk=target.pk).name != "Hijacked"


def test_consultants_cannot_edit_programs_they_serve(client, world):
    login(client, world, "consultant")
    assert client.get(reverse("directory:program-edit", args=[world.program_a.pk])).status_code == 404


def test_a_stale_edit_keeps_the_input_and_explains(client, world):
    # given a coordinator who opened the edit form on version 1, and someone else saved since
    login(client, world, "regional_coordinator")
    Program.objects.filter(pk=world.program_a.pk).update(name="Changed Meanwhile", version=2)
    # when the coordinator saves their edit made on version 1
    response = client.post(
        reverse("directory:program-edit", args=[world.program_a.pk]),
        program_edit_post(world.program_a, name="My Edit", version="1"),
    )
    # then nothing is overwritten, their input is kept, and the form now carries the current version
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record while you were editing it." in body
    assert 'value="My Edit"' in body
    assert 'name="version" value="2"' in body
    assert Program.objects.get(pk=world.program_a.pk).name == "Changed Meanwhile"


# --- classrooms and staff ----------------------------------------------------------------------


def test_program_staff_add_and_edit_a_classroom(client, world):
    login(client, world, "program_staff")
    add = reverse("directory:classroom-create", args=[world.program_a.pk])
    response = client.post(add, {"submission_key": "", "name": "Butterflies", "age_group": "toddler", "capacity": "12"})
    assert response.status_code == 302 and response["Location"] == world.program_a.get_absolute_url()
    room = Classroom.objects.get(program=world.program_a, name="Butterflies")
    edit = reverse("directory:classroom-edit", args=[room.pk])
    response = client.post(edit, {"version": "1", "name": "Big Butterflies", "age_group": "preschool",
                                  "capacity": "18", "is_active": "on"})
    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.name, room.capacity, room.version) == ("Big Butterflies", 18, 2)


def test_a_classroom_with_a_bad_capacity_keeps_its_name(client, world):
    login(client, world, "program_staff")
    response = client.post(reverse("directory:classroom-create", args=[world.program_a.pk]),
                           {"name": "Butterflies", "age_group": "toddler", "capacity": "0"})
    body = response.content.decode()
    assert 'value="Butterflies"' in body and 'id="id_capacity_error"' in body


@pytest.mark.parametrize("role", ["program_staff", "regional_coordinator", "consultant"])
def test_classrooms_of_programs_outside_scope_are_not_found(client, world, role):
    room = ClassroomFactory(program=world.program_b)
    login(client, world, role)
    assert client.get(reverse("directory:classroom-create", args=[world.program_b.pk])).status_code == 404
    assert client.get(reverse("directory:classroom-edit", args=[room.pk])).status_code == 404


def test_coordinator_adds_and_edits_staff(client, world):
    room = ClassroomFactory(program=world.program_a, name="Butterflies")
    login(client, world, "regional_coordinator")
    response = client.post(
        reverse("directory:staff-create", args=[world.program_a.pk]),
        {"full_name": "Ana López", "position": "teacher", "languages": ["es"], "classrooms": [str(room.pk)]},
    )
    assert response.status_code == 302
    person = ProgramStaff.objects.get(full_name="Ana López")
    assert list(person.classrooms.all()) == [room]
    response = client.post(
        reverse("directory:staff-edit", args=[person.pk]),
        {"version": "1", "full_name": "Ana María López", "position": "director", "is_active": "on"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.full_name, person.position, person.classrooms.count()) == ("Ana María López", "director", 0)


def test_staff_of_another_program_are_not_found(client, world):
    person = ProgramStaffFactory(program=world.program_b)
    login(client, world, "program_staff")
    assert client.get(reverse("directory:staff-edit", args=[person.pk])).status_code == 404
    assert client.get(reverse("directory:staff-create", args=[world.program_b.pk])).status_code == 404


def test_staff_form_offers_only_this_programs_classrooms(client, world):
    ClassroomFactory(program=world.program_a, name="Butterflies")
    ClassroomFactory(program=world.program_b, name="Dolphins")
    login(client, world, "network_admin")
    body = client.get(reverse("directory:staff-create", args=[world.program_a.pk])).content.decode()
    assert "Butterflies" in body and "Dolphins" not in body


# --- consultants -------------------------------------------------------------------------------


def consultant_post(world, **overrides):
    agency = Agency.objects.get(network=world.network, name="Valley Family Services")
    data = {
        "full_name": "Rosa Quintero", "email": "rosa@example.org", "region": str(world.region_a.pk),
        "agency": str(agency.pk), "supervisor": str(world.people["supervisor"].pk), "license_type": "lcsw",
        "license_number": "LCSW 12345", "languages": ["es", "en"], "counties": [FRESNO],
        "setting_expertise": ["preschool"], "fte": "0.8", "caseload_capacity": "10",
    }
    data.update(overrides)
    return data


def test_consultant_detail_shows_the_profile(client, world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    consultant.license_number = "LMFT 777"
    consultant.save()
    consultant.languages.set(Language.objects.filter(code__in=["es"]))
    login(client, world, "regional_coordinator")
    body = client.get(consultant.get_absolute_url()).content.decode()
    for text in ("LMFT 777", "Spanish", "Fresno", "Preschool", "Valley Family Services", "Supervisor Person",
                 "1.00", "12 open episodes", reverse("directory:consultant-edit", args=[consultant.pk])):
        assert text in body


def test_a_consultant_sees_their_own_profile_without_edit_link(client, world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    login(client, world, "consultant")
    body = client.get(consultant.get_absolute_url()).content.decode()
    assert world.people["consultant"].full_name in body
    assert reverse("directory:consultant-edit", args=[consultant.pk]) not in body


def test_consultant_search_answers_htmx_with_the_results_only(client, world):
    ConsultantProfileFactory(network=world.network, region=world.region_b, user__full_name="Zoe Harbor",
                             agency=Agency.objects.get(name="Valley Family Services"))
    login(client, world, "network_admin")
    response = client.get(reverse("directory:consultant-list"), {"q": "harbor"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert "Zoe Harbor" in body and world.people["consultant"].full_name not in body
    assert AccessEvent.objects.filter(action=Action.SEARCH, object_type="directory.consultantprofile").exists()


def test_consultant_list_filters_by_region_county_and_language(client, world):
    other = ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county(LOS_ANGELES)],
                                     agency=Agency.objects.get(name="Valley Family Services"))
    other.languages.set(Language.objects.filter(code="vi"))
    login(client, world, "network_admin")
    url = reverse("directory:consultant-list")
    def ids(params):
        return [c.pk for c in client.get(url, params).context["page"].items]
    assert ids({"region": str(world.region_b.pk)}) == [other.pk]
    assert ids({"county": LOS_ANGELES}) == [other.pk]
    assert ids({"language": "vi"}) == [other.pk]


def test_coordinator_lists_only_consultants_of_their_region(client, world):
    ConsultantProfileFactory(network=world.network, region=world.region_b,
                             agency=Agency.objects.get(name="Valley Family Services"))
    login(client, world, "regional_coordinator")
    items = client.get(reverse("directory:consultant-list")).context["page"].items
    assert [c.user for c in items] == [world.people["consultant"]]


@pytest.mark.parametrize("page_size", [10, 50])
def test_consultant_list_query_count_does_not_grow_with_page_size(client, world, settings, page_size,
                                                                  django_assert_max_num_queries):
    agency = Agency.objects.get(name="Valley Family Services")
    languages = list(Language.objects.filter(code__in=["es", "en"]))
    for profile in ConsultantProfileFactory.create_batch(55, network=world.network, region=world.region_a,
                                                         agency=agency, supervisor=world.people["supervisor"]):
        profile.languages.set(languages)
    settings.ABRAZO_PAGE_SIZE = page_size
    login(client, world, "network_admin")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("directory:consultant-list"))
    assert len(response.context["page"].items) == page_size


def test_admin_adds_a_consultant(client, world):
    login(client, world, "network_admin")
    assert client.get(reverse("directory:consultant-create")).status_code == 200
    response = client.post(reverse("directory:consultant-create"), consultant_post(world), follow=True)
    consultant = ConsultantProfile.objects.get(user__email="rosa@example.org")
    assert response.redirect_chain[-1][0] == consultant.get_absolute_url()
    assert "Consultant Rosa Quintero added." in response.content.decode()


def test_a_consultant_in_an_unserved_county_is_refused_with_input_kept(client, world):
    login(client, world, "network_admin")
    response = client.post(reverse("directory:consultant-create"), consultant_post(world, counties=[FRESNO, KERN]))
    body = response.content.decode()
    assert "Kern County is not served by this network." in body
    assert 'value="Rosa Quintero"' in body and 'value="rosa@example.org"' in body
    assert not ConsultantProfile.objects.filter(user__email="rosa@example.org").exists()


def test_coordinators_cannot_add_consultants(client, world):
    login(client, world, "regional_coordinator")
    assert client.get(reverse("directory:consultant-create")).status_code == 404


def test_coordinator_edits_a_consultant_of_their_region_only(client, world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    elsewhere = ConsultantProfileFactory(network=world.network, region=world.region_b,
                                         agency=Agency.objects.get(name="Valley Family Services"))
    login(client, world, "regional_coordinator")
    response = client.post(reverse("directory:consultant-edit", args=[consultant.pk]),
                           {**consultant_post(world, caseload_capacity="7"), "version": "1", "is_active": "on"})
    assert response.status_code == 302
    assert ConsultantProfile.objects.get(pk=consultant.pk).caseload_capacity == 7
    assert client.get(reverse("directory:consultant-edit", args=[elsewhere.pk])).status_code == 404


# --- agencies and regions ----------------------------------------------------------------------


def test_admin_adds_and_edits_an_agency(client, world):
    login(client, world, "network_admin")
    response = client.post(reverse("directory:agency-create"), {"name": "Coast Counseling",
                                                                "region": str(world.region_b.pk)})
    agency = Agency.objects.get(name="Coast Counseling")
    assert response["Location"] == agency.get_absolute_url()
    response = client.post(reverse("directory:agency-edit", args=[agency.pk]),
                           {"version": "1", "name": "Coast Counseling Center", "is_active": "on"})
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.name, agency.region) == ("Coast Counseling Center", None)


def test_a_duplicate_agency_name_is_shown_on_the_field(client, world):
    login(client, world, "network_admin")
    body = client.post(reverse("directory:agency-create"), {"name": "Valley Family Services"}).content.decode()
    assert "This network already has an agency called Valley Family Services." in body


@pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant"])
def test_only_admins_add_or_edit_agencies(client, world, role):
    agency = Agency.objects.get(name="Valley Family Services")
    login(client, world, role)
    assert client.get(reverse("directory:agency-create")).status_code == 404
    assert client.get(reverse("directory:agency-edit", args=[agency.pk])).status_code == 404


def test_agency_detail_lists_its_consultants_in_scope(client, world):
    agency = Agency.objects.get(name="Valley Family Services")
    login(client, world, "supervisor")
    body = client.get(agency.get_absolute_url()).content.decode()
    assert world.people["consultant"].full_name in body


def test_region_detail_lists_its_counties(client, world):
    login(client, world, "consultant")
    body = client.get(world.region_a.get_absolute_url()).content.decode()
    assert "Fresno County" in body and FRESNO in body
    assert "Los Angeles County" not in body
    assert reverse("directory:region-edit", args=[world.region_a.pk]) not in body


def test_admin_adds_a_region_and_moves_a_county_into_it(client, world):
    login(client, world, "network_admin")
    response = client.post(reverse("directory:region-create"),
                           {"name": "South Valley", "code": "south-valley", "counties": [KERN, FRESNO]})
    region = Region.objects.get(code="south-valley")
    assert response["Location"] == region.get_absolute_url()
    assert NetworkCounty.objects.get(network=world.network, county_id=FRESNO).region == region
    assert Program.objects.get(pk=world.program_a.pk).region == region


def test_region_edit_form_marks_counties_of_other_regions(client, world):
    login(client, world, "network_admin")
    body = client.get(reverse("directory:region-edit", args=[world.region_a.pk])).content.decode()
    assert "Los Angeles County (now in Los Angeles)" in body
    assert re.search(rf'value="{FRESNO}"[^>]*checked', body)


def test_dropping_a_county_with_programs_keeps_the_form(client, world):
    login(client, world, "network_admin")
    response = client.post(reverse("directory:region-edit", args=[world.region_a.pk]),
                           {"name": "Central Valley Renamed", "code": "central", "version": world.region_a.version})
    body = response.content.decode()
    assert "Fresno County still has programs" in body and 'value="Central Valley Renamed"' in body
    assert Region.objects.get(pk=world.region_a.pk).name == "Central Valley"


@pytest.mark.parametrize("role", ["regional_coordinator", "evaluator"])
def test_only_admins_add_or_edit_regions(client, world, role):
    login(client, world, role)
    assert client.get(reverse("directory:region-create")).status_code == 404
    assert client.get(reverse("directory:region-edit", args=[world.region_a.pk])).status_code == 404
