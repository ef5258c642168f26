"""Each way the spreadsheet reader refuses a file carries a code, and the shared translator turns every code into
its own message in the person's language (never by reading the English text)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import translation

from abrazo.core.imports import table_error_message
from abrazo.core.tabular import TableError, read_csv_text, read_table


def refusal(content: bytes, *, filename: str = "upload.csv", max_bytes: int = 1024, max_rows: int = 3) -> TableError:
    with pytest.raises(TableError) as refused:
        read_table(io.BytesIO(content), filename=filename, max_bytes=max_bytes, max_rows=max_rows)
    return refused.value


def bomb() -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 2_000_000)
    return packed.getvalue()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: refusal(b""), TableError.EMPTY),
        (lambda: refusal(b",,,\n1,2,3\n"), TableError.NO_HEADER),
        (lambda: refusal(b"code,Code\n1,2\n"), TableError.DUPLICATE_COLUMN),
        (lambda: refusal(b"code\n1\n2\n3\n4\n"), TableError.TOO_MANY_ROWS),
        (lambda: refusal(b"x" * 2000), TableError.TOO_LARGE),
        (lambda: refusal(b"PK\x03\x04 not really a zip", filename="roster.xlsx"), TableError.NOT_XLSX),
        (lambda: refusal(bomb(), filename="roster.xlsx", max_bytes=10_000_000), TableError.UNPACKS_TOO_MUCH),
    ],
)
def test_every_refusal_names_its_code(make, code):
    assert make().code == code


def test_a_csv_the_parser_cannot_read_is_not_csv():
    with pytest.raises(TableError) as refused:
        # a cell longer than the csv module's field limit (131,072 characters) is a parse error
        read_csv_text("code,name\n1," + "x" * 200_000 + "\n", max_rows=10)
    assert refused.value.code == TableError.NOT_CSV


def test_the_duplicate_column_is_named():
    problem = refusal(b"code,Code\n1,2\n")
    assert problem.column == "code"


ADVICE = {"too_large": "ADVICE-SIZE", "too_many_rows": "ADVICE-ROWS"}


@pytest.mark.parametrize(
    ("code", "english", "spanish"),
    [
        (TableError.TOO_LARGE, "ADVICE-SIZE", "ADVICE-SIZE"),
        (TableError.TOO_MANY_ROWS, "ADVICE-ROWS", "ADVICE-ROWS"),
        (TableError.EMPTY, "The file is empty.", "El archivo está vacío."),
        (TableError.NO_HEADER, "no header row", "encabezado"),
        (TableError.NOT_XLSX, "not a valid XLSX", "XLSX"),
        (TableError.UNPACKS_TOO_MUCH, "unpacks to far more data", "CSV"),
        (TableError.NOT_CSV, "could not be read as CSV or XLSX", "CSV"),
    ],
)
def test_each_code_has_its_own_words_in_both_languages(code, english, spanish):
    # the English text given to the error is deliberately unrelated: only the code may decide the message
    problem = TableError("unrelated English words", code=code)
    with translation.override("en"):
        assert english in table_error_message(problem, **ADVICE)
    with translation.override("es"):
        in_spanish = table_error_message(problem, **ADVICE)
    assert spanish in in_spanish
    if code not in (TableError.TOO_LARGE, TableError.TOO_MANY_ROWS):
        with translation.override("en"):
            assert in_spanish != table_error_message(problem, **ADVICE)


def test_the_duplicate_column_message_quotes_the_column_in_either_language():
    problem = TableError("unrelated", code=TableError.DUPLICATE_COLUMN, column="child_code")
    with translation.override("en"):
        assert "“child_code” appears twice" in table_error_message(problem, **ADVICE)
    with translation.override("es"):
        assert "“child_code”" in table_error_message(problem, **ADVICE)
