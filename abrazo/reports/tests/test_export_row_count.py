"""The row count of a prepared CSV counts records, not line breaks: a cell holding a line break (an address on two
lines) is one row. On SQLite the file is written by csv.writer, on PostgreSQL by COPY: run on both."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from abrazo.directory.models import Program
from abrazo.directory.tests.factories import ProgramFactory
from abrazo.reports import export_service
from abrazo.reports.export_service import CsvRecordCounter

pytestmark = pytest.mark.django_db


def test_a_line_break_inside_a_cell_is_not_a_row(world, tmp_path: Any):
    # given programs of the network, two with line breaks (and quotes) in their cells
    ProgramFactory(network=world.network, region=world.region_a, name='Casa "Sol"\nannex',
                   address_line1="1 Oak St\nSuite 2\r\nback")
    ProgramFactory(network=world.network, region=world.region_b, name="Two\n\nlines")
    expected = Program.objects.filter(network=world.network).count()
    plan = export_service.export_plan(user=world.people["network_admin"], kind_key="programs", file_format="csv")
    # when the file is written
    target = tmp_path / "programs.csv"
    rows = export_service.write_file(plan, str(target))
    # then the count is the number of records in the file, as a CSV reader reads them
    with open(target, encoding="utf-8-sig", newline="") as written:
        read = list(csv.reader(written))
    assert len(read) - 1 == expected == rows
    assert expected >= 4


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_the_counter_does_not_depend_on_where_chunks_are_cut(size):
    data = io.StringIO()
    writer = csv.writer(data, lineterminator="\n")
    writer.writerows([["h1", "h2"], ['a "quoted"\nvalue', "x"], ["", '"'], ["multi\n\nline", '""\n'], ["z", "9"]])
    raw = data.getvalue().encode()
    counter = CsvRecordCounter()
    for start in range(0, len(raw), size):
        counter.feed(raw[start:start + size])
    assert counter.count == 5
