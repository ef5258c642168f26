"""A cell holding a character PostgreSQL cannot store (NUL) is a row error with its line and column, on SQLite and
PostgreSQL alike, in both write paths of a roster (COPY and bulk_create), in incident files and in directory files;
never a database error at the write."""

from __future__ import annotations

import pytest

from abrazo.core import tabular
from abrazo.directory.imports import DirectoryKind
from abrazo.directory.imports import import_table as directory_import
from abrazo.directory.models import Program
from abrazo.incidents import imports as roster
from abrazo.incidents.models import Child, Incident
from abrazo.incidents.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[0, 10**9], ids=["copy", "bulk_create"])
def copy_from(request, monkeypatch):
    monkeypatch.setattr(roster, "COPY_FROM", request.param)  # 0: COPY on PostgreSQL even for two rows
    monkeypatch.setattr("abrazo.incidents.warnings.evaluate_child", lambda child: None)
    monkeypatch.setattr("abrazo.equity.rollup.schedule_refresh", lambda ids: None)
    return request.param


def _roster(world, text: str) -> list[tuple[int, str]]:
    with pytest.raises(roster.ImportRejected) as rejected:
        roster.import_table(actor=world.people["network_admin"], program=world.program_a,
                            kind=roster.ImportKind.ROSTER, table=tabular.read_csv_text(text))
    return [(e.line, e.column) for e in rejected.value.preview.errors]


def test_a_nul_in_a_roster_value_is_a_row_error(world, copy_from):
    text = ("child_id,race_ethnicity,gender,enrolled_from,funding\n"
            "K-1,Hispanic,F,2024-08-26,state\n"
            "K-2,black,boy,2024-08-26,st\x00ate\n")
    assert _roster(world, text) == [(3, "funding")]
    assert not Child.objects.filter(program=world.program_a).exists()


def test_a_nul_in_a_child_code_is_a_row_error(world, copy_from):
    text = "child_id,race_ethnicity,gender,enrolled_from\nK\x001,Hispanic,F,2024-08-26\n"
    errors = _roster(world, text)
    assert (2, "child_id") in errors


def test_a_nul_in_an_incident_value_is_a_row_error(world, copy_from):
    ChildFactory(program=world.program_a, code="K-1")
    header = ("incident_id,child_id,date,time,problem_behavior,activity,others_involved,possible_motivation,"
              "strategy_response,admin_follow_up\n")
    row = "I-1,K-1,2024-10-07,10:30,Physical aggression,Circle,Peers,Obtain peer attention,Redirect,None\n"
    text = header + row.replace("I-1", "I-\x001")
    with pytest.raises(roster.ImportRejected) as rejected:
        roster.import_table(actor=world.people["network_admin"], program=world.program_a,
                            kind=roster.ImportKind.INCIDENTS, table=tabular.read_csv_text(text))
    assert (2, "incident_id") in [(e.line, e.column) for e in rejected.value.preview.errors]
    assert all("\x00" not in e.value for e in rejected.value.preview.errors)
    assert not Incident.objects.exists()


def test_a_nul_in_a_directory_value_is_a_row_error(world):
    text = ("license_number,name,setting_type,auspice,address_line1,city,postal_code,county\n"
            "LIC-1,Little Oaks,center,non_profit,1 Oak St,Fresno,93721,Fresno\n"
            "LIC-2,Casa\x00 Sol,center,non_profit,2 Sun Ave,Fresno,93721,Fresno\n")
    before = Program.objects.count()
    preview = directory_import(actor=world.people["network_admin"], network=world.network,
                               kind=DirectoryKind.PROGRAMS, table=tabular.read_csv_text(text))
    assert [(e.line, e.column, e.value) for e in preview.errors] == [(3, "name", "Casa Sol")]
    assert Program.objects.count() == before
