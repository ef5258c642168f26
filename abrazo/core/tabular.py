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
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import IO, Any

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_UNPACK_RATIO = 100
MAX_ROWS = 200_000


class TableError(ValueError):
    """The file cannot be read as a table at all (as opposed to a row with a bad value).

    The message is English, for logs and tests; `code` says which refusal it is, so that the page that shows it
    can word it in the person's language without reading the English (core.imports.table_error_message), and
    `column` names the offending header where there is one.
    """

    NO_HEADER = "no_header"
    DUPLICATE_COLUMN = "duplicate_column"
    TOO_MANY_ROWS = "too_many_rows"
    EMPTY = "empty"
    NOT_CSV = "not_csv"
    NOT_XLSX = "not_xlsx"
    UNPACKS_TOO_MUCH = "unpacks_too_much"
    TOO_LARGE = "too_large"

    def __init__(self, message: str, *, code: str, column: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.column = column


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
        raise TableError("The file has no header row.", code=TableError.NO_HEADER)
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise TableError(f"The column {name!r} appears twice.", code=TableError.DUPLICATE_COLUMN, column=name)
        seen.add(name)
    table = Table(columns=columns)
    for line, values in body:
        texts = [_cell_text(value) for value in values]
        if not any(texts):
            continue  # blank lines, and the empty rows spreadsheets leave at the bottom
        if len(table.rows) >= max_rows:
            raise TableError(
                f"The file has more than {max_rows} rows; split it into smaller files.", code=TableError.TOO_MANY_ROWS
            )
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
        raise TableError("The file is empty.", code=TableError.EMPTY) from exc
    except csv.Error as exc:
        raise TableError(f"The file is not readable as CSV: {exc}", code=TableError.NOT_CSV) from exc
    try:
        # reader.line_num is the physical line the row ended on, which is what a text editor shows.
        return _build(header, ((reader.line_num, row) for row in reader), max_rows)
    except csv.Error as exc:
        raise TableError(
            f"The file is not readable as CSV (line {reader.line_num}): {exc}", code=TableError.NOT_CSV
        ) from exc


def check_xlsx_archive(raw: bytes) -> None:
    """Refuse an XLSX whose archive unpacks to too much, before any XML is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableError("The file is not a valid XLSX workbook.", code=TableError.NOT_XLSX) from exc
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_UNPACK_RATIO * max(len(raw), 1):
        raise TableError(
            "The workbook unpacks to far more data than it holds; it was not opened.", code=TableError.UNPACKS_TOO_MUCH
        )


def read_xlsx_bytes(raw: bytes, *, max_rows: int = MAX_ROWS) -> Table:
    import openpyxl

    check_xlsx_archive(raw)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise TableError("The file is not a valid XLSX workbook.", code=TableError.NOT_XLSX) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise TableError("The file is empty.", code=TableError.EMPTY)
        return _build(header, ((index, row) for index, row in enumerate(rows, start=2)), max_rows)
    finally:
        workbook.close()


def read_table(
    upload: IO[bytes], *, filename: str, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int = MAX_ROWS
) -> Table:
    """Read an uploaded CSV or XLSX file (decided by its name and its first bytes)."""
    raw = upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise TableError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", code=TableError.TOO_LARGE)
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


# Every CSV Abrazo writes ends its lines in CRLF, as RFC 4180 says (csv.writer's default dialect, "excel").
CSV_LINE_END = "\r\n"


def csv_stream(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, chunk_chars: int = CSV_CHUNK_CHARS
) -> Iterator[bytes]:
    """A CSV file as UTF-8 chunks of about `chunk_chars` characters, for a streamed response.

    The first chunk starts with a byte-order mark (Excel reads UTF-8 only with one), lines end in CRLF
    (RFC 4180), and every text cell is formula-safe. Only one chunk is held at a time, so memory stays
    flat however many rows `rows` yields: pass it an iterator (a server-side cursor), not a list. A chunk
    is cut after the row that reaches `chunk_chars`, so it is at most that plus one row (64 KB of plain
    text; accented or non-Latin text encodes to more bytes than characters). csv.writer quotes any cell
    holding a CR or an LF, so a line break inside a cell is never read back as the end of a record.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CSV_LINE_END)
    size = buffer.write("\ufeff") + writer.writerow(_safe_cells(header))
    writerow = writer.writerow
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


class CrlfRecordEnds:
    """Turns the LF record ends of a CSV written elsewhere (PostgreSQL's COPY writes LF and cannot be told
    otherwise) into CRLF, fed the CSV in pieces cut anywhere.

    Only the LFs outside quoted cells end records; an LF inside a quoted cell (a note on two lines) is data
    and stays as it is. The writer quotes with '"' and doubles a '"' inside a cell, so splitting on '"'
    alternates between unquoted and quoted stretches ('""' leaves the state as it was), and the state at the
    end of one piece is where the next one starts. The writer must quote every cell holding a CR or an LF
    (COPY and csv.writer both do), so an unquoted stretch holds no line break but record ends.
    """

    def __init__(self) -> None:
        self._quoted = False  # inside a quoted cell at the end of the last piece

    def __call__(self, piece: bytes) -> bytes:
        if b'"' not in piece:  # most pieces of a plain export: one C-speed replace
            return piece if self._quoted else piece.replace(b"\n", b"\r\n")
        parts = piece.split(b'"')
        first_unquoted = 1 if self._quoted else 0
        parts[first_unquoted::2] = [part.replace(b"\n", b"\r\n") for part in parts[first_unquoted::2]]
        if len(parts) % 2 == 0:  # an odd number of quotes in the piece flips the state
            self._quoted = not self._quoted
        return b'"'.join(parts)


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

# --- a streaming XLSX writer -----------------------------------------------------------------------------
#
# An XLSX file is a zip of a few XML parts. Only the worksheet grows with the rows, so it is written as a
# stream into the zip (zipfile's open(..., "w")), a few hundred rows at a time, with every string inline
# (no shared-strings table to keep in memory). About three times as fast as xlsxwriter's constant_memory mode
# and five times openpyxl's write-only mode (bench/export_xlsx.py), which format every cell through
# several layers of generic code; here a cell is one f-string.

_XLSX_MAX_TEXT = 32767  # Excel refuses longer cells
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Characters XML 1.0 cannot carry (and CR, which XML readers turn into LF), written as Excel's _xHHHH_ escape;
# and text that already looks like such an escape, whose underscore is escaped so it reads back unchanged.
_XLSX_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_STYLE_DATE, _STYLE_DATETIME, _STYLE_HEADER = 1, 2, 3


def _xlsx_escape(match: re.Match[str]) -> str:
    text = match.group()
    return f"_x{ord(text):04X}_" if len(text) == 1 else "_x005F" + text


def _xlsx_text(value: str) -> str:
    if len(value) > _XLSX_MAX_TEXT:
        value = value[:_XLSX_MAX_TEXT]
    if _XLSX_SPECIAL.search(value):
        value = _XLSX_SPECIAL.sub(_xlsx_escape, value)
    return value.translate(_XML_ESCAPES)


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, number = "", index + 1
        while number:
            number, rest = divmod(number - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _xlsx_cell(ref: str, value: Any) -> str:
    """One <c> element; "" for an empty cell. Text is formula-safe and always a string (t="inlineStr")."""
    kind = value.__class__
    if kind is str:
        if value.startswith(_FORMULA_STARTS):
            value = "'" + value
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xlsx_text(value)}</t></is></c>'
    if value is None:
        return ""
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        return f'<c r="{ref}"><v>{value!r}</v></c>' if value == value and abs(value) != float("inf") else ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # stored in UTC; the header says so
            value = value.astimezone(UTC).replace(tzinfo=None)
        delta = value - _EXCEL_EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    if isinstance(value, bool):  # subclasses of the plain types above (an IntEnum, a str enum...)
        return _xlsx_cell(ref, bool(value))
    if isinstance(value, int):
        return _xlsx_cell(ref, int(value))
    if isinstance(value, float | Decimal):
        return _xlsx_cell(ref, float(value))
    return _xlsx_cell(ref, str(value))  # UUID, time, a str subclass...: as text


_XLSX_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_XLSX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
_XLSX_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_XLSX_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_XLSX_ROWS_PER_WRITE = 500


def _xlsx_workbook(sheet_title: str) -> str:
    name = _sheet_name(sheet_title).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def xlsx_write(target: str | IO[bytes], header: Sequence[Any], rows: Iterable[Sequence[Any]], *,
               sheet_title: str = "Data") -> int:
    """Write an XLSX workbook of any length to `target` (a path or a binary file) with flat memory; return the
    number of data rows written.

    The header row is bold; every string is stored as a string (never as a formula, whatever it starts with)
    and is also formula_safe, since a CSV made from the sheet by a spreadsheet would run it; numbers, dates,
    datetimes (aware ones in UTC) and booleans keep their types; None is an empty cell; Decimal becomes a
    number; anything else (a UUID, a time) its text. Strings are cut at Excel's 32,767 characters.
    """
    letters = _column_letters(max(len(header), 1))
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _XLSX_CONTENT_TYPES)
        archive.writestr("_rels/.rels", _XLSX_ROOT_RELS)
        archive.writestr("xl/workbook.xml", _xlsx_workbook(sheet_title))
        archive.writestr("xl/_rels/workbook.xml.rels", _XLSX_WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _XLSX_STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = "".join(
                f'<c r="{letters[i]}1" s="{_STYLE_HEADER}" t="inlineStr"><is><t xml:space="preserve">'
                f'{_xlsx_text(str(formula_safe(str(name))))}</t></is></c>'
                for i, name in enumerate(header)
            )
            parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                     f'<row r="1">{head}</row>']
            cell = _xlsx_cell
            for count, row in enumerate(rows, start=1):
                number = str(count + 1)
                if len(row) > len(letters):
                    letters = _column_letters(len(row))
                parts.append(f'<row r="{number}">'
                             + "".join([cell(letters[i] + number, value) for i, value in enumerate(row)])
                             + "</row>")
                if len(parts) >= _XLSX_ROWS_PER_WRITE:
                    sheet.write("".join(parts).encode("utf-8", "replace"))
                    parts = []
            parts.append("</sheetData></worksheet>")
            sheet.write("".join(parts).encode("utf-8", "replace"))
    return count


def _sheet_name(title: str) -> str:
    # Excel refuses []:*?/\ in a sheet name and more than 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31]
    return cleaned or "Data"
