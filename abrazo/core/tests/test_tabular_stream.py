"""The streamed CSV writer (tabular.csv_stream) and its download response (core.streaming)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.core import tabular
from abrazo.core.streaming import download_filename, streaming_csv_response


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


class TestFormulaSafe:
    def test_every_dangerous_first_character_gets_a_quote(self) -> None:
        cells = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
        assert [tabular.formula_safe(cell) for cell in cells] == ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx"]

    def test_harmless_text_and_numbers_are_unchanged(self) -> None:
        assert tabular.formula_safe("a=b") == "a=b"
        assert tabular.formula_safe("") == ""
        assert tabular.formula_safe(-5) == -5
        assert tabular.formula_safe(None) is None


class TestCsvStream:
    def test_worked_example(self) -> None:
        # given a header and rows of every kind a report holds
        header = ["niño", "fecha", "cuando", "minutos", "importe", "nota"]
        rows = [
            ["José Núñez", date(2026, 3, 1), datetime(2026, 3, 1, 9, 30, tzinfo=UTC), 45, Decimal("12.50"),
             'dijo "hola"\ny se fue'],
            ["=HYPERLINK(\"x\")", None, None, -3, 1.5, "\t=1"],
            ["+34 600", "@user", "-x", 0, None, "\rcmd"],
        ]
        # when it is streamed
        data = b"".join(tabular.csv_stream(header, rows))
        # then the file starts with one BOM, ends its lines in CRLF, and reads back as written, neutralised
        assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
        assert data.split(b"\r\n")[0] == "\ufeffniño,fecha,cuando,minutos,importe,nota".encode()
        assert read_back(data) == [
            header,
            ["José Núñez", "2026-03-01", "2026-03-01 09:30:00+00:00", "45", "12.50", 'dijo "hola"\ny se fue'],
            ["'=HYPERLINK(\"x\")", "", "", "-3", "1.5", "'\t=1"],
            ["'+34 600", "'@user", "'-x", "0", "", "'\rcmd"],
        ]

    def test_a_dangerous_header_is_neutralised_too(self) -> None:
        assert read_back(tabular.csv_bytes(["=cmd", "ok"], []))[0] == ["'=cmd", "ok"]

    def test_no_rows_gives_the_header_alone(self) -> None:
        assert list(tabular.csv_stream(["a", "b"], [])) == ["\ufeffa,b\r\n".encode()]

    def test_the_stream_equals_csv_bytes(self) -> None:
        rows = [[i, f"fila {i}", "=x" if i % 3 == 0 else "ñ", None] for i in range(5000)]
        assert b"".join(tabular.csv_stream(["n", "t", "u", "v"], iter(rows))) == tabular.csv_bytes(
            ["n", "t", "u", "v"], rows
        )

    def test_many_rows_come_in_several_chunks_of_about_64_kb(self) -> None:
        # given 200,000 rows (about 4 MB), from a generator, never a list
        rows = ((i, "consulta en el aula", "2026-01-02") for i in range(200_000))
        longest_row = len(b"199999,consulta en el aula,2026-01-02\r\n")
        # when streamed
        chunks = list(tabular.csv_stream(["n", "what", "when"], rows))
        # then every chunk but the last is 64 KB plus at most one row, and nothing is lost
        assert len(chunks) > 50
        assert all(64 * 1024 <= len(chunk) <= 64 * 1024 + longest_row for chunk in chunks[:-1])
        assert 0 < len(chunks[-1]) <= 64 * 1024 + longest_row
        assert b"".join(chunks).count(b"\r\n") == 200_001

    def test_it_reads_rows_only_as_chunks_are_asked_for(self) -> None:
        # the rows are pulled lazily: the first chunk is out long before the generator is exhausted
        pulled = []

        def rows():
            for i in range(100_000):
                pulled.append(i)
                yield (i, "x" * 20)

        first = next(tabular.csv_stream(["n", "x"], rows()))
        assert len(first) >= 64 * 1024
        assert len(pulled) < 3000


text_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(text_cells, min_size=1, max_size=6), min_size=1, max_size=20))
def test_any_text_cells_read_back_as_written_after_neutralisation(table: list[list[str]]) -> None:
    header, *rows = table
    data = tabular.csv_bytes(header, rows)
    expected = [[tabular.formula_safe(cell) for cell in row] for row in table]
    # (a row of one empty cell is written as "" so that it does not read back as an empty line)
    assert read_back(data) == expected
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in read_back(data) for cell in row)


class TestStreamingResponse:
    def test_headers_and_body(self) -> None:
        # given an export name with accents and a character a header cannot carry
        response = streaming_csv_response('Evaluación "marzo"/2026.csv', ["a"], ([i] for i in range(3)))
        # then it streams a safe download, never cached
        assert response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            "attachment; filename=\"Evaluacion_marzo_2026.csv\"; "
            "filename*=utf-8''Evaluaci%C3%B3n%20%22marzo%22_2026.csv"
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == "\ufeffa\r\n0\r\n1\r\n2\r\n".encode()

    def test_filenames_that_would_break_the_header_or_escape_the_folder(self) -> None:
        assert download_filename("../../etc/passwd") == ("etc_passwd", "_.._etc_passwd")
        assert download_filename("a\r\nSet-Cookie: x=1.csv") == ("a_Set-Cookie_x_1.csv", "a_Set-Cookie: x=1.csv")
        assert download_filename("") == ("export.csv", "export.csv")
        assert download_filename("日本語") == ("export.csv", "日本語")
