"""CrlfRecordEnds: the record ends of an LF-terminated CSV become CRLF, line breaks inside cells do not,
however the CSV is cut into pieces."""

from __future__ import annotations

import csv
import io

import pytest

from abrazo.core.tabular import CSV_LINE_END, CrlfRecordEnds, csv_stream

# Written by hand, as PostgreSQL's COPY writes it: LF record ends, quoted cells holding line breaks and quotes.
LF_CSV = b'id,note\n1,plain\n2,"two\nlines"\n3,"she said ""hi""\nthen left"\n4,"cr\rinside"\n5,\n'
CRLF_CSV = b'id,note\r\n1,plain\r\n2,"two\nlines"\r\n3,"she said ""hi""\nthen left"\r\n4,"cr\rinside"\r\n5,\r\n'


def test_whole_file_in_one_piece():
    assert CrlfRecordEnds()(LF_CSV) == CRLF_CSV


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11, 64])
def test_any_cut_gives_the_same_bytes(size):
    convert = CrlfRecordEnds()
    pieces = [LF_CSV[start : start + size] for start in range(0, len(LF_CSV), size)]
    assert b"".join(convert(piece) for piece in pieces) == CRLF_CSV


def test_reads_back_as_the_same_cells():
    expected = list(csv.reader(io.StringIO(LF_CSV.decode(), newline="")))
    assert list(csv.reader(io.StringIO(CrlfRecordEnds()(LF_CSV).decode(), newline=""))) == expected
    assert expected[2] == ["2", "two\nlines"] and expected[3] == ["3", 'she said "hi"\nthen left']


def test_python_writer_ends_every_record_in_crlf_and_only_there():
    rows = [["a", "two\nlines"], ["b", "cr\rinside"], ["c", ""]]
    data = b"".join(csv_stream(["x", "y"], rows)).decode("utf-8-sig")
    assert CSV_LINE_END == "\r\n"
    assert data == 'x,y\r\na,"two\nlines"\r\nb,"cr\rinside"\r\nc,\r\n'
