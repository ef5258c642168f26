"""Roster and BIRS incident imports through the service: reading real files, every error with its line,
all or nothing, idempotent re-imports, the staged file's safety, and the follow-up on the children."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from abrazo.audit.models import AccessEvent, Action
from abrazo.core import tabular
from abrazo.directory.tests.factories import ClassroomFactory
from abrazo.incidents import imports
from abrazo.incidents.imports import ImportKind
from abrazo.incidents.models import Child, Enrollment, Exclusion, Incident, IncidentSource
from abrazo.incidents.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
ROSTER = ImportKind.ROSTER
INCIDENTS = ImportKind.INCIDENTS
ROSTER_HEADER = (
    "child_id,race_ethnicity,gender,date_of_birth,iep,dll,home_language,classroom,enrolled_from,enrolled_until"
)
INCIDENT_HEADER = (
    "incident_id,child_id,date,time,problem_behavior,activity,others_involved,possible_motivation,strategy_response,"
    "admin_follow_up"
)


@pytest.fixture(autouse=True)
def followups(monkeypatch):
    """Record what the import asks of the early warning and the equity rollup (other modules' work)."""
    calls: dict[str, list] = {"evaluated": [], "refreshed": []}
    monkeypatch.setattr("abrazo.incidents.warnings.evaluate_child", lambda child: calls["evaluated"].append(child.pk))
    monkeypatch.setattr("abrazo.equity.rollup.schedule_refresh", lambda ids: calls["refreshed"].append(sorted(ids)))
    return calls


@pytest.fixture
def staff(world):
    return world.people["program_staff"]


def read(name: str) -> tabular.Table:
    with (FILES / name).open("rb") as handle:
        return imports.read_upload(handle, filename=name)


def csv_table(text: str) -> tabular.Table:
    return imports.read_upload(io.BytesIO(text.encode("utf-8")), filename="file.csv")


def run(user, program, kind, table) -> imports.ImportResult:
    """Preview, stage and confirm, as the pages do; fails the test if the preview finds problems."""
    preview = imports.preview(user=user, program=program, kind=kind, table=table)
    assert preview.errors == []
    token = imports.stage(user=user, program=program, kind=kind, table=table, summary=preview.summary)
    return imports.import_confirm(actor=user, program=program, kind=kind, token=token)


def problems(preview: imports.Preview) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in preview.errors]


@pytest.fixture
def roster(world, staff):
    """The four children of roster_bom.csv imported at program A."""
    run(staff, world.program_a, ROSTER, read("roster_bom.csv"))
    return {child.code: child for child in Child.objects.filter(program=world.program_a)}


class TestRosterFiles:
    def test_a_utf8_file_with_bom_creates_children_enrolments_and_extra_columns(self, world, staff, followups):
        # given a roster exported from Excel (UTF-8 with BOM, "Child ID" style headers, mixed spellings)
        table = read("roster_bom.csv")
        # when it is imported
        result = run(staff, world.program_a, ROSTER, table)
        # then four children exist with their demographics parsed from the spellings used
        assert (result.summary.new, result.summary.updated, result.summary.unchanged) == (4, 0, 0)
        children = {child.code: child for child in Child.objects.filter(program=world.program_a)}
        first = children["K-0001"]
        assert (first.race_ethnicity, first.gender, first.date_of_birth) == ("hispanic_latino", "girl",
                                                                              dt.date(2021, 3, 14))
        assert (first.iep, first.dll, first.home_language_id) == (False, True, "es")
        assert first.extra == {"funding": "state_preschool"}
        assert (children["K-0002"].race_ethnicity, children["K-0002"].gender, children["K-0002"].iep) == (
            "black", "boy", True)
        assert children["K-0003"].race_ethnicity == "two_or_more"
        assert (children["K-0004"].race_ethnicity, children["K-0004"].gender) == ("not_reported", "not_reported")
        # and each has one enrolment from the file (US dates read as month/day/year)
        periods = {e.child.code: (e.start_date, e.end_date) for e in Enrollment.objects.select_related("child")}
        assert periods == {
            "K-0001": (dt.date(2024, 8, 26), None), "K-0002": (dt.date(2024, 8, 26), None),
            "K-0003": (dt.date(2024, 8, 26), None), "K-0004": (dt.date(2024, 9, 3), dt.date(2025, 1, 31)),
        }
        # and the children were handed to the rollup once each; new children have no incidents, so no early
        # warning can be due and none is evaluated
        assert followups["evaluated"] == []
        assert followups["refreshed"] == [sorted(c.pk for c in children.values())]

    def test_a_formula_looking_cell_is_stored_as_plain_text(self, world, staff, roster):
        # then the cell that a spreadsheet would run is kept as the text it is (exports neutralise it)
        assert roster["K-0003"].extra == {"funding": '=HYPERLINK("http://x")'}
        assert tabular.formula_safe(roster["K-0003"].extra["funding"]).startswith("'=")

    def test_a_windows_1252_file_in_spanish_is_read(self, world, staff):
        # given a roster saved by an older Excel in Windows-1252, with Spanish words and a `code` column
        table = read("roster_cp1252.csv")
        # when it is imported
        run(staff, world.program_a, ROSTER, table)
        # then accents survived and the Spanish spellings were understood
        first, second = Child.objects.filter(program=world.program_a).order_by("code")
        assert (first.code, first.race_ethnicity, first.gender, first.dll, first.home_language_id) == (
            "N-01", "white", "girl", True, "es")
        assert (second.race_ethnicity, second.gender, second.dll, second.home_language_id) == (
            "hispanic_latino", "boy", False, "en")

    def test_an_xlsx_workbook_with_real_date_cells_is_read(self, world, staff):
        # given a workbook written by a spreadsheet program: numeric codes and date-typed cells
        ClassroomFactory(program=world.program_a, name="Butterflies")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Child ID", "Race/Ethnicity", "Gender", "Date of birth", "Classroom", "Enrolled from"])
        sheet.append([1001, "Asian", "Female", dt.date(2021, 5, 6), "butterflies", dt.datetime(2024, 8, 26)])
        buffer = io.BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        # when it is imported
        run(staff, world.program_a, ROSTER, imports.read_upload(buffer, filename="roster.xlsx"))
        # then the number became the code, the dates were read and the classroom matched regardless of case
        child = Child.objects.get(program=world.program_a)
        assert (child.code, child.race_ethnicity, child.gender, child.date_of_birth) == (
            "1001", "asian", "girl", dt.date(2021, 5, 6))
        assert child.classroom.name == "Butterflies"
        assert child.enrollments.get().classroom.name == "Butterflies"

    def test_a_zip_bomb_is_refused_before_it_is_opened(self):
        # given an "xlsx" whose one member unpacks to 20 MB of zeros from a few kilobytes
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
        buffer.seek(0)
        # when it is read, then it is refused with a message the person can act on
        with pytest.raises(imports.ImportFileError) as refused:
            imports.read_upload(buffer, filename="roster.xlsx")
        assert "unpacks to far more data" in refused.value.message

    def test_a_file_over_the_size_limit_is_refused(self):
        with pytest.raises(imports.ImportFileError) as refused:
            imports.read_upload(io.BytesIO(b"child_id\n" + b"K\n" * 1000), filename="big.csv", max_bytes=1024)
        assert "larger than" in refused.value.message


class TestRosterChecks:
    def test_every_error_is_reported_with_its_line_and_nothing_is_written(self, world, staff):
        # given a child already enrolled since September, a classroom, and a file where most rows are wrong
        ChildFactory(program=world.program_a, code="OLD-1", enrolled__start=dt.date(2024, 9, 1))
        ClassroomFactory(program=world.program_a, name="Butterflies")
        future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
        long_value = "x" * 100
        table = csv_table(
            f"{ROSTER_HEADER},funding\n"
            "GOOD-1,white,girl,2021-01-01,no,no,en,Butterflies,2024-09-01,,state\n"  # 2: fine
            ",white,girl,2021-01-01,no,no,en,,2024-09-01,,\n"  # 3: no code
            "B-3,purple,girl,2021-01-01,no,no,en,,2024-09-01,,\n"  # 4: race
            "B-4,white,robot,2021-01-01,no,no,en,,2024-09-01,,\n"  # 5: gender
            "B-5,white,girl,31/12/2021,no,no,en,,2024-09-01,,\n"  # 6: day/month/year is not read
            f"B-6,white,girl,{future},no,no,en,,2024-09-01,,\n"  # 7: born in the future
            "B-7,white,girl,2021-01-01,maybe,no,en,,2024-09-01,,\n"  # 8: yes/no
            "B-8,white,girl,2021-01-01,no,no,Klingon,,2024-09-01,,\n"  # 9: language
            "B-9,white,girl,2021-01-01,no,no,en,Dolphins,2024-09-01,,\n"  # 10: classroom
            f"B-10,white,girl,2021-01-01,no,no,en,,2024-09-01,,{long_value}\n"  # 11: free text in an extra column
            "B-11,white,girl,2021-01-01,no,no,en,,2024-09-01,2024-08-01,\n"  # 12: ends before it starts
            "GOOD-1,black,girl,2021-01-01,no,no,en,,2025-02-01,,state\n"  # 13: same child, other details
            "OLD-1,hispanic,boy,,no,no,,,2025-01-06,,\n"  # 14: overlaps the open enrolment
            "B-14,white,girl,2021-01-01,no,no,en,,,,\n"  # 15: a new child with no enrolment date
            "B-15,white,girl,2024-10-01,no,no,en,,2024-09-01,,\n"  # 16: born after enrolment
        )
        # when it is checked
        preview = imports.preview(user=staff, program=world.program_a, kind=ROSTER, table=table)
        # then every problem is listed, with the file's line and the column
        assert problems(preview) == [
            (3, "child_id"), (4, "race_ethnicity"), (5, "gender"), (6, "date_of_birth"), (7, "date_of_birth"),
            (8, "iep"), (9, "home_language"), (10, "classroom"), (11, "funding"), (12, "enrolled_until"),
            (13, "child_id"), (14, "enrolled_from"), (15, "enrolled_from"), (16, "date_of_birth"),
        ]
        by_line = {error.line: error for error in preview.errors}
        assert by_line[4].value == "purple"
        assert by_line[13].message.startswith("This child is also on line 2")
        assert "overlaps the child's enrolment from 2024-09-01 to now" in by_line[14].message
        assert by_line[11].value.endswith("…") and len(by_line[11].value) <= imports.MAX_SHOWN_VALUE
        # and nothing can be staged from it: the service refuses to write a file with errors
        token = imports.stage(user=staff, program=world.program_a, kind=ROSTER, table=table, summary=preview.summary)
        with pytest.raises(imports.ImportRejected):
            imports.import_confirm(actor=staff, program=world.program_a, kind=ROSTER, token=token)
        assert list(Child.objects.filter(program=world.program_a).values_list("code", flat=True)) == ["OLD-1"]
        assert Enrollment.objects.count() == 1

    def test_missing_columns_are_listed(self, world, staff):
        preview = imports.preview(user=staff, program=world.program_a, kind=ROSTER,
                                  table=csv_table("child_id,gender\nK-1,girl\n"))
        assert problems(preview) == [(0, "race_ethnicity, enrolled_from")]
        assert "race_ethnicity, enrolled_from" in preview.errors[0].message

    def test_reimporting_the_same_file_changes_nothing(self, world, staff, roster, followups):
        versions = {child.code: child.version for child in roster.values()}
        # when the same file is imported again
        result = run(staff, world.program_a, ROSTER, read("roster_bom.csv"))
        # then nothing is new or updated, and the records are untouched
        assert (result.summary.new, result.summary.updated, result.summary.unchanged) == (0, 0, 4)
        assert Child.objects.count() == 4 and Enrollment.objects.count() == 4
        assert {child.code: child.version for child in Child.objects.all()} == versions
        # and no child needed re-evaluating the second time
        assert len(followups["refreshed"]) == 1, followups

    def test_changed_demographics_and_end_dates_update_in_place(self, world, staff, roster):
        # given the same roster with one child's race corrected (code in another case) and an enrolment ended
        table = csv_table(
            f"{ROSTER_HEADER}\n"
            "k-0001,White,F,2021-03-14,no,yes,Spanish,,2024-08-26,\n"
            "K-0002,Black,M,2020-11-02,yes,no,English,,2024-08-26,2025-03-01\n"
        )
        # when it is imported
        result = run(staff, world.program_a, ROSTER, table)
        # then both are updated, none is created, and the versions moved so open edit forms are stale
        assert (result.summary.new, result.summary.updated, result.summary.unchanged) == (0, 2, 0)
        first = Child.objects.get(pk=roster["K-0001"].pk)
        assert (first.code, first.race_ethnicity, first.version) == ("K-0001", "white", roster["K-0001"].version + 1)
        assert Enrollment.objects.get(child__code="K-0002").end_date == dt.date(2025, 3, 1)
        assert Child.objects.count() == 4 and Enrollment.objects.count() == 4

    def test_a_child_back_after_a_break_gets_a_second_enrolment(self, world, staff):
        table = csv_table(
            f"{ROSTER_HEADER}\n"
            "R-1,asian,boy,2021-01-01,no,no,en,,2023-09-01,2024-01-31\n"
            "R-1,asian,boy,2021-01-01,no,no,en,,2024-09-03,\n"
        )
        result = run(staff, world.program_a, ROSTER, table)
        assert (result.summary.new, result.summary.updated) == (1, 1)
        assert list(Enrollment.objects.values_list("start_date", flat=True).order_by("start_date")) == [
            dt.date(2023, 9, 1), dt.date(2024, 9, 3)]

    def test_an_administrator_imports_several_programs_named_by_id_or_license(self, world):
        world.program_b.license_number = "LIC-2020"
        world.program_b.save()
        table = csv_table(
            "program,child_id,race_ethnicity,gender,enrolled_from\n"
            f"{world.program_a.pk},A-1,white,girl,2024-09-01\n"
            "lic-2020,B-1,black,boy,2024-09-01\n"
            f"{world.other_program.pk},X-1,black,boy,2024-09-01\n"
        )
        # when the network administrator checks it
        admin_preview = imports.preview(user=world.people["network_admin"], program=world.program_a, kind=ROSTER,
                                        table=table)
        # then the other network's program is not theirs to import into
        assert problems(admin_preview) == [(4, "program")]
        # and the coordinator of region A may not import into region B's program either
        coordinator_preview = imports.preview(user=world.people["regional_coordinator"], program=world.program_a,
                                              kind=ROSTER, table=table)
        assert problems(coordinator_preview) == [(3, "program"), (4, "program")]
        # and without the foreign line the administrator's import lands in both programs
        rows = csv_table("\n".join(table_line for table_line in (
            "program,child_id,race_ethnicity,gender,enrolled_from",
            f"{world.program_a.pk},A-1,white,girl,2024-09-01", "LIC-2020,B-1,black,boy,2024-09-01")))
        run(world.people["network_admin"], world.program_a, ROSTER, rows)
        assert dict(Child.objects.values_list("code", "program_id")) == {"A-1": world.program_a.pk,
                                                                          "B-1": world.program_b.pk}

    def test_parsers_accept_the_common_spellings(self):
        assert [imports.parse_race(text) for text in ("Hispanic or Latino", "Black", "African American",
                                                       "Two or more races", "", "Latina", "native hawaiian")] == [
            "hispanic_latino", "black", "black", "two_or_more", "not_reported", "hispanic_latino",
            "native_hawaiian_pacific_islander"]
        assert [imports.parse_gender(text) for text in ("F", "m", "Female", "niña", "Niño", "another", "")] == [
            "girl", "boy", "girl", "girl", "boy", "another", "not_reported"]
        assert [imports.parse_yes_no(text) for text in ("Sí", "TRUE", "1", "no", "0", "", "maybe")] == [
            True, True, True, False, False, False, None]
        assert imports.parse_date("2/29/2024") == dt.date(2024, 2, 29)
        assert imports.parse_date("2/30/2024") is None
        assert imports.parse_time("2:05 PM") == dt.time(14, 5)
        assert imports.parse_time("12:10 am") == dt.time(0, 10)
        assert imports.parse_time("25:00") is None


class TestIncidentFiles:
    def test_a_birs_file_creates_incidents_and_the_exclusions_their_follow_ups_mean(self, world, staff, roster,
                                                                                    followups):
        # when the BIRS export is imported
        result = run(staff, world.program_a, INCIDENTS, read("incidents.csv"))
        # then four incidents exist, from the file, recorded by the importer, labels or codes alike
        assert (result.summary.new, result.summary.exclusions) == (4, 3)
        incidents = {incident.external_id: incident for incident in Incident.objects.all()}
        assert set(incidents) == {"B-1", "B-2", "B-3", "B-4"}
        assert all(i.source == IncidentSource.IMPORT and i.recorded_by == staff for i in incidents.values())
        b2, b3 = incidents["B-2"], incidents["B-3"]
        assert (b2.occurred_on, b2.occurred_at, b2.problem_behavior, b2.activity) == (
            dt.date(2024, 10, 8), dt.time(14, 5), "disruption", "outdoor")
        assert (b3.problem_behavior, b3.activity, b3.notes) == ("physical_aggression", "transition",
                                                                "Calmed down at home")
        # and the outcomes are derived as BIRS does, each with its exclusion record
        flags = {key: (i.is_iss, i.is_oss, i.is_dismissal) for key, i in incidents.items()}
        assert flags == {"B-1": (False, False, False), "B-2": (True, False, False), "B-3": (False, True, False),
                         "B-4": (False, False, True)}
        exclusions = {e.incident.external_id: (e.kind, e.days_lost, e.starts_on) for e in
                      Exclusion.objects.select_related("incident")}
        assert exclusions == {
            "B-2": ("iss", Decimal("0"), dt.date(2024, 10, 8)),
            "B-3": ("oss", Decimal("0.5"), dt.date(2024, 11, 12)),
            "B-4": ("dismissal", Decimal("0"), dt.date(2024, 12, 2)),
        }
        # and the three children were re-evaluated after the incident import
        assert followups["refreshed"][-1] == sorted([roster[c].pk for c in ("K-0001", "K-0002", "K-0003")])

    def test_reimporting_the_same_incident_file_creates_nothing(self, world, staff, roster):
        run(staff, world.program_a, INCIDENTS, read("incidents.csv"))
        result = run(staff, world.program_a, INCIDENTS, read("incidents.csv"))
        assert (result.summary.new, result.summary.updated, result.summary.unchanged) == (0, 0, 4)
        assert Incident.objects.count() == 4 and Exclusion.objects.count() == 3

    def test_a_corrected_follow_up_moves_the_exclusion_with_it(self, world, staff, roster):
        run(staff, world.program_a, INCIDENTS, read("incidents.csv"))
        # given the export again, with B-1 now sent home for days and B-3 now only a family contact
        text = (FILES / "incidents.csv").read_text("utf-8-sig")
        text = text.replace("Verbal reminder,Contact family", "Verbal reminder,Sent home for 1 or more days")
        text = text.replace("Time out,Sent home for remainder of day", "Time out,Contact family")
        # when it is imported
        result = run(staff, world.program_a, INCIDENTS, csv_table(text))
        # then the two incidents are updated and their exclusions follow
        assert (result.summary.new, result.summary.updated, result.summary.unchanged) == (0, 2, 2)
        kinds = dict(Exclusion.objects.values_list("incident__external_id", "kind"))
        assert kinds == {"B-1": "oss", "B-2": "iss", "B-4": "dismissal"}
        assert Exclusion.objects.get(incident__external_id="B-1").days_lost == Decimal("1")
        assert Incident.objects.get(external_id="B-1").is_oss is True

    def test_every_error_is_reported_with_its_line_and_nothing_is_written(self, world, staff, roster):
        tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
        good = "Physical aggression,Circle,Peers,Avoid task,Verbal reminder,Contact family"
        table = csv_table(
            f"{INCIDENT_HEADER}\n"
            f"I-1,K-0001,2024-10-07,10:30,{good}\n"  # 2: fine
            f"I-2,NOBODY,2024-10-07,10:30,{good}\n"  # 3: no such child
            "I-3,K-0001,2024-10-07,10:30,Biting,Circle,Peers,Avoid task,Verbal reminder,Contact family\n"  # 4
            f"I-4,K-0001,2024-13-07,10:30,{good}\n"  # 5: no 13th month
            f"I-5,K-0001,2024-10-07,10h30,{good}\n"  # 6: unreadable time
            f"I-6,K-0001,{tomorrow},10:30,{good}\n"  # 7: tomorrow
            f"I-7,K-0004,2025-03-03,10:30,{good}\n"  # 8: K-0004 left on 2025-01-31
            f"I-1,K-0002,2024-10-08,10:30,{good}\n"  # 9: the id of line 2 again
            "I-9,K-0001,2024-10-07,10:30,Physical aggression,,Peers,Avoid task,Verbal reminder,Contact family\n"  # 10
        )
        preview = imports.preview(user=staff, program=world.program_a, kind=INCIDENTS, table=table)
        assert problems(preview) == [
            (3, "child_id"), (4, "problem_behavior"), (5, "date"), (6, "time"), (7, "date"), (8, "date"),
            (9, "incident_id"), (10, "activity"),
        ]
        by_line = {error.line: error.message for error in preview.errors}
        assert by_line[8] == "The child was not enrolled in the program on this date."
        assert by_line[9] == "This incident id is also on line 2."
        token = imports.stage(user=staff, program=world.program_a, kind=INCIDENTS, table=table,
                              summary=preview.summary)
        with pytest.raises(imports.ImportRejected):
            imports.import_confirm(actor=staff, program=world.program_a, kind=INCIDENTS, token=token)
        assert Incident.objects.count() == 0 and Exclusion.objects.count() == 0

    def test_missing_columns_are_listed(self, world, staff):
        preview = imports.preview(user=staff, program=world.program_a, kind=INCIDENTS,
                                  table=csv_table("incident_id,child_id,date\nI-1,K-1,2024-10-07\n"))
        assert preview.errors[0].line == 0
        assert preview.errors[0].column == (
            "time, problem_behavior, activity, others_involved, possible_motivation, strategy_response, "
            "admin_follow_up")


class TestConfirming:
    def test_confirming_twice_imports_once_and_audits_once(self, world, staff):
        # given a checked roster
        table = read("roster_bom.csv")
        preview = imports.preview(user=staff, program=world.program_a, kind=ROSTER, table=table)
        token = imports.stage(user=staff, program=world.program_a, kind=ROSTER, table=table, summary=preview.summary)
        # when Confirm is pressed twice
        first = imports.import_confirm(actor=staff, program=world.program_a, kind=ROSTER, token=token)
        second = imports.import_confirm(actor=staff, program=world.program_a, kind=ROSTER, token=token)
        # then the second answers with the first one's result and writes nothing
        assert (first.already_done, second.already_done) == (False, True)
        assert second.summary == first.summary
        assert Child.objects.count() == 4
        # and the ledger has one line for the import: the ids written, no value from the file
        events = AccessEvent.objects.filter(object_type="incidents.child")
        assert events.count() == 1
        event = events.get()
        assert (event.action, event.object_id, event.user_id) == (Action.CREATE, str(world.program_a.pk), staff.pk)
        assert sorted(event.object_ids) == sorted(str(pk) for pk in Child.objects.values_list("pk", flat=True))

    def test_a_token_only_works_for_its_person_program_and_kind(self, world, staff):
        table = read("roster_bom.csv")
        token = imports.stage(user=staff, program=world.program_a, kind=ROSTER, table=table, summary=imports.Summary())
        admin = world.people["network_admin"]
        for actor, program, kind in ((admin, world.program_a, ROSTER), (staff, world.program_a, INCIDENTS)):
            with pytest.raises(imports.ImportExpired):
                imports.import_confirm(actor=actor, program=program, kind=kind, token=token)
        with pytest.raises(imports.ImportExpired):
            imports.import_confirm(actor=staff, program=world.program_a, kind=ROSTER, token="made-up")
        assert Child.objects.count() == 0

    def test_the_staged_rows_are_encrypted_and_expire(self, world, staff):
        token = imports.stage(user=staff, program=world.program_a, kind=ROSTER, table=read("roster_bom.csv"),
                              summary=imports.Summary())
        stored = cache.get(f"abrazo:import:rows:{token}")
        assert "K-0001" not in stored and "state_preschool" not in stored
        assert imports.load_staged(user=staff, program=world.program_a, kind=ROSTER, token=token) is not None
        cache.delete(f"abrazo:import:rows:{token}")  # what expiry does
        assert imports.load_staged(user=staff, program=world.program_a, kind=ROSTER, token=token) is None

    def test_a_file_that_went_stale_since_the_preview_is_rejected_whole(self, world, staff, roster):
        # given a checked incident file, and then one of its children removed from the roster
        table = read("incidents.csv")
        preview = imports.preview(user=staff, program=world.program_a, kind=INCIDENTS, table=table)
        token = imports.stage(user=staff, program=world.program_a, kind=INCIDENTS, table=table,
                              summary=preview.summary)
        roster["K-0003"].delete()
        # when it is confirmed, then it is checked again and rejected, with the line that no longer fits
        with pytest.raises(imports.ImportRejected) as rejected:
            imports.import_confirm(actor=staff, program=world.program_a, kind=INCIDENTS, token=token)
        assert problems(rejected.value.preview) == [(5, "child_id")]
        assert Incident.objects.count() == 0
        # and the token was not used up: after fixing the roster the person may confirm again
        ChildFactory(program=world.program_a, code="K-0003", enrolled__start=dt.date(2024, 8, 26))
        again = imports.import_confirm(actor=staff, program=world.program_a, kind=INCIDENTS, token=token)
        assert again.summary.new == 4

    def test_a_thousand_rows_import_in_a_sensible_time(self, world, staff):
        # given a roster of 1,000 children and a BIRS file with one incident each
        roster_lines = [ROSTER_HEADER] + [
            f"C-{n:04d},{'white' if n % 2 else 'black'},{'girl' if n % 3 else 'boy'},2021-01-01,no,no,en,,2024-08-26,"
            for n in range(1000)]
        incident_lines = [INCIDENT_HEADER] + [
            f"E-{n:04d},C-{n:04d},2024-10-07,10:30,Physical aggression,Circle,Peers,Avoid task,Time out,"
            f"{'Sent home for remainder of day' if n % 10 == 0 else 'Contact family'}" for n in range(1000)]
        # when both are imported
        started = time.perf_counter()
        run(staff, world.program_a, ROSTER, csv_table("\n".join(roster_lines)))
        result = run(staff, world.program_a, INCIDENTS, csv_table("\n".join(incident_lines)))
        elapsed = time.perf_counter() - started
        # then everything is there, in well under a minute on a laptop-sized machine
        assert Child.objects.count() == 1000 and Enrollment.objects.count() == 1000
        assert (result.summary.new, result.summary.exclusions) == (1000, 100)
        assert Incident.objects.count() == 1000 and Exclusion.objects.count() == 100
        assert elapsed < 30, f"1,000-row import took {elapsed:.1f}s"


class TestLanguage:
    def test_messages_follow_the_persons_language(self, world, staff):
        # given a message the checks give, and the Spanish catalogue (which may not have it yet)
        message = "Unknown gender. Use girl, boy, another, or leave it blank."
        catalogue = translation.trans_real.translation("es")
        spanish = catalogue.gettext(message)
        injected = spanish == message
        if injected:  # not translated yet: prove the message is looked up in the catalogue at all
            spanish = "Género desconocido."
            catalogue._catalog._catalogs[0][message] = spanish
        try:
            table = csv_table("child_id,race_ethnicity,gender,enrolled_from\nK-1,white,robot,2024-09-01\n")
            # when a Spanish-speaking person checks a file with an unknown gender
            with translation.override("es"):
                preview = imports.preview(user=staff, program=world.program_a, kind=ROSTER, table=table)
            # then the message is in Spanish
            assert [error.message for error in preview.errors] == [spanish]
        finally:
            if injected:
                del catalogue._catalog._catalogs[0][message]
