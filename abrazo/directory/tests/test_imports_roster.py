"""The roster import's bulk entry point (incidents.imports.import_table), through COPY on PostgreSQL and
bulk_create on SQLite, and the import_directory command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from abrazo.core import tabular
from abrazo.directory.models import Program
from abrazo.incidents import imports as roster
from abrazo.incidents.models import Child, Enrollment

pytestmark = pytest.mark.django_db

ROSTER = (
    "child_id,race_ethnicity,gender,date_of_birth,iep,dll,home_language,enrolled_from,enrolled_until,funding\n"
    "K-1,Hispanic,F,2021-03-14,no,sí,Spanish,2024-08-26,,state\n"
    "K-2,black,boy,,yes,no,,8/26/2024,2025-01-31,\"back\\slash\ttab\"\n"
)


@pytest.fixture(params=[0, 10**9], ids=["copy", "bulk_create"])
def copy_from(request, monkeypatch):
    # COPY_FROM=0 sends even two rows through COPY on PostgreSQL (SQLite always uses bulk_create).
    monkeypatch.setattr(roster, "COPY_FROM", request.param)
    monkeypatch.setattr("abrazo.incidents.warnings.evaluate_child", lambda child: None)
    return request.param


def test_bulk_roster_import_stores_every_value_and_reimport_changes_nothing(world, copy_from):
    admin = world.people["network_admin"]
    table = tabular.read_csv_text(ROSTER)
    result = roster.import_table(actor=admin, program=world.program_a, kind=roster.ImportKind.ROSTER, table=table)
    assert result.summary.as_dict()["new"] == 2
    one, two = Child.objects.filter(program=world.program_a).order_by("code")
    assert (one.race_ethnicity, one.gender, one.date_of_birth, one.iep, one.dll, one.home_language_id, one.version) == (
        "hispanic_latino", "girl", dt.date(2021, 3, 14), False, True, "es", 1)
    assert one.extra == {"funding": "state"}
    assert (two.race_ethnicity, two.gender, two.date_of_birth, two.iep) == ("black", "boy", None, True)
    assert two.extra == {"funding": "back\\slash\ttab"}  # escaped for COPY's text format, stored as written
    periods = {e.child.code: (e.start_date, e.end_date) for e in Enrollment.objects.select_related("child")}
    assert periods == {"K-1": (dt.date(2024, 8, 26), None), "K-2": (dt.date(2024, 8, 26), dt.date(2025, 1, 31))}
    again = roster.import_table(actor=admin, program=world.program_a, kind=roster.ImportKind.ROSTER,
                                table=tabular.read_csv_text(ROSTER))
    assert again.summary.as_dict() == {"new": 0, "updated": 0, "unchanged": 2, "exclusions": 0}


def test_bulk_roster_import_is_all_or_nothing(world, copy_from):
    bad = ROSTER + "K-3,martian,girl,,no,no,,2024-08-26,,\n"
    with pytest.raises(roster.ImportRejected) as rejected:
        roster.import_table(actor=world.people["network_admin"], program=world.program_a,
                            kind=roster.ImportKind.ROSTER, table=tabular.read_csv_text(bad))
    assert [(e.line, e.column) for e in rejected.value.preview.errors] == [(4, "race_ethnicity")]
    assert not Child.objects.filter(program=world.program_a).exists()


PROGRAMS = (
    "license_number,name,setting_type,auspice,address_line1,city,postal_code,county\n"
    "CMD-1,Little Oaks,center,non_profit,1 Oak St,Fresno,93721,Fresno\n"
)


def test_command_imports_and_dry_run_writes_nothing(world, tmp_path: Path, capsys):
    path = tmp_path / "programs.csv"
    path.write_text(PROGRAMS)
    call_command("import_directory", str(path), kind="programs", network="golden-state", dry_run=True)
    assert "1 created, 0 updated, 0 unchanged (dry run" in capsys.readouterr().out
    assert not Program.objects.filter(license_number="CMD-1").exists()
    call_command("import_directory", str(path), kind="programs", network="golden-state")
    assert Program.objects.get(license_number="CMD-1").region == world.region_a
    call_command("import_directory", str(path), kind="programs", network="golden-state")
    assert "0 created, 0 updated, 1 unchanged." in capsys.readouterr().out


def test_command_reports_errors_and_a_coordinator_is_limited_to_her_region(world, tmp_path: Path, capsys):
    path = tmp_path / "programs.csv"
    path.write_text(PROGRAMS.replace("Fresno\n", "Los Angeles\n"))
    coordinator = world.people["regional_coordinator"]
    with pytest.raises(CommandError, match="1 problems in 1 rows"):
        call_command("import_directory", str(path), kind="programs", network="golden-state", as_email=coordinator.email)
    assert "line 2, county" in capsys.readouterr().err
    assert not Program.objects.filter(license_number="CMD-1").exists()
