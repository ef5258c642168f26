#!/usr/bin/env python
"""Benchmark: streamed XLSX export (issue 8, Speed: 100,000 rows in under 15 seconds, with flat memory).

Writes --rows contact-like rows (12 columns: a UUID as text, a date, a datetime, two minute counts, modality,
activity, language, consultant, program, child code, a note with accents; one note in fifty starts with "=")
from a generator, so the rows are never all in memory, with:

- **ours**: abrazo.core.tabular.xlsx_write, what the exports centre uses: the worksheet XML written as a stream
  into the zip, every string inline;
- **openpyxl** (write_only): the library the project already has (it reads uploads);
- **xlsxwriter** (constant_memory), when installed (it is not a dependency: it was tried first and measured
  slower than the target on this machine), timed for the choice.

It prints seconds, rows/s, the file size, the growth of peak RSS and tracemalloc's peak for one more pass of
each (traced apart from the timings), the same figures at --rows / 10 to show whether memory grows with the
rows, and checks the target. Each file is written to a temporary folder and deleted.

    .venv/bin/python bench/export_xlsx.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from abrazo.core.tabular import formula_safe, xlsx_write  # noqa: E402  (after the path is set)

TARGET_SECONDS = 15.0
HEADER = ["id", "contact_date", "logged_at_utc", "minutes", "minutes_in_classroom", "modality", "activity_type",
          "language", "consultant", "program", "child", "note"]
MODALITIES = ["on_site", "video", "phone", "message"]
ACTIVITIES = ["classroom_observation", "staff_consultation", "family_meeting", "training", "planning"]


def rows(count: int) -> Iterator[list[Any]]:
    start = dt.date(2024, 7, 1)
    stamp = dt.datetime(2024, 7, 1, 8, 0)
    namespace = uuid.UUID("00000000-0000-0000-0000-000000000000")
    for i in range(count):
        note = (f'=HYPERLINK("http://x/{i}")' if i % 50 == 0 else None if i % 7 == 0
                else f"Observación en el aula; la maestra dijo \"gracias\", seguimos el {i % 28}.")
        yield [str(uuid.uuid5(namespace, str(i))), start + dt.timedelta(days=i % 730),
               stamp + dt.timedelta(days=i % 730, minutes=i % 600), 15 + (i % 8) * 15, (i % 8) * 10,
               MODALITIES[i % 4], ACTIVITIES[i % 5], ("es", "en", "en", "vi")[i % 4], f"Consultora {i % 600} Peña",
               f"Centro Infantil Los Niños {i % 4000}", f"K-{i % 90000:06d}", note]


def with_ours(target: str, count: int) -> int:
    return xlsx_write(target, HEADER, rows(count), sheet_title="Contacts")


def with_xlsxwriter(target: str, count: int) -> int:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Contacts")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADER)
    written = 0
    for written, row in enumerate(rows(count), start=1):
        for column, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(written, column, str(formula_safe(value)))
            elif isinstance(value, dt.date):
                sheet.write_datetime(written, column, value, dates)
            elif value is not None:
                sheet.write_number(written, column, value)
    workbook.close()
    return written


def with_openpyxl(target: str, count: int) -> int:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Contacts")
    sheet.append(HEADER)
    written = 0
    for row in rows(count):
        sheet.append([formula_safe(value) for value in row])
        written += 1
    workbook.save(target)
    return written


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def timed(writer: Callable[[str, int], int], count: int, repeat: int, folder: str) -> tuple[float, int, int]:
    """(best seconds, file bytes, growth of peak RSS in KB over all runs)."""
    before = peak_rss_kb()
    best, size = float("inf"), 0
    for _ in range(repeat):
        target = os.path.join(folder, "bench.xlsx")
        started = time.perf_counter()
        assert writer(target, count) == count
        best = min(best, time.perf_counter() - started)
        size = os.path.getsize(target)
        os.remove(target)
    return best, size, peak_rss_kb() - before


def traced_kb(writer: Callable[[str, int], int], count: int, folder: str) -> int:
    target = os.path.join(folder, "traced.xlsx")
    tracemalloc.start()
    try:
        writer(target, count)
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()
        os.remove(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # Generating the rows alone, so the writers' own cost can be read off.
        started = time.perf_counter()
        for _ in rows(args.rows):
            pass
        generate_s = time.perf_counter() - started
        print(f"XLSX, {args.rows:,} rows of {len(HEADER)} columns, best of {args.repeat} "
              f"(generating the rows alone: {generate_s:.2f} s)")
        results = {}
        writers: list[tuple[str, Callable[[str, int], int]]] = [("ours (tabular.xlsx_write)", with_ours),
                                                                ("openpyxl write_only", with_openpyxl)]
        try:
            import xlsxwriter  # noqa: F401
        except ImportError:
            print("  (xlsxwriter is not installed: not timed)")
        else:
            writers.append(("xlsxwriter constant_memory", with_xlsxwriter))
        for name, writer in writers:
            seconds, size, rss = timed(writer, args.rows, args.repeat, folder)
            traced = traced_kb(writer, args.rows, folder)
            traced_small = traced_kb(writer, args.rows // 10, folder)
            results[name] = seconds
            print(f"  {name:26}: {seconds:6.2f} s  {args.rows / seconds:>9,.0f} rows/s  {size / 1e6:5.1f} MB"
                  f"  peak RSS +{rss / 1024:.1f} MB  tracemalloc peak {traced / 1024:.1f} MB"
                  f" ({traced_small / 1024:.1f} MB at {args.rows // 10:,} rows)")
        ours = results["ours (tabular.xlsx_write)"]
        verdict = "meets" if ours < TARGET_SECONDS else "MISSES"
        others = "; ".join(f"{name} {seconds / ours:.1f}x as long" for name, seconds in results.items()
                           if seconds is not ours)
        print(f"  ours: {ours:.2f} s, {verdict} the {TARGET_SECONDS:.0f} s target ({others})")


if __name__ == "__main__":
    main()
