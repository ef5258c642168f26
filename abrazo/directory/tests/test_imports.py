"""Directory imports through the service: worked examples of each kind, every error with its line and column,
all or nothing, idempotent re-imports, a coordinator's region, file limits and the audit line."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from abrazo.accounts.models import Membership, Role, User
from abrazo.audit.models import AccessEvent, Action
from abrazo.core import tabular
from abrazo.directory import imports
from abrazo.directory.imports import DirectoryKind
from abrazo.directory.models import Classroom, ConsultantProfile, Program, ProgramStaff
from abrazo.directory.tests.factories import ClassroomFactory, ProgramStaffFactory, county

pytestmark = pytest.mark.django_db


def table(text: str) -> tabular.Table:
    return tabular.read_csv_text(text.strip() + "\n")


def run(world, kind: DirectoryKind, text: str, *, who: str = "network_admin", dry_run: bool = False):
    return imports.import_table(
        actor=world.people[who], network=world.network, kind=kind, table=table(text), dry_run=dry_run
    )


def errors(preview) -> set[tuple[int, str]]:
    return {(error.line, error.column) for error in preview.errors}


PROGRAMS = """
license_number,name,setting_type,auspice,address_line1,city,postal_code,county,serves_infants,quality_rating
LIC-1,Little Oaks,center,non_profit,1 Oak St,Fresno,93721,Fresno,yes,tier_3
LIC-2,Casa Sol,Family child care home (small),For-profit,2 Sun Ave,Long Beach,90802,6037,no,
"""


def test_programs_are_created_with_region_from_county_then_reimport_changes_nothing(world):
    # given a file of two programs, one in each region (county by name, and by a FIPS code that a spreadsheet
    # turned into the number 6037)
    # when the administrator imports it
    preview = run(world, DirectoryKind.PROGRAMS, PROGRAMS)
    # then both are created, in the region serving their county, with parsed choices and flags
    assert preview.errors == []
    assert preview.summary.as_dict() == {"new": 2, "updated": 0, "unchanged": 0}
    oaks = Program.objects.get(network=world.network, license_number="LIC-1")
    sol = Program.objects.get(network=world.network, license_number="LIC-2")
    assert (oaks.region, oaks.county_id, oaks.serves_infants, oaks.quality_rating) == (
        world.region_a, "06019", True, "tier_3")
    assert (sol.region, sol.setting_type, sol.auspice, sol.quality_rating) == (
        world.region_b, "fcc_small", "for_profit", "none")
    versions = {oaks.pk: oaks.version, sol.pk: sol.version}
    # when the same file is imported again
    again = run(world, DirectoryKind.PROGRAMS, PROGRAMS)
    # then nothing changes, not even a version
    assert again.summary.as_dict() == {"new": 0, "updated": 0, "unchanged": 2}
    assert {p.pk: p.version for p in Program.objects.filter(license_number__in=["LIC-1", "LIC-2"])} == versions


def test_a_changed_row_updates_only_that_program_and_absent_columns_stay(world):
    run(world, DirectoryKind.PROGRAMS, PROGRAMS)
    changed = PROGRAMS.replace("Little Oaks", "Little Oaks Academy").replace(",tier_3", ",tier_4")
    # the phone column is not in the file: an existing phone stays
    Program.objects.filter(license_number="LIC-2").update(phone="562-555-0100")
    preview = run(world, DirectoryKind.PROGRAMS, changed)
    assert preview.summary.as_dict() == {"new": 0, "updated": 1, "unchanged": 1}
    oaks = Program.objects.get(license_number="LIC-1")
    assert (oaks.name, oaks.quality_rating, oaks.version) == ("Little Oaks Academy", "tier_4", 2)
    assert Program.objects.get(license_number="LIC-2").phone == "562-555-0100"


def test_spanish_headers_and_values_are_understood(world):
    text = """
Número de licencia,Nombre,Tipo de programa,Auspicio,Dirección,Ciudad,Código postal,Condado,Atiende bebés,Activo
LIC-9,Pequeños Pasos,Centro de cuidado infantil,Sin fines de lucro,9 Calle,Fresno,93721,Condado de Fresno,sí,no
"""
    with translation.override("es"):
        preview = run(world, DirectoryKind.PROGRAMS, text)
    assert preview.errors == []
    program = Program.objects.get(license_number="LIC-9")
    assert (program.setting_type, program.auspice, program.serves_infants, program.is_active) == (
        "center", "non_profit", True, False)


def test_every_kind_of_error_is_reported_by_line_and_column_and_nothing_is_written(world):
    # given a file whose line 2 is good and every other line has one kind of problem
    text = """
license_number,name,setting_type,auspice,address_line1,city,postal_code,county,email,is_rural
GOOD-1,Good,center,non_profit,1 A St,Fresno,93721,Fresno,,no
BAD-1,,center,non_profit,1 A St,Fresno,93721,Fresno,,no
BAD-2,Bad setting,castle,non_profit,1 A St,Fresno,93721,Fresno,,no
BAD-3,Bad zip,center,non_profit,1 A St,Fresno,937,Fresno,,maybe
BAD-4,Bad county,center,non_profit,1 A St,Fresno,93721,Atlantis,not-an-email,no
BAD-5,Not served,center,non_profit,1 A St,Sacramento,95814,Sacramento,,no
GOOD-1,Twice,center,non_profit,1 A St,Fresno,93721,Fresno,,no
,No license,center,non_profit,1 A St,Fresno,93721,Fresno,,no
"""
    preview = run(world, DirectoryKind.PROGRAMS, text)
    # then each problem names its spreadsheet line and column (the header is line 1)
    assert errors(preview) == {
        (3, "name"), (4, "setting_type"), (5, "postal_code"), (5, "is_rural"), (6, "county"), (6, "email"),
        (7, "county"), (8, "license_number"), (9, "license_number"),
    }
    messages = {(error.line, error.column): error.message for error in preview.errors}
    assert "line 2" in messages[(8, "license_number")]
    assert "does not serve" in messages[(7, "county")]
    # and the good line was not written either
    assert not Program.objects.filter(license_number="GOOD-1").exists()


def test_errors_are_in_the_persons_language(world):
    text = (
        "license_number,name,setting_type,auspice,address_line1,city,postal_code,county\n"
        "X,Y,castle,non_profit,1,F,93721,Fresno\n"
    )
    with translation.override("es"):
        preview = run(world, DirectoryKind.PROGRAMS, text)
    assert preview.errors[0].column == "setting_type"
    assert preview.errors[0].message  # translated when the Spanish catalogue has it; never empty


def test_header_problems_unknown_missing_and_doubled_columns(world):
    text = "license_number,name,colour,licencia\nA,B,red,A\n"
    preview = run(world, DirectoryKind.PROGRAMS, text)
    assert all(error.line == 0 for error in preview.errors)
    columns = {error.column for error in preview.errors}
    assert "colour" in columns and "licencia" in columns
    assert any("setting_type" in error.column for error in preview.errors)  # the missing ones, named


def test_coordinator_imports_only_in_her_region(world):
    # given a coordinator of region A and a file with a program in each region
    preview = run(world, DirectoryKind.PROGRAMS, PROGRAMS, who="regional_coordinator")
    # then the Los Angeles row is refused, and so is the file
    assert errors(preview) == {(3, "county")}
    assert not Program.objects.filter(license_number__in=["LIC-1", "LIC-2"]).exists()
    # and a program of region B cannot be changed through its license number either
    world.program_b.license_number = "LA-77"
    world.program_b.save()
    text = PROGRAMS.strip().splitlines()[0] + "\nLA-77,Moved,center,non_profit,1 Oak St,Fresno,93721,Fresno,no,\n"
    preview = run(world, DirectoryKind.PROGRAMS, text, who="regional_coordinator")
    assert errors(preview) == {(2, "license_number")}


def test_roles_without_the_permission_are_refused(world):
    with pytest.raises(PermissionDenied):
        run(world, DirectoryKind.PROGRAMS, PROGRAMS, who="program_staff")


def test_dry_run_writes_nothing(world):
    preview = run(world, DirectoryKind.PROGRAMS, PROGRAMS, dry_run=True)
    assert preview.summary.new == 2
    assert not Program.objects.filter(license_number="LIC-1").exists()


def test_one_audit_event_per_import_with_counts_and_ids(world):
    before = AccessEvent.objects.count()
    run(world, DirectoryKind.PROGRAMS, PROGRAMS)
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("occurred_at")
    created = set(Program.objects.filter(license_number__in=["LIC-1", "LIC-2"]).values_list("pk", flat=True))
    assert (event.action, event.object_type, event.object_id) == (Action.CREATE, "directory.program", "import +2 ~0 =0")
    assert set(event.object_ids) == {str(pk) for pk in created}
    run(world, DirectoryKind.PROGRAMS, PROGRAMS)
    event = AccessEvent.objects.latest("occurred_at")
    assert (event.action, event.object_id, event.object_ids) == (Action.UPDATE, "import +0 ~0 =2", [])


# --- classrooms and staff -----------------------------------------------------------------------------------


@pytest.fixture
def licensed(world):
    for program, number in ((world.program_a, "FR-1"), (world.program_b, "LA-1")):
        program.license_number = number
        program.save()
    return world


def test_classrooms_by_program_license_and_name(licensed):
    world = licensed
    ClassroomFactory(program=world.program_a, name="Butterflies", age_group="toddler", capacity=12)
    text = """
program,name,age_group,capacity
FR-1,butterflies,toddler,12
FR-1,Ladybugs,Preschool,20
LA-1,Seahorses,infants,8
"""
    preview = run(world, DirectoryKind.CLASSROOMS, text)
    assert preview.errors == []
    # the stored Butterflies matches whatever the case of its name
    assert preview.summary.as_dict() == {"new": 2, "updated": 0, "unchanged": 1}
    assert Classroom.objects.get(program=world.program_b, name="Seahorses").age_group == "infant"
    assert run(world, DirectoryKind.CLASSROOMS, text).summary.as_dict() == {"new": 0, "updated": 0, "unchanged": 3}


def test_classroom_errors(licensed):
    text = """
program,name,age_group,capacity
NOPE,Room,toddler,12
FR-1,,toddler,12
FR-1,Room,teens,0
FR-1,Room2,toddler,ten
FR-1,Room2,toddler,10
"""
    preview = run(licensed, DirectoryKind.CLASSROOMS, text)
    assert errors(preview) == {(2, "program"), (3, "name"), (4, "age_group"), (4, "capacity"), (5, "capacity"),
                               (6, "name")}


def test_coordinator_cannot_add_classrooms_to_another_regions_program(licensed):
    text = "program,name,age_group,capacity\nLA-1,Seahorses,infant,8\nFR-1,Ladybugs,preschool,20\n"
    preview = run(licensed, DirectoryKind.CLASSROOMS, text, who="regional_coordinator")
    assert errors(preview) == {(2, "program")}
    assert not Classroom.objects.filter(name="Ladybugs").exists()


def test_staff_by_program_and_email(licensed):
    world = licensed
    ProgramStaffFactory(program=world.program_a, full_name="Ana Ruiz", email="ana@example.org", position="teacher")
    text = """
programa,correo,nombre completo,puesto
FR-1,ANA@example.org,Ana Ruiz,director
FR-1,luis@example.org,Luis Vega,Lead teacher
LA-1,ana@example.org,Ana Ruiz,teacher
"""
    preview = run(world, DirectoryKind.STAFF, text)
    assert preview.errors == []
    # Ana at program A is found by email ignoring case and promoted; Ana at program B is a different staff row
    assert preview.summary.as_dict() == {"new": 2, "updated": 1, "unchanged": 0}
    ana = ProgramStaff.objects.get(program=world.program_a, email="ana@example.org")
    assert (ana.position, ana.version) == ("director", 2)
    assert ProgramStaff.objects.filter(email="ana@example.org").count() == 2
    assert run(world, DirectoryKind.STAFF, text).summary.unchanged == 3


def test_staff_errors(licensed):
    ProgramStaffFactory(program=licensed.program_a, email="twin@example.org")
    ProgramStaffFactory(program=licensed.program_a, email="twin@example.org")
    text = """
program,email,full_name,position
FR-1,not an email,A,teacher
FR-1,b@example.org,,janitor
FR-1,twin@example.org,Twin,teacher
FR-1,c@example.org,C,teacher
FR-1,c@example.org,C,teacher
"""
    preview = run(licensed, DirectoryKind.STAFF, text)
    assert errors(preview) == {(2, "email"), (3, "full_name"), (3, "position"), (4, "email"), (6, "email")}


# --- consultants --------------------------------------------------------------------------------------------

CONSULTANTS = """
email,full_name,region,agency,license_type,license_number,languages,counties,fte,caseload_capacity
new.person@example.org,Rosa Díaz,central,Valley Family Services,LMFT,LMFT 1,en; Spanish,Fresno,0.5,8
"""


def test_consultant_gets_an_account_membership_and_profile(world):
    preview = run(world, DirectoryKind.CONSULTANTS, CONSULTANTS)
    assert preview.errors == []
    user = User.objects.get(email="new.person@example.org")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, network=world.network, role=Role.CONSULTANT).exists()
    profile = ConsultantProfile.objects.get(user=user)
    assert (profile.region, profile.license_type, profile.fte, profile.caseload_capacity) == (
        world.region_a, "lmft", Decimal("0.50"), 8)
    assert sorted(profile.languages.values_list("code", flat=True)) == ["en", "es"]
    assert list(profile.counties.values_list("fips", flat=True)) == ["06019"]
    assert run(world, DirectoryKind.CONSULTANTS, CONSULTANTS).summary.as_dict() == {
        "new": 0, "updated": 0, "unchanged": 1}
    # a change of languages alone is an update
    preview = run(world, DirectoryKind.CONSULTANTS, CONSULTANTS.replace("en; Spanish", "es"))
    assert preview.summary.updated == 1
    assert list(profile.languages.values_list("code", flat=True)) == ["es"]


def test_existing_consultant_updated_by_email(world):
    consultant = world.people["consultant"]
    text = (
        "email,full_name,region,agency,license_type,license_number\n"
        f"{consultant.email.upper()},New Name,la,Valley Family Services,none,\n"
    )
    preview = run(world, DirectoryKind.CONSULTANTS, text)
    assert preview.errors == [] and preview.summary.updated == 1
    profile = ConsultantProfile.objects.get(user=consultant)
    assert (profile.region, profile.license_type, profile.user.full_name) == (world.region_b, "none", "New Name")


def test_consultant_errors(world):
    outsider = User.objects.create_user(email="outside@example.org", password=None, full_name="Out Side")
    text = """
email,full_name,region,agency,license_type,license_number,languages,counties,fte
a@example.org,A,nowhere,Valley Family Services,lmft,X,,,
b@example.org,B,central,No Such Agency,lmft,,,,
c@example.org,C,central,Valley Family Services,lmft,X,klingon,06037; Atlantis,2
outside@example.org,O,central,Valley Family Services,none,,,,
"""
    preview = run(world, DirectoryKind.CONSULTANTS, text)
    assert errors(preview) == {
        (2, "region"), (3, "agency"), (3, "license_number"), (4, "languages"), (4, "counties"), (4, "fte"),
        (5, "email"),
    }
    assert not ConsultantProfile.objects.filter(user=outsider).exists()


def test_coordinator_cannot_place_a_consultant_in_another_region(world):
    preview = run(world, DirectoryKind.CONSULTANTS, CONSULTANTS.replace(",central,", ",la,"),
                  who="regional_coordinator")
    assert errors(preview) == {(2, "region")}
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_coordinator_updates_her_regions_consultants_but_adds_none(world):
    # given a coordinator of the central region: access.py keeps consultant.create with network admins (the web's
    # form refuses her), and the evaluator's account is a member of the network with no consultant profile
    evaluator = world.people["evaluator"]
    text = (
        "email,full_name,region,agency,license_type,license_number\n"
        f"{evaluator.email},Renamed Evaluator,central,Valley Family Services,none,\n"
        "new.person@example.org,Rosa Díaz,central,Valley Family Services,none,\n"
        f"{world.people['consultant'].email},Her Consultant,central,Valley Family Services,none,\n"
    )
    # when she imports a file that would give both a consultant profile
    preview = run(world, DirectoryKind.CONSULTANTS, text, who="regional_coordinator")
    # then both rows are refused (the file with them), the evaluator is not made a consultant nor renamed
    assert errors(preview) == {(2, "email"), (3, "email")}
    assert not Membership.objects.filter(user=evaluator, role=Role.CONSULTANT).exists()
    evaluator.refresh_from_db()
    assert evaluator.full_name != "Renamed Evaluator"
    assert not User.objects.filter(email="new.person@example.org").exists()
    # and her region's existing consultant alone is hers to update
    preview = run(world, DirectoryKind.CONSULTANTS, "\n".join(text.splitlines()[::3]), who="regional_coordinator")
    assert preview.errors == [] and preview.summary.updated == 1


# --- files --------------------------------------------------------------------------------------------------


def test_xlsx_file_is_read(world):
    rows = [line.split(",") for line in PROGRAMS.strip().splitlines()]
    raw = tabular.xlsx_bytes(rows[0], rows[1:])
    preview = imports.import_table(actor=world.people["network_admin"], network=world.network,
                                   kind=DirectoryKind.PROGRAMS, table=imports.read_bytes(raw, filename="p.xlsx"))
    assert preview.summary.new == 2


def test_xlsx_zip_bomb_is_refused_before_it_is_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    with pytest.raises(imports.ImportFileError) as problem:
        imports.read_bytes(buffer.getvalue(), filename="bomb.xlsx")
    assert "unpacks" in problem.value.message


def test_oversized_file_is_refused():
    with pytest.raises(imports.ImportFileError) as problem:
        imports.read_upload(io.BytesIO(b"a,b\n" + b"1,2\n" * 1000), filename="big.csv", max_bytes=1024)
    assert "larger than" in problem.value.message


def test_all_or_nothing_when_the_database_refuses_a_write(world, monkeypatch):
    # given a clean file whose second write step fails
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_audit", boom)
    with pytest.raises(RuntimeError):
        run(world, DirectoryKind.PROGRAMS, PROGRAMS)
    # then the programs written before the failure were rolled back
    assert not Program.objects.filter(license_number__in=["LIC-1", "LIC-2"]).exists()


def test_program_county_fixture_is_fresno():
    assert county("06019").name == "Fresno"
