"""REDCap data dictionaries: read one into plain data, check it, summarise it, and write it back.

Pure (no Django): the import command and the upload page build instruments from a :class:`Dictionary`,
and the export writes one with :func:`write_dictionary`.

A dictionary is a CSV file with one row per field (DOMAIN.md §8). Evaluators download it from REDCap
with the human-readable header ("Variable / Field Name", ...) and the REDCap API returns the same
columns in snake_case ("field_name", ...); both are read. Files come as REDCap wrote them: with or
without a byte-order mark, with newlines inside quoted cells (a problem's line number is the physical
line where the row starts, which is what an editor shows), and with HTML in labels (kept as written;
:func:`plain_text` gives the text for places that cannot show HTML).

Problems are of two kinds. An *error* is something REDCap itself would refuse (an unknown field type, a
duplicate name, a choice without a comma, ...): the caller must import nothing when there is any. A
*warning* is importable but suspicious (logic Abrazo cannot evaluate, a flag that is neither "y" nor
blank, ...). Each names the line, the column as written in the file's header, and the value. Each also
has a stable `code`, so that the web layer can show a translated message; `message` is English.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from html import unescape
from html.parser import HTMLParser
from typing import Any, NamedTuple

from abrazo.measures import branching

# --- columns ----------------------------------------------------------------------------------------

# (API name, header REDCap writes in a downloaded dictionary), in REDCap's column order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("field_name", "Variable / Field Name"),
    ("form_name", "Form Name"),
    ("section_header", "Section Header"),
    ("field_type", "Field Type"),
    ("field_label", "Field Label"),
    ("select_choices_or_calculations", "Choices, Calculations, OR Slider Labels"),
    ("field_note", "Field Note"),
    ("text_validation_type_or_show_slider_number", "Text Validation Type OR Show Slider Number"),
    ("text_validation_min", "Text Validation Min"),
    ("text_validation_max", "Text Validation Max"),
    ("identifier", "Identifier?"),
    ("branching_logic", "Branching Logic (Show field only if...)"),
    ("required_field", "Required Field?"),
    ("custom_alignment", "Custom Alignment"),
    ("question_number", "Question Number (surveys only)"),
    ("matrix_group_name", "Matrix Group Name"),
    ("matrix_ranking", "Matrix Ranking?"),
    ("field_annotation", "Field Annotation"),
)
HUMAN_HEADER: dict[str, str] = dict(COLUMNS)
REQUIRED_COLUMNS = ("field_name", "form_name", "field_type", "field_label")


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.strip().lstrip("\ufeff").casefold()).strip()


# Both spellings of every column, compared without case or punctuation ("Identifier?" == "identifier").
_HEADER_ALIASES: dict[str, str] = {}
for _api, _human in COLUMNS:
    _HEADER_ALIASES[_header_key(_api)] = _api
    _HEADER_ALIASES[_header_key(_human)] = _api
_HEADER_ALIASES[_header_key("Variable Field Name")] = "field_name"

# --- vocabulary -------------------------------------------------------------------------------------

FIELD_TYPES = frozenset(
    {"text", "notes", "dropdown", "radio", "checkbox", "yesno", "truefalse", "calc", "file", "slider",
     "descriptive", "sql"}
)
CHOICE_TYPES = frozenset({"radio", "dropdown", "checkbox"})
IMPLIED_CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "yesno": (("1", "Yes"), ("0", "No")),
    "truefalse": (("1", "True"), ("0", "False")),
}

_NUMBER_VALIDATIONS = frozenset(
    {"number", "integer", "number_1dp", "number_2dp", "number_3dp", "number_4dp", "number_comma_decimal",
     "number_1dp_comma_decimal", "number_2dp_comma_decimal", "number_3dp_comma_decimal",
     "number_4dp_comma_decimal"}
)
_DATE_VALIDATIONS = {"date_ymd": "%Y-%m-%d", "date_mdy": "%m-%d-%Y", "date_dmy": "%d-%m-%Y"}
_DATETIME_VALIDATIONS = {
    "datetime_ymd": "%Y-%m-%d %H:%M", "datetime_mdy": "%m-%d-%Y %H:%M", "datetime_dmy": "%d-%m-%Y %H:%M",
    "datetime_seconds_ymd": "%Y-%m-%d %H:%M:%S", "datetime_seconds_mdy": "%m-%d-%Y %H:%M:%S",
    "datetime_seconds_dmy": "%d-%m-%Y %H:%M:%S",
}
_TIME_VALIDATIONS = {"time": "%H:%M", "time_hh_mm_ss": "%H:%M:%S", "time_mm_ss": "%M:%S"}
TEXT_VALIDATIONS = (
    _NUMBER_VALIDATIONS
    | set(_DATE_VALIDATIONS)
    | set(_DATETIME_VALIDATIONS)
    | set(_TIME_VALIDATIONS)
    | {"alpha_only", "email", "mrn_10d", "mrn_generic", "phone", "phone_australia", "postalcode_australia",
       "postalcode_canada", "postalcode_french", "postalcode_germany", "postalcode_uk", "ssn", "vmrn",
       "zipcode"}
)
# The validation column means something else for these types (REDCap reuses it).
_OTHER_VALIDATIONS = {"slider": {"number"}, "dropdown": {"autocomplete"}, "file": {"signature"}}
ALIGNMENTS = frozenset({"", "LV", "LH", "RV", "RH"})
_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_CHOICE_CODE = re.compile(r"-?[A-Za-z0-9_.]+")
# A min/max that is another field ([visit_date], [event][field]) or today/now is checked by REDCap at entry.
_DYNAMIC_LIMIT = re.compile(r"(\[[^\]]+\])+|today|now", re.IGNORECASE)
_TRUE_FLAGS = frozenset({"y", "yes", "1"})
_FALSE_FLAGS = frozenset({"", "n", "no", "0"})

Limit = Decimal | date | datetime | time

# --- results ----------------------------------------------------------------------------------------


class Problem(NamedTuple):
    line: int  # physical line where the row starts (1 = the header)
    column: str  # the column's header as written in the file ("" when the whole row is at fault)
    value: str
    message: str
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        value = self.value if len(self.value) <= 120 else self.value[:117] + "..."
        return {"line": self.line, "column": self.column, "value": value, "message": self.message,
                "code": self.code}


@dataclass(frozen=True)
class Field:
    line: int
    name: str
    form: str
    field_type: str
    label: str = ""
    section_header: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # radio/dropdown/checkbox as written; yesno/truefalse implied
    calculation: str = ""  # calc fields
    sql: str = ""  # sql fields: the query REDCap runs for the dropdown
    ontology: str = ""  # text fields autocompleted from an ontology, e.g. "BIOPORTAL:ICD10"
    slider_labels: tuple[str, str, str] = ("", "", "")  # left, middle, right
    field_note: str = ""
    validation: str = ""  # text validation type; "number" on a slider means "show the number"
    validation_min: str = ""
    validation_max: str = ""
    validation_min_value: Limit | None = None  # parsed when the type is a number, date, datetime or time
    validation_max_value: Limit | None = None
    identifier: bool = False
    branching_logic: str = ""
    branching: branching.Node | None = None  # parsed logic; None when blank or not understood (warned)
    required: bool = False
    custom_alignment: str = ""
    question_number: str = ""
    matrix_group: str = ""
    matrix_ranking: bool = False
    annotation: str = ""

    @property
    def label_text(self) -> str:
        return plain_text(self.label)

    @property
    def action_tags(self) -> tuple[str, ...]:
        """REDCap action tags in the annotation (@HIDDEN, @DEFAULT, ...), in order, without repeats."""
        return tuple(dict.fromkeys(re.findall(r"@[A-Z][A-Z0-9_\-]*", self.annotation)))

    def comparable(self) -> tuple[Any, ...]:
        """Everything except the line number: what a round trip must keep."""
        return tuple(getattr(self, name) for name in self.__dataclass_fields__ if name != "line")


@dataclass(frozen=True)
class Form:
    name: str
    fields: tuple[Field, ...]

    @property
    def field_types(self) -> dict[str, int]:
        counts = Counter(item.field_type for item in self.fields)
        return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


@dataclass
class Dictionary:
    forms: list[Form] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    header_style: str = "human"  # "human" (downloaded from the project) or "api" (snake_case)

    @property
    def fields(self) -> list[Field]:
        return [item for form in self.forms for item in form.fields]

    @property
    def ok(self) -> bool:
        """True when the dictionary can be imported; with any error, nothing may be imported."""
        return not self.errors


def summary(dictionary: Dictionary) -> dict[str, Any]:
    """The JSON summary the import command prints."""
    return {
        "instruments": [
            {"form": form.name, "fields": len(form.fields), "field_types": form.field_types}
            for form in dictionary.forms
        ],
        "warnings": [problem.as_dict() for problem in dictionary.warnings],
    }


# --- HTML -------------------------------------------------------------------------------------------


class _TextCollector(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})
    _HIDDEN = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def plain_text(markup: str) -> str:
    """Label text for places that cannot show HTML: tags dropped, entities decoded, spaces tidied."""
    if "<" in markup or "&" in markup:
        collector = _TextCollector()
        collector.feed(markup)
        collector.close()
        text = unescape("".join(collector.parts)).replace("\u00a0", " ")
    else:
        text = markup
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --- reading ----------------------------------------------------------------------------------------


def _decode(raw: bytes, warnings: list[Problem]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        warnings.append(Problem(line, "", "", "The file is not UTF-8; it was read as Windows-1252.", "encoding"))
        return raw.decode("cp1252", errors="replace")


def _physical_rows(text: str, errors: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the physical line each starts on (cells may hold newlines)."""
    # strict: a stray quote ("Q"x) or a quote never closed is reported on its line, instead of silently
    # swallowing the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(Problem(start, "", "", f"The line cannot be read as CSV: {exc}.", "csv"))
            return
        yield start, row
        start = reader.line_num + 1


def _flag(text: str, line: int, column: str, warnings: list[Problem]) -> bool:
    value = text.strip().casefold()
    if value in _TRUE_FLAGS:
        return True
    if value not in _FALSE_FLAGS:
        warnings.append(Problem(line, column, text, "Expected 'y' or blank; read as blank.", "flag"))
    return False


def parse_choices(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """'1, Yes | 2, No' -> ([('1', 'Yes'), ('2', 'No')], problems). Labels may contain commas."""
    choices: list[tuple[str, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, part in enumerate(text.split("|"), start=1):
        if not part.strip():
            problems.append(f"Choice {number} is empty.")
            continue
        if "," not in part:
            problems.append(f"Choice {number} ({part.strip()!r}) has no comma between its code and its label.")
            continue
        code, label = (piece.strip() for piece in part.split(",", 1))
        if not code:
            problems.append(f"Choice {number} has no code before its comma.")
        elif not _CHOICE_CODE.fullmatch(code):
            problems.append(f"Choice code {code!r} may use only letters, digits and underscores.")
        elif code in seen:
            problems.append(f"Choice code {code!r} appears twice.")
        else:
            seen.add(code)
            choices.append((code, label))
    return choices, problems


def _parse_limit(text: str, validation: str) -> Limit | None:
    """A literal min/max as a value of the validation's type; ValueError when it is not one."""
    value = text.strip()
    if validation in _NUMBER_VALIDATIONS or validation == "slider":
        if validation.endswith("comma_decimal"):
            value = value.replace(",", ".")
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(value) from exc
        if not number.is_finite() or (validation == "integer" and number != number.to_integral_value()):
            raise ValueError(value)
        return number
    # REDCap stores date limits as Y-M-D whatever the display format; the display format is accepted too.
    if validation in _DATE_VALIDATIONS:
        for fmt in ("%Y-%m-%d", _DATE_VALIDATIONS[validation]):
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        raise ValueError(value)
    if validation in _DATETIME_VALIDATIONS:
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", _DATETIME_VALIDATIONS[validation]):
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
        raise ValueError(value)
    if validation in _TIME_VALIDATIONS:
        return datetime.strptime(value, _TIME_VALIDATIONS[validation]).time()
    return None


class _RowReader:
    """Turns one CSV row into a Field, recording problems against the row's line and columns."""

    def __init__(self, headers: dict[str, str], warnings: list[Problem], errors: list[Problem]) -> None:
        self.headers = headers  # API name -> header as written in the file
        self.warnings = warnings
        self.errors = errors

    def error(self, line: int, key: str, value: str, message: str, code: str) -> None:
        self.errors.append(Problem(line, self.headers.get(key, HUMAN_HEADER.get(key, key)), value, message, code))

    def warn(self, line: int, key: str, value: str, message: str, code: str) -> None:
        self.warnings.append(Problem(line, self.headers.get(key, HUMAN_HEADER.get(key, key)), value, message, code))

    def read(self, line: int, cells: dict[str, str]) -> Field | None:
        name, form, field_type = cells["field_name"].strip(), cells["form_name"].strip(), cells["field_type"]
        field_type = field_type.strip().casefold()
        before = len(self.errors)
        if not name:
            self.error(line, "field_name", name, "The field has no name.", "name_missing")
        elif not _NAME_PATTERN.fullmatch(name):
            self.error(line, "field_name", name,
                       "Field names use lower-case letters, digits and underscores, starting with a letter.",
                       "name_invalid")
        if not form:
            self.error(line, "form_name", form, "The field has no form name.", "form_missing")
        elif not _NAME_PATTERN.fullmatch(form):
            self.error(line, "form_name", form,
                       "Form names use lower-case letters, digits and underscores, starting with a letter.",
                       "form_invalid")
        if field_type not in FIELD_TYPES:
            self.error(line, "field_type", cells["field_type"],
                       f"Unknown field type; expected one of {', '.join(sorted(FIELD_TYPES))}.", "type_unknown")
            return None
        content = self.content(line, field_type, cells["select_choices_or_calculations"])
        validation = cells["text_validation_type_or_show_slider_number"].strip()
        limits = self.limits(line, field_type, validation, cells)
        logic_text = cells["branching_logic"]
        logic = self.logic(line, "branching_logic", logic_text) if logic_text.strip() else None
        alignment = cells["custom_alignment"].strip()
        if alignment not in ALIGNMENTS:
            self.warn(line, "custom_alignment", alignment, "Expected LV, LH, RV, RH or blank; read as blank.",
                      "alignment")
            alignment = ""
        matrix_ranking = _flag(cells["matrix_ranking"], line, self.headers.get("matrix_ranking", "Matrix Ranking?"),
                               self.warnings)
        if matrix_ranking and not cells["matrix_group_name"].strip():
            self.warn(line, "matrix_ranking", cells["matrix_ranking"], "Ranking applies only to a matrix group.",
                      "ranking_without_matrix")
        if len(self.errors) > before:
            return None
        return Field(
            line=line,
            name=name,
            form=form,
            field_type=field_type,
            label=cells["field_label"],
            section_header=cells["section_header"],
            field_note=cells["field_note"],
            validation=validation,
            validation_min=cells["text_validation_min"].strip(),
            validation_max=cells["text_validation_max"].strip(),
            validation_min_value=limits[0],
            validation_max_value=limits[1],
            identifier=_flag(cells["identifier"], line, self.headers.get("identifier", "Identifier?"), self.warnings),
            branching_logic=logic_text,
            branching=logic,
            required=_flag(cells["required_field"], line, self.headers.get("required_field", "Required Field?"),
                           self.warnings),
            custom_alignment=alignment,
            question_number=cells["question_number"].strip(),
            matrix_group=cells["matrix_group_name"].strip(),
            matrix_ranking=matrix_ranking,
            annotation=cells["field_annotation"],
            **content,
        )

    def content(self, line: int, field_type: str, text: str) -> dict[str, Any]:
        """What the "Choices, Calculations, OR Slider Labels" column means for this type."""
        key = "select_choices_or_calculations"
        if field_type in CHOICE_TYPES:
            if not text.strip():
                self.error(line, key, text, f"A {field_type} field needs choices ('1, Yes | 2, No').",
                           "choices_missing")
                return {}
            choices, problems = parse_choices(text)
            for problem in problems:
                self.error(line, key, text, problem, "choices_invalid")
            return {"choices": tuple(choices)}
        if field_type in IMPLIED_CHOICES:
            if text.strip():
                self.warn(line, key, text, f"A {field_type} field has fixed choices; these were ignored.",
                          "choices_ignored")
            return {"choices": IMPLIED_CHOICES[field_type]}
        if field_type == "calc":
            if not text.strip():
                self.error(line, key, text, "A calc field needs a calculation.", "calculation_missing")
                return {}
            self.logic(line, key, text)
            return {"calculation": text}
        if field_type == "sql":
            if not text.strip():
                self.error(line, key, text, "An sql field needs a query.", "sql_missing")
            return {"sql": text}
        if field_type == "slider":
            labels = [piece.strip() for piece in text.split("|")] if text.strip() else []
            if len(labels) > 3:
                self.warn(line, key, text, "A slider has at most three labels; the rest were ignored.",
                          "slider_labels")
            labels = [*labels, "", "", ""][:3]
            return {"slider_labels": (labels[0], labels[1], labels[2])}
        if text.strip():
            if field_type == "text" and re.fullmatch(r"[A-Z]+:[A-Za-z0-9_\-]+", text.strip()):
                return {"ontology": text.strip()}
            self.warn(line, key, text, f"A {field_type} field does not use this column; it was ignored.",
                      "content_ignored")
        return {}

    def logic(self, line: int, key: str, text: str) -> branching.Node | None:
        try:
            return branching.parse(text)
        except branching.UnsupportedLogic as exc:
            self.warn(line, key, text, f"Kept as written but not evaluated: {exc}.", "logic_unsupported")
        except branching.BranchingError as exc:
            self.warn(line, key, text, f"Kept as written but not understood: {exc}.", "logic_invalid")
        return None

    def limits(self, line: int, field_type: str, validation: str, cells: dict[str, str]) -> tuple[Any, Any]:
        key = "text_validation_type_or_show_slider_number"
        if validation:
            if field_type == "text":
                if validation not in TEXT_VALIDATIONS:
                    self.warn(line, key, validation, "Not a standard REDCap validation; kept but not checked.",
                              "validation_unknown")
            elif validation not in _OTHER_VALIDATIONS.get(field_type, ()):
                self.warn(line, key, validation, f"A {field_type} field does not use this validation; ignored.",
                          "validation_ignored")
        kind = "slider" if field_type == "slider" else validation
        parsed: list[Any] = []
        for limit_key in ("text_validation_min", "text_validation_max"):
            text = cells[limit_key].strip()
            value = None
            if text and not _DYNAMIC_LIMIT.fullmatch(text):
                if field_type not in ("text", "slider") or not kind:
                    self.warn(line, limit_key, text, "A limit without a number or date validation is not checked.",
                              "limit_ignored")
                else:
                    try:
                        value = _parse_limit(text, kind)
                    except ValueError:
                        self.error(line, limit_key, text, f"The limit is not a valid {kind} value.", "limit_invalid")
            parsed.append(value)
        low, high = parsed
        if low is not None and high is not None and type(low) is type(high) and low > high:
            self.error(line, "text_validation_min", cells["text_validation_min"],
                       f"The minimum is greater than the maximum ({cells['text_validation_max'].strip()}).",
                       "limit_range")
        return low, high


def read_dictionary(source: str | bytes) -> Dictionary:
    """Read a REDCap data dictionary (CSV text or bytes). Never raises for bad content: see `.errors`."""
    dictionary = Dictionary()
    warnings, errors = dictionary.warnings, dictionary.errors
    text = _decode(source, warnings) if isinstance(source, bytes) else source.lstrip("\ufeff")
    rows = _physical_rows(text, errors)
    first = next(rows, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        errors.append(Problem(1, "", "", "The file is empty; the first line must be the dictionary header.", "empty"))
        return dictionary
    header_line, header = first
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[Problem] = []
    for index, title in enumerate(header):
        key = _HEADER_ALIASES.get(_header_key(title))
        if key is None:
            if title.strip():
                unknown.append(Problem(header_line, title, title, "Unknown column; it was ignored.", "column_unknown"))
            continue
        if key in positions:
            errors.append(Problem(header_line, title, title, "The column appears twice.", "column_twice"))
            continue
        positions[key] = index
        headers[key] = title.strip().lstrip("\ufeff")
    dictionary.header_style = "api" if "field_name" in headers.values() else "human"
    missing = [HUMAN_HEADER[key] for key in REQUIRED_COLUMNS if key not in positions]
    if missing:
        errors.append(Problem(header_line, "", ",".join(header)[:200],
                              f"This is not a REDCap data dictionary: missing columns {', '.join(missing)}.",
                              "columns_missing"))
        return dictionary  # a record export or another table: one error says it all, not one per column
    warnings.extend(unknown)

    reader = _RowReader(headers, warnings, errors)
    by_form: dict[str, list[Field]] = {}
    first_line: dict[str, int] = {}
    names: dict[str, int] = {}
    previous_form = ""
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank lines, including the one many files end with
        extra = [cell for cell in row[len(header):] if cell.strip()]
        if extra:
            errors.append(Problem(line, "", extra[0], f"The row has {len(row)} cells but the header has "
                                  f"{len(header)}; a quote or comma is probably missing.", "row_too_long"))
            continue
        cells = {key: (row[index] if index < len(row) else "") for key, index in positions.items()}
        for key, _human in COLUMNS:
            cells.setdefault(key, "")
        item = reader.read(line, cells)
        if item is None:
            continue
        if item.name in names:
            reader.error(line, "field_name", item.name, f"The field name is already used on line {names[item.name]}.",
                         "name_duplicate")
            continue
        names[item.name] = line
        if item.form != previous_form and item.form in by_form:
            reader.error(line, "form_name", item.form, f"The fields of form {item.form!r} must be together; it "
                         f"already ended before this line (it starts on line {first_line[item.form]}).",
                         "form_split")
            continue
        previous_form = item.form
        first_line.setdefault(item.form, line)
        by_form.setdefault(item.form, []).append(item)
    dictionary.forms = [Form(name, tuple(items)) for name, items in by_form.items()]
    _check_references(dictionary, reader)
    _check_matrices(dictionary, reader)
    return dictionary


def _check_references(dictionary: Dictionary, reader: _RowReader) -> None:
    """Logic that reads a field this dictionary does not have works in REDCap only across projects: warn."""
    known = {item.name for item in dictionary.fields}
    for item in dictionary.fields:
        if item.branching is None:
            continue
        unknown = [ref.field for ref in branching.references(item.branching)
                   if ref.field not in known and ref.field != "event-name"]
        if unknown:
            reader.warn(item.line, "branching_logic", item.branching_logic,
                        f"The logic reads {', '.join(dict.fromkeys(unknown))}, which this dictionary does not have.",
                        "logic_unknown_field")


def _check_matrices(dictionary: Dictionary, reader: _RowReader) -> None:
    groups: dict[str, list[Field]] = {}
    for item in dictionary.fields:
        if item.matrix_group:
            groups.setdefault(item.matrix_group, []).append(item)
    for group, items in groups.items():
        first = items[0]
        for item in items:
            if item.field_type not in ("radio", "checkbox"):
                reader.warn(item.line, "matrix_group_name", group, "Only radio and checkbox fields form a matrix.",
                            "matrix_type")
            elif item.choices != first.choices or item.field_type != first.field_type:
                reader.warn(item.line, "matrix_group_name", group,
                            f"The fields of a matrix share one type and one set of choices (see line {first.line}).",
                            "matrix_choices")


# --- writing ----------------------------------------------------------------------------------------


def _content_cell(item: Field) -> str:
    if item.field_type in CHOICE_TYPES:
        return " | ".join(f"{code}, {label}" for code, label in item.choices)
    if item.field_type == "calc":
        return item.calculation
    if item.field_type == "sql":
        return item.sql
    if item.field_type == "slider":
        return " | ".join(item.slider_labels) if any(item.slider_labels) else ""
    return item.ontology


def dictionary_row(item: Field) -> list[str]:
    """The 18 cells of one field, in REDCap's column order."""
    return [
        item.name, item.form, item.section_header, item.field_type, item.label, _content_cell(item),
        item.field_note, item.validation, item.validation_min, item.validation_max,
        "y" if item.identifier else "", item.branching_logic, "y" if item.required else "",
        item.custom_alignment, item.question_number, item.matrix_group, "y" if item.matrix_ranking else "",
        item.annotation,
    ]


def write_dictionary(dictionary: Dictionary | list[Field]) -> str:
    """A REDCap data dictionary CSV (human-readable header) that REDCap and read_dictionary accept.

    Cells are written exactly, without the formula guard used for spreadsheets: REDCap reads logic and
    calculations from these cells, and a leading quote would change them.
    """
    fields = dictionary.fields if isinstance(dictionary, Dictionary) else dictionary
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([human for _api, human in COLUMNS])
    for item in fields:
        writer.writerow(dictionary_row(item))
    return buffer.getvalue()
