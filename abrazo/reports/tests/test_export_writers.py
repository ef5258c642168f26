"""The two CSV paths write the same bytes, and PostgreSQL neutralises formulas exactly as formula_safe does.

The COPY tests run on PostgreSQL only (DATABASE_URL=postgres://...); the rest run everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.db import connection

from abrazo.core.tabular import formula_safe, xlsx_write
from abrazo.directory.tests.factories import ProgramFactory
from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, IncidentFactory
from abrazo.intake.tests.factories import RequestFactory
from abrazo.reports import export_writers as writers
from abrazo.reports.export_kinds import KINDS, age_years, month, pseudonym, scoped_queryset

# Cells that trip up formula checks and CSV writers: every formula start, look-alikes that are not formula
# starts (a space, a no-break space, a Unicode minus, a full-width equals), quotes, commas, line breaks of every
# kind inside a cell, an empty string, accents and a character outside the BMP.
TRICKY = [
    "=1+2", "+1", "-1", "@SUM(A1)", "\tindented", "\rcarriage", "\nnewline first", "=", "-", "'=already quoted",
    " =space first", "\u00a0=nbsp first", "\u22121 unicode minus", "\uff1dfull-width equals", "a,b", 'say "hi"',
    "two\nlines", "cr\rinside", "crlf\r\ninside", "", "Niños Peña", "emoji \U0001f600 =", "trailing space ",
    "=cmd|' /C calc'!A0", "-2+3", "+", "@",
]

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


@pg_only
@pytest.mark.django_db
def test_sql_neutralisation_equals_formula_safe_on_a_tricky_corpus():
    expression = writers.neutralised_sql("%s", "text")
    with connection.cursor() as cursor:
        for value in TRICKY:
            cursor.execute(f"SELECT {expression}", [value] * expression.count("%s"))
            (written,) = cursor.fetchone()
            # an empty string becomes NULL on purpose (both paths write an empty cell for either)
            assert written == (formula_safe(value) or None), repr(value)


def _both_paths(queryset: Any, columns: Any) -> tuple[bytes, bytes]:
    python = b"".join(writers.identified_python_csv(queryset, columns))
    copy = b"".join(writers.identified_copy_csv(queryset, columns))
    return python, copy


@pg_only
def test_copy_and_python_paths_write_the_same_bytes_for_tricky_programs(world):
    for index, text in enumerate(TRICKY):
        ProgramFactory(network=world.network, region=world.region_a, name=text, address_line1=f"{index} {text}",
                       email="" if index % 2 else f"p{index}@example.org", is_rural=bool(index % 3))
    kind = KINDS["programs"]
    queryset = scoped_queryset(world.people["network_admin"], kind, "identified")
    python, copy = _both_paths(queryset, kind.columns)
    assert python == copy
    rows = list(csv.reader(io.StringIO(copy.decode("utf-8-sig"), newline="")))
    assert rows[0] == kind.headers
    names = sorted(row[1] for row in rows[1:])
    assert names == sorted(str(formula_safe(text)) for text in [*TRICKY, "Sunrise Center", "Harbor Kids"])


@pg_only
def test_copy_and_python_paths_agree_on_dates_times_booleans_decimals_and_nulls(world):
    RequestFactory(region=world.region_a, submitted_at=dt.datetime(2025, 3, 1, 14, 5, 9, 123456, tzinfo=dt.UTC),
                   child_specific=True, child_age_months=None, requester_phone="")
    RequestFactory(region=world.region_a, child_specific=False, child_age_months=30)
    child = ChildFactory(program=world.program_a)
    IncidentFactory(child=child, occurred_at=None)
    IncidentFactory(child=child, oss=True)
    ExclusionFactory(child=child, days_lost=Decimal("2.5"), ends_on=dt.date(2025, 1, 31))
    admin = world.people["network_admin"]
    for key in ("requests", "incidents", "exclusions", "episodes", "contacts", "consultants"):
        kind = KINDS[key]
        python, copy = _both_paths(scoped_queryset(admin, kind, "identified"), kind.columns)
        assert python == copy, key
    request_csv = b"".join(writers.identified_copy_csv(
        scoped_queryset(admin, KINDS["requests"], "identified"), KINDS["requests"].columns))
    assert b"2025-03-01T14:05:09Z" in request_csv and b",true," in request_csv


@pg_only
def test_copy_path_keeps_the_querysets_scope_and_order(world):
    RequestFactory(region=world.region_a, program_name="In scope")
    RequestFactory(region=world.region_b, program_name="Out of scope")
    kind = KINDS["requests"]
    queryset = scoped_queryset(world.people["regional_coordinator"], kind, "identified")
    copy = b"".join(writers.identified_copy_csv(queryset, kind.columns))
    assert b"In scope" in copy and b"Out of scope" not in copy
    ids = [row[0] for row in csv.reader(io.StringIO(copy.decode("utf-8-sig"), newline=""))][1:]
    assert ids == [str(pk) for pk in queryset.values_list("pk", flat=True)]


def test_csv_line_ends_are_crlf_and_a_lone_cr_is_quoted():
    raw = b"".join(writers.python_csv_chunks(["a", "b"], [["x\ry", "z"], ["1", None]]))
    assert raw == b'\xef\xbb\xbfa,b\r\n"x\ry",z\r\n1,\r\n'


def test_xlsx_writer_keeps_types_and_never_writes_formulas(tmp_path):
    target = str(tmp_path / "t.xlsx")
    rows = [["=SUM(A1:A2)", 3, 2.5, True, dt.date(2025, 1, 2), dt.datetime(2025, 1, 2, 3, 4, 5), None,
             Decimal("1.50"), "-5"]]
    assert xlsx_write(target, ["=h", "n", "f", "b", "d", "t", "none", "dec", "neg"], rows) == 1
    sheet = openpyxl.load_workbook(target).worksheets[0]
    header, values = list(sheet.iter_rows(values_only=True))
    assert header[0] == "'=h"
    assert values[:6] == ("'=SUM(A1:A2)", 3, 2.5, True, dt.datetime(2025, 1, 2), dt.datetime(2025, 1, 2, 3, 4, 5))
    assert values[6] is None and values[7] == 1.5 and values[8] == "'-5"
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_deidentification_helpers():
    assert month(dt.date(2025, 3, 31)) == "2025-03"
    assert month(dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8)))) == "2025-04"
    assert age_years(dt.date(2021, 6, 15), dt.date(2025, 6, 14)) == 3
    assert age_years(dt.date(2021, 6, 15), dt.date(2025, 6, 15)) == 4
    first = pseudonym("intake.request", "abc")
    assert first == pseudonym("intake.request", "abc") and len(first) == 16
    assert first != pseudonym("consultations.episode", "abc") and "abc" not in first


def test_pseudonyms_change_with_the_secret(settings):
    before = pseudonym("intake.request", 1)
    settings.SECRET_KEY = "another secret that is long enough for the checks " * 2
    assert pseudonym("intake.request", 1) != before


def test_xlsx_writer_escapes_xml_and_control_characters_and_reads_back(tmp_path):
    target = str(tmp_path / "t.xlsx")
    texts = ["a < b & c > d", "tab\there", "line\nbreak", "bell\x07", "_x0041_ literal", "  spaces  ",
             "Niños \U0001f600"]
    xlsx_write(target, ["text"], [[text] for text in texts] + [[None], [10**15], [-0.25]], sheet_title="A/B:C")
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["A B C"]
    values = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert values[:2] == ["a < b & c > d", "tab\there"]
    assert values[2] == "line\nbreak" and values[5] == "  spaces  " and values[6] == "Niños \U0001f600"
    # Excel's _xHHHH_ escapes (openpyxl leaves them as written; Excel decodes them)
    assert values[3] == "bell_x0007_" and values[4] == "_x005F_x0041_ literal"
    assert values[7:] == [None, 10**15, -0.25]


def test_xlsx_memory_stays_flat(tmp_path):
    import tracemalloc

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            xlsx_write(str(tmp_path / f"{count}.xlsx"), ["a", "b"], ((i, f"row {i}") for i in range(count)))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(20_000) < 2 * peak(2_000) + 256 * 1024
