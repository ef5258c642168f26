"""Reading and writing the spreadsheets people exchange: CSV and XLSX, safely.

Reading: files arrive from other systems and from people's laptops, so a UTF-8 byte-order mark,
Windows-1252 text, blank lines, trailing blank columns and header spelling ("Child ID", "child_id")
are tolerated; an XLSX file is refused before it is opened when it is too big or unpacks to far more
than it weighs (a zip bomb). Writing: every text cell that a spreadsheet would run as a formula is
neutralised, because exported values come from user input.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_UNPACK_RATIO = 100
MAX_ROWS = 200_000


class TableError(ValueError):
    """The file cannot be read as a table at all (as opposed to a row with a bad value)."""


@dataclass
class Table:
    columns: list[str]  # normalised header names, in file order
    rows: list[dict[str, str]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)  # the spreadsheet row of each entry of `rows`

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(zip(self.line_numbers, self.rows, strict=True))

    def missing(self, required: Iterable[str]) -> list[str]:
        return [name for name in required if name not in self.columns]


def normalise_header(text: str) -> str:
    """'Child ID ' -> 'child_id'; 'Problem Behavior' -> 'problem_behavior'."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text.strip().lstrip("\ufeff").casefold())
    return "_".join(cleaned.split())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _build(header: Sequence[Any], body: Iterable[tuple[int, Sequence[Any]]], max_rows: int) -> Table:
    columns = [normalise_header(_cell_text(name)) for name in header]
    while columns and not columns[-1]:
        columns.pop()
    if not columns:
        raise TableError("The file has no header row.")
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise TableError(f"The column {name!r} appears twice.")
        seen.add(name)
    table = Table(columns=columns)
    for line, values in body:
        texts = [_cell_text(value) for value in values]
        if not any(texts):
            continue  # blank lines, and the empty rows spreadsheets leave at the bottom
        if len(table.rows) >= max_rows:
            raise TableError(f"The file has more than {max_rows} rows; split it into smaller files.")
        texts += [""] * (len(columns) - len(texts))
        table.rows.append({name: texts[i] for i, name in enumerate(columns) if name})
        table.line_numbers.append(line)
    return table


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_csv_text(text: str, *, max_rows: int = MAX_ROWS) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise TableError("The file is empty.") from exc
    except csv.Error as exc:
        raise TableError(f"The file is not readable as CSV: {exc}") from exc
    try:
        # reader.line_num is the physical line the row ended on, which is what a text editor shows.
        return _build(header, ((reader.line_num, row) for row in reader), max_rows)
    except csv.Error as exc:
        raise TableError(f"The file is not readable as CSV (line {reader.line_num}): {exc}") from exc


def check_xlsx_archive(raw: bytes) -> None:
    """Refuse an XLSX whose archive unpacks to too much, before any XML is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableError("The file is not a valid XLSX workbook.") from exc
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_UNPACK_RATIO * max(len(raw), 1):
        raise TableError("The workbook unpacks to far more data than it holds; it was not opened.")


def read_xlsx_bytes(raw: bytes, *, max_rows: int = MAX_ROWS) -> Table:
    import openpyxl

    check_xlsx_archive(raw)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise TableError("The file is not a valid XLSX workbook.") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise TableError("The file is empty.")
        return _build(header, ((index, row) for index, row in enumerate(rows, start=2)), max_rows)
    finally:
        workbook.close()


def read_table(
    upload: IO[bytes], *, filename: str, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int = MAX_ROWS
) -> Table:
    """Read an uploaded CSV or XLSX file (decided by its name and its first bytes)."""
    raw = upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise TableError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    if raw.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx_bytes(raw, max_rows=max_rows)
    return read_csv_text(_decode(raw), max_rows=max_rows)


# --- writing --------------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """A cell value a spreadsheet will show as text: a leading = + - @ tab or CR gets a quote in front.

    Numbers stay numbers (a negative number is not a formula); only text is changed.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


CSV_CHUNK_CHARS = 64 * 1024


def _safe_cells(row: Iterable[Any]) -> list[Any]:
    # formula_safe inlined: this runs once per cell of a million-row export, and a call per cell is
    # most of the writer's time. None needs nothing: csv.writer writes it as an empty cell.
    return ["'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value for value in row]


def csv_stream(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, chunk_chars: int = CSV_CHUNK_CHARS,
    lineterminator: str = "\r\n",
) -> Iterator[bytes]:
    """A CSV file as UTF-8 chunks of about `chunk_chars` characters, for a streamed response.

    The first chunk starts with a byte-order mark (Excel reads UTF-8 only with one), lines end in CRLF
    (RFC 4180), and every text cell is formula-safe. Only one chunk is held at a time, so memory stays
    flat however many rows `rows` yields: pass it an iterator (a server-side cursor), not a list. A chunk
    is cut after the row that reaches `chunk_chars`, so it is at most that plus one row (64 KB of plain
    text; accented or non-Latin text encodes to more bytes than characters).

    `lineterminator="\n"` gives the line ends PostgreSQL's COPY writes, so that the record exports
    (reports.export_writers) are the same bytes whichever database wrote them.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    size = buffer.write("\ufeff") + writer.writerow(_safe_cells(header))
    writerow = writer.writerow
    if lineterminator != "\r\n":
        # csv.writer quotes a cell holding a character of its line terminator, so with "\n" a cell holding a
        # lone CR would be left bare and read back as a line break. Such rows (rare) are written by a CRLF
        # writer, which quotes it, and their CRLF is turned back into the chosen terminator.
        writerow = _bare_cr_safe(buffer, writer, lineterminator)
    for row in rows:
        # writerow returns what buffer.write returned: the characters it wrote.
        size += writerow(_safe_cells(row))
        if size >= chunk_chars:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            size = 0
    if size:
        yield buffer.getvalue().encode("utf-8")


def _bare_cr_safe(buffer: io.StringIO, writer: Any, lineterminator: str) -> Any:
    crlf_writer = csv.writer(buffer)  # CRLF
    plain = writer.writerow

    def writerow(cells: list[Any]) -> int:
        if not any(isinstance(cell, str) and "\r" in cell for cell in cells):
            return plain(cells)
        written = crlf_writer.writerow(cells)
        buffer.seek(buffer.tell() - 2)
        buffer.write(lineterminator)
        buffer.truncate()
        return written - 2 + len(lineterminator)

    return writerow


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A whole small CSV in memory: the same bytes as `csv_stream`, joined."""
    return b"".join(csv_stream(header, rows))


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Data") -> bytes:
    """A whole small XLSX workbook, every text cell formula-safe and stored as a string."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Data")
    sheet.append([formula_safe(name) for name in header])
    for row in rows:
        sheet.append([formula_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_write(
    target: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Data",
    tmpdir: str | None = None,
) -> int:
    """Write an XLSX workbook of any length to the file `target` with flat memory; return the rows written.

    xlsxwriter in constant_memory mode keeps one row in memory and flushes each to a temporary file, so
    100,000 rows take seconds (openpyxl's write-only mode is several times slower: bench/export_xlsx.py).
    Every string is written as a string (write_string: never parsed as a formula, a number or a URL) and
    is also formula_safe, since a CSV made from the workbook by a spreadsheet would run it. Numbers, dates
    and booleans keep their types; None is an empty cell. Strings longer than Excel's 32,767 characters are
    cut (Excel refuses longer cells).
    """
    import xlsxwriter

    options: dict[str, Any] = {"constant_memory": True, "strings_to_formulas": False,
                               "strings_to_urls": False, "strings_to_numbers": False,
                               "remove_timezone": True}
    if tmpdir:
        options["tmpdir"] = tmpdir
    workbook = xlsxwriter.Workbook(target, options)
    try:
        sheet = workbook.add_worksheet(_sheet_name(sheet_title))
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        bold = workbook.add_format({"bold": True})
        for column, name in enumerate(header):
            sheet.write_string(0, column, str(formula_safe(str(name))), bold)
        count = 0
        write_string, write_number, write_datetime, write_boolean = (
            sheet.write_string, sheet.write_number, sheet.write_datetime, sheet.write_boolean)
        for count, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                # bool before int: True is an int to Python.
                if value is None:
                    continue
                if isinstance(value, str):
                    if value.startswith(_FORMULA_STARTS):
                        value = "'" + value
                    write_string(count, column, value[:32767])
                elif isinstance(value, bool):
                    write_boolean(count, column, value)
                elif isinstance(value, int | float):
                    write_number(count, column, value)
                elif isinstance(value, datetime):
                    write_datetime(count, column, value, datetime_format)
                elif isinstance(value, date):
                    write_datetime(count, column, value, date_format)
                else:  # Decimal, UUID, time...: as text (a Decimal's exact digits, not a float's)
                    write_string(count, column, str(formula_safe(str(value)))[:32767])
        return count
    finally:
        workbook.close()


def _sheet_name(title: str) -> str:
    # Excel refuses []:*?/\ in a sheet name and more than 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31]
    return cleaned or "Data"
