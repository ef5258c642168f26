"""REDCap record exports: read a flat CSV export against its data dictionary, and write one back (issue 5).

Pure (no Django): `record_import` matches what is read here to administrations, and the records export
page writes administrations with :func:`write_records`.

An export is flat (DOMAIN.md §8): the record id (the dictionary's first field) first, then the system
columns REDCap adds when the project uses them (`redcap_event_name`, `redcap_repeat_instrument`,
`redcap_repeat_instance`, `redcap_data_access_group`, `redcap_survey_identifier`), then each form's fields
in dictionary order, a checkbox as one 0/1 column per choice named `field___code`, and after each form
`<form>_complete` (0 incomplete, 1 unverified, 2 complete). Descriptive fields have no column. An export
may hold only some forms (one instrument's export is common); a form that appears must appear whole.

REDCap lower-cases checkbox codes in column names (`prereq_checkbox___abc` for code `ABC`); they are
mapped back to the dictionary's own codes, so an answer set always speaks the dictionary's language.

One CSV row can carry several forms (a non-repeating row) or one (a repeating instrument's row). Each
form a row carries becomes one :class:`AnswerSet` in REDCap's shape: item key -> text, checkbox -> list
of codes. A form is carried when its `_complete` cell or any of its answers is filled in.

Problems are errors, each with the physical line (1 = the header) and the column as written: the caller
imports nothing when there is any. A `code` lets the web layer translate; `message` is English.

A whole-project export read against a dictionary of only some of its forms (one instrument that Abrazo
knows, say) is accepted with `other_forms=True`. The columns of the forms the dictionary lacks are
recognised by REDCap's own layout, in which every form's columns end with its `<form>_complete` column:
a run of columns the dictionary does not know that ends with such a column is another form's, and is set
aside unchecked (`RecordFile.other_forms`, `other_columns`, and the filled-in cells in `other_rows`, so a
caller may still read an identifier from them). A column the dictionary does not know that is not in such
a run, among a known form's columns or after the last form, is still an error: REDCap does not write it,
and it is most often a field added to the form in REDCap after the dictionary was taken, whose answers
would otherwise be dropped without a word.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from abrazo.measures import redcap
from abrazo.measures.redcap import Problem

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
DATA_ACCESS_GROUP = "redcap_data_access_group"
SURVEY_IDENTIFIER = "redcap_survey_identifier"
# In the order REDCap writes them, right after the record id.
SYSTEM_COLUMNS = (EVENT, REPEAT_INSTRUMENT, REPEAT_INSTANCE, DATA_ACCESS_GROUP, SURVEY_IDENTIFIER)
COMPLETION_CODES = {"0": 0, "1": 1, "2": 2}
NO_COLUMN_TYPES = frozenset({"descriptive"})

Answer = str | list[str]

_DECIMALS = re.compile(r"number_(\d)dp")
_FORM_COMPLETE = re.compile(r"([a-z][a-z0-9_]*)_complete")
_EVENT_NAME = re.compile(r"[a-z0-9_]+")
# Raw exports write dates as Y-M-D whatever the field's display format.
_DATE_FORMATS = {"date_ymd", "date_mdy", "date_dmy"}
_DATETIME_FORMATS = {
    "datetime_ymd": ("%Y-%m-%d %H:%M",), "datetime_mdy": ("%Y-%m-%d %H:%M",), "datetime_dmy": ("%Y-%m-%d %H:%M",),
    "datetime_seconds_ymd": ("%Y-%m-%d %H:%M:%S",), "datetime_seconds_mdy": ("%Y-%m-%d %H:%M:%S",),
    "datetime_seconds_dmy": ("%Y-%m-%d %H:%M:%S",),
}
_TIME_FORMATS = {"time": "%H:%M", "time_hh_mm_ss": "%H:%M:%S", "time_mm_ss": "%M:%S"}


# --- results ----------------------------------------------------------------------------------------------


@dataclass
class AnswerSet:
    """One form of one record (at one event, one repeat instance), as REDCap exports it."""

    record: str
    form: str
    answers: dict[str, Answer] = field(default_factory=dict)  # only answered items; checkbox codes in order
    completion: int | None = None  # the `<form>_complete` cell: 0, 1, 2, or None when blank
    event: str = ""
    repeat_instrument: str = ""
    repeat_instance: int | None = None
    data_access_group: str = ""
    line: int = 0  # where the row starts in the file; 0 for sets built in Abrazo

    @property
    def row_key(self) -> tuple[str, str, str, int | None]:
        """The export row this set belongs to: record, event, repeat instrument, repeat instance."""
        return (self.record, self.event, self.repeat_instrument, self.repeat_instance)

    def comparable(self) -> tuple[object, ...]:
        """Everything but the line: what a round trip must keep."""
        answers = tuple(sorted((key, tuple(value) if isinstance(value, list) else value)
                               for key, value in self.answers.items()))
        return (self.record, self.form, answers, self.completion, self.event, self.repeat_instrument,
                self.repeat_instance, self.data_access_group)


@dataclass
class OtherRow:
    """The filled-in cells of forms outside the dictionary on one row (read with `other_forms=True`)."""

    line: int
    record: str
    event: str
    repeat_instrument: str
    repeat_instance: int | None
    values: dict[str, str]  # column -> the cell as written; blank cells are left out


@dataclass
class RecordFile:
    answer_sets: list[AnswerSet] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the header as read
    system_columns: tuple[str, ...] = ()  # the redcap_* columns the file has, in file order
    forms: list[str] = field(default_factory=list)  # forms with columns in the file, in dictionary order
    rows: int = 0  # data rows (blank lines not counted)
    errors: list[Problem] = field(default_factory=list)
    other_forms: list[str] = field(default_factory=list)  # forms outside the dictionary, in file order
    other_columns: list[str] = field(default_factory=list)  # their columns, in file order
    other_rows: list[OtherRow] = field(default_factory=list)  # rows with any of those cells filled in

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def records(self) -> list[str]:
        """Distinct record ids in file order."""
        return list(dict.fromkeys(answer_set.record for answer_set in self.answer_sets))

    def for_form(self, form: str) -> list[AnswerSet]:
        return [answer_set for answer_set in self.answer_sets if answer_set.form == form]


# --- columns ----------------------------------------------------------------------------------------------


def record_id_field(dictionary: redcap.Dictionary) -> redcap.Field:
    """REDCap's record id is the first field of the project's dictionary."""
    return dictionary.fields[0]


def checkbox_column(name: str, code: str) -> str:
    """'prereq_checkbox', 'ABC' -> 'prereq_checkbox___abc' (REDCap lower-cases codes in column names;
    a negative code's minus sign becomes an underscore)."""
    return f"{name}___{code.casefold().replace('-', '_').replace('.', '_')}"


@dataclass(frozen=True)
class _Column:
    name: str
    form: str
    item: redcap.Field | None = None  # None for `<form>_complete` and `<form>_timestamp`
    code: str = ""  # the dictionary's choice code, for a checkbox column
    kind: str = "field"  # field, checkbox, complete, timestamp


def form_columns(form: redcap.Form, record_id: str) -> list[_Column]:
    """The columns of one form in export order (without the optional survey timestamp)."""
    columns: list[_Column] = []
    for item in form.fields:
        if item.field_type in NO_COLUMN_TYPES or item.name == record_id:
            continue
        if item.field_type == "checkbox":
            columns.extend(_Column(checkbox_column(item.name, code), form.name, item, code, "checkbox")
                           for code, _label in item.choices)
        else:
            columns.append(_Column(item.name, form.name, item))
    columns.append(_Column(f"{form.name}_complete", form.name, kind="complete"))
    return columns


def export_columns(dictionary: redcap.Dictionary, *, forms: Sequence[str] | None = None,
                   system_columns: Sequence[str] = ()) -> list[str]:
    """The header of an export of these forms (all when None) with these system columns."""
    record_id = record_id_field(dictionary).name
    header = [record_id, *(name for name in SYSTEM_COLUMNS if name in system_columns)]
    for form in dictionary.forms:
        if forms is None or form.name in forms:
            header.extend(column.name for column in form_columns(form, record_id))
    return header


# --- reading ----------------------------------------------------------------------------------------------


def _decode(source: str | bytes, errors: list[Problem]) -> str:
    if isinstance(source, str):
        return source.lstrip("\ufeff")
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = source[: exc.start].count(b"\n") + 1
        errors.append(Problem(line, "", "", "The file is not UTF-8 text; export it again from REDCap as CSV.",
                              "encoding"))
        return ""


def _rows(text: str, errors: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the physical line each starts on (cells may hold newlines)."""
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


class _Header:
    """Which column of the file is which: checked against the dictionary for names and order."""

    def __init__(self, dictionary: redcap.Dictionary, header: list[str], errors: list[Problem], *,
                 other_forms: bool = False) -> None:
        self.errors = errors
        self.record_id = record_id_field(dictionary).name
        expected: dict[str, tuple[int, _Column | None]] = {}
        order = 0
        for name in SYSTEM_COLUMNS:
            expected[name] = (order := order + 1, None)
        by_form: dict[str, list[_Column]] = {}
        for each_form in dictionary.forms:
            timestamp = _Column(f"{each_form.name}_timestamp", each_form.name, kind="timestamp")
            expected[timestamp.name] = (order := order + 1, timestamp)
            by_form[each_form.name] = form_columns(each_form, self.record_id)
            for form_column in by_form[each_form.name]:
                expected[form_column.name] = (order := order + 1, form_column)
        self.positions: list[tuple[int, str, _Column | None]] = []  # (index in row, header, column)
        self.system: dict[str, int] = {}
        self.other: list[tuple[int, str]] = []  # (index in row, header) of other forms' columns
        self.other_forms: list[str] = []
        pending: list[tuple[int, str]] = []  # unknown columns not yet closed by another form's _complete
        seen: set[str] = set()
        last_order = 0
        names = [title.strip() for title in header]
        if not names or names[0] != self.record_id:
            errors.append(Problem(1, names[0] if names else "", names[0] if names else "",
                                  f"The first column must be the record id, {self.record_id!r}.", "record_id_first"))
        for index, title in enumerate(names):
            if not title or (index == 0 and title == self.record_id):
                continue
            if title in seen or title == self.record_id:
                message = "The column appears twice." if title in seen else "The record id must be the first column."
                errors.append(Problem(1, title, title, message, "column_twice" if title in seen else "record_id_first"))
                continue
            seen.add(title)
            known = expected.get(title)
            if known is None and other_forms:
                pending.append((index, title))
                closing = _FORM_COMPLETE.fullmatch(title)
                if closing:
                    self.other.extend(pending)
                    if closing[1] not in self.other_forms:
                        self.other_forms.append(closing[1])
                    pending = []
                continue
            if known is None:
                errors.append(Problem(1, title, title, "The dictionary has no such field or checkbox choice.",
                                      "column_unknown"))
                continue
            self._unknown(pending)
            pending = []
            place, column = known
            if place < last_order:
                errors.append(Problem(1, title, title, "The column is out of the dictionary's order.",
                                      "column_order"))
            last_order = max(last_order, place)
            if column is None:
                self.system[title] = index
            else:
                self.positions.append((index, title, column))
        self._unknown(pending)
        present_forms = {column.form for _index, _title, column in self.positions if column is not None}
        self.forms = [form.name for form in dictionary.forms if form.name in present_forms]
        for form in self.forms:
            missing = [column.name for column in by_form[form] if column.name not in seen]
            for name in missing:
                errors.append(Problem(1, "", name, f"Form {form!r} is in the file but this column of it is not.",
                                      "column_missing"))
        self.system_columns = tuple(name for name in names if name in self.system)

    def _unknown(self, columns: list[tuple[int, str]]) -> None:
        """Columns that no `<form>_complete` closes: not another form's, so not to be set aside."""
        for _index, title in columns:
            self.errors.append(Problem(
                1, title, title, "The dictionary has no such field or checkbox choice, and the column is not "
                "among another form's columns (which end with that form's _complete column).", "column_unknown"))


def _number(text: str, validation: str) -> Decimal | None:
    value = text.strip()
    if validation.endswith("comma_decimal"):
        if "." in value:
            return None
        value = value.replace(",", ".")
    elif "," in value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class _CellChecker:
    def __init__(self, errors: list[Problem]) -> None:
        self.errors = errors

    def error(self, line: int, column: str, value: str, message: str, code: str) -> None:
        self.errors.append(Problem(line, column, value, message, code))

    def check(self, line: int, column: str, item: redcap.Field, value: str) -> None:
        """Report a value REDCap itself would not have stored for this field."""
        kind = item.field_type
        if kind in ("radio", "dropdown", "yesno", "truefalse"):
            codes = [code for code, _label in item.choices]
            if value not in codes:
                self.error(line, column, value, f"Not one of the field's choice codes ({', '.join(codes)}).",
                           "choice_unknown")
        elif kind == "slider":
            number = _number(value, "integer")
            low = item.validation_min_value if isinstance(item.validation_min_value, Decimal) else Decimal(0)
            high = item.validation_max_value if isinstance(item.validation_max_value, Decimal) else Decimal(100)
            if number is None or number != number.to_integral_value():
                self.error(line, column, value, "A slider's value is a whole number.", "number_invalid")
            elif not low <= number <= high:
                self.error(line, column, value, f"Out of the slider's range {low}-{high}.", "out_of_range")
        elif kind == "text" and item.validation:
            self.check_validated(line, column, item, value)

    def check_validated(self, line: int, column: str, item: redcap.Field, value: str) -> None:
        validation = item.validation
        parsed: object = None
        if validation in redcap.TEXT_VALIDATIONS and (validation.startswith("number") or validation == "integer"):
            number = _number(value, validation)
            decimals = _DECIMALS.search(validation)
            if number is None or (validation == "integer" and "." in value.strip()):
                self.error(line, column, value, f"Not a number ({validation}).", "number_invalid")
                return
            if validation == "integer" and number != number.to_integral_value():
                self.error(line, column, value, "Not a whole number.", "number_invalid")
                return
            if decimals and -number.as_tuple().exponent != int(decimals.group(1)):  # type: ignore[operator]
                self.error(line, column, value, f"Needs exactly {decimals.group(1)} decimal place(s).",
                           "number_invalid")
                return
            parsed = number
        elif validation in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(value.strip(), "%Y-%m-%d").date()
            except ValueError:
                self.error(line, column, value, "Not a date written year-month-day (2024-09-30).", "date_invalid")
                return
        elif validation in _DATETIME_FORMATS:
            try:
                parsed = datetime.strptime(value.strip(), _DATETIME_FORMATS[validation][0])
            except ValueError:
                self.error(line, column, value, "Not a date and time written year-month-day hour:minute.",
                           "date_invalid")
                return
        elif validation in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(value.strip(), _TIME_FORMATS[validation]).time()
            except ValueError:
                self.error(line, column, value, "Not a time.", "time_invalid")
                return
        if parsed is None:
            return  # text validations Abrazo does not check (email, phone, postcodes, ...)
        low, high = item.validation_min_value, item.validation_max_value
        try:
            if low is not None and type(low) is type(parsed) and parsed < low:  # type: ignore[operator]
                self.error(line, column, value, f"Below the field's minimum ({item.validation_min}).", "out_of_range")
            elif high is not None and type(high) is type(parsed) and parsed > high:  # type: ignore[operator]
                self.error(line, column, value, f"Above the field's maximum ({item.validation_max}).", "out_of_range")
        except TypeError:
            return


def read_records(source: str | bytes, dictionary: redcap.Dictionary,
                 event_forms: dict[str, set[str]] | None = None, *, other_forms: bool = False) -> RecordFile:
    """Read a REDCap record export (CSV text or bytes) against its dictionary. Never raises for bad
    content: see `.errors`. `event_forms` (from :func:`read_form_event_mapping`) checks that each form
    is filled in only at events it is designated for. `other_forms` accepts the columns of forms the
    dictionary does not have and sets them aside (see the module's doc)."""
    result = RecordFile()
    errors = result.errors
    if not dictionary.fields:
        errors.append(Problem(1, "", "", "The dictionary has no fields.", "dictionary_empty"))
        return result
    text = _decode(source, errors)
    rows = _rows(text, errors)
    first = next(rows, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        if not errors:
            errors.append(Problem(1, "", "", "The file is empty; the first line must be the export's header.",
                                  "empty"))
        return result
    header_row = first[1]
    result.columns = [title.strip() for title in header_row]
    header = _Header(dictionary, header_row, errors, other_forms=other_forms)
    result.system_columns = header.system_columns
    result.forms = header.forms
    result.other_forms = header.other_forms
    result.other_columns = [title for _index, title in header.other]
    if errors:
        return result  # with the columns wrong, every row would repeat the same complaint
    checker = _CellChecker(errors)
    repeating_forms = set(header.forms)
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        if len(row) > len(header_row) and any(cell.strip() for cell in row[len(header_row):]):
            checker.error(line, "", row[len(header_row)], f"The row has {len(row)} cells but the header has "
                          f"{len(header_row)}; a quote or comma is probably missing.", "row_too_long")
            continue
        row = [*row, *[""] * (len(header_row) - len(row))]
        result.answer_sets.extend(_read_row(line, row, header, checker, repeating_forms, event_forms))
        others = {title: row[index] for index, title in header.other if row[index].strip()}
        if others:
            instance = _system_value(row, header, REPEAT_INSTANCE)
            result.other_rows.append(OtherRow(
                line=line, record=row[0].strip(), event=_system_value(row, header, EVENT),
                repeat_instrument=_system_value(row, header, REPEAT_INSTRUMENT),
                repeat_instance=int(instance) if instance.isdigit() else None, values=others,
            ))
    return result


def _system_value(row: list[str], header: _Header, name: str) -> str:
    index = header.system.get(name)
    return row[index].strip() if index is not None else ""


def _read_row(line: int, row: list[str], header: _Header, checker: _CellChecker, known_forms: set[str],
              event_forms: dict[str, set[str]] | None) -> list[AnswerSet]:
    record = row[0].strip()
    if not record:
        checker.error(line, header.record_id, "", "The record id is blank.", "record_missing")
    event = _system_value(row, header, EVENT)
    if EVENT in header.system and not _EVENT_NAME.fullmatch(event):
        checker.error(line, EVENT, event, "Not a REDCap unique event name (e.g. baseline_arm_1).", "event_invalid")
    if event_forms is not None and event and event not in event_forms:
        checker.error(line, EVENT, event, "The project has no such event.", "event_unknown")
    repeat_instrument = _system_value(row, header, REPEAT_INSTRUMENT)
    instance_text = _system_value(row, header, REPEAT_INSTANCE)
    instance: int | None = None
    if instance_text:
        if instance_text.isdigit() and int(instance_text) > 0:
            instance = int(instance_text)
        else:
            checker.error(line, REPEAT_INSTANCE, instance_text, "A repeat instance is a whole number from 1.",
                          "instance_invalid")
    if repeat_instrument and repeat_instrument not in known_forms and repeat_instrument not in header.other_forms:
        checker.error(line, REPEAT_INSTRUMENT, repeat_instrument, "No form of this name is in the file.",
                      "form_unknown")
    if repeat_instrument and not instance_text:
        checker.error(line, REPEAT_INSTANCE, "", "A repeating instrument's row needs its instance.",
                      "instance_missing")
    group = _system_value(row, header, DATA_ACCESS_GROUP)

    sets: dict[str, AnswerSet] = {}
    filled: set[str] = set()
    for index, title, column in header.positions:
        assert column is not None
        value = row[index]
        if column.kind == "timestamp":
            continue  # when a survey was submitted: REDCap's own, not an answer
        answer_set = sets.get(column.form)
        if answer_set is None:
            answer_set = sets[column.form] = AnswerSet(
                record=record, form=column.form, event=event, repeat_instrument=repeat_instrument,
                repeat_instance=instance, data_access_group=group, line=line,
            )
        if column.kind == "complete":
            if value.strip():
                filled.add(column.form)
                if value.strip() in COMPLETION_CODES:
                    answer_set.completion = COMPLETION_CODES[value.strip()]
                else:
                    checker.error(line, title, value, "Form status is 0 (incomplete), 1 (unverified) or 2 "
                                  "(complete).", "completion_invalid")
            continue
        item = column.item
        assert item is not None
        if column.kind == "checkbox":
            if value.strip() not in ("", "0", "1"):
                checker.error(line, title, value, "A checkbox column holds 0 or 1.", "checkbox_invalid")
            elif value.strip() == "1":
                filled.add(column.form)
                codes = answer_set.answers.setdefault(item.name, [])
                assert isinstance(codes, list)
                codes.append(column.code)
            continue
        if value == "":
            continue
        filled.add(column.form)
        answer_set.answers[item.name] = value
        checker.check(line, title, item, value)
    if repeat_instrument in known_forms or repeat_instrument in header.other_forms:
        others = sorted(form for form in filled if form != repeat_instrument)
        for form in others:
            checker.error(line, f"{form}_complete", "", f"A row of repeating instrument {repeat_instrument!r} "
                          f"holds answers to form {form!r}.", "repeat_other_form")
    carried = [sets[form] for form in header.forms if form in filled]
    if event_forms is not None and event in event_forms:
        for answer_set in carried:
            if answer_set.form not in event_forms[event]:
                checker.error(line, f"{answer_set.form}_complete", event,
                              f"Form {answer_set.form!r} is not designated for event {event!r}.", "form_not_in_event")
    return carried


def read_form_event_mapping(source: str | bytes) -> dict[str, set[str]]:
    """REDCap's instrument designations (arm_num, unique_event_name, form) as event -> forms."""
    text = source.decode("utf-8-sig") if isinstance(source, bytes) else source.lstrip("\ufeff")
    mapping: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        event, form = (row.get("unique_event_name") or "").strip(), (row.get("form") or "").strip()
        if event and form:
            mapping.setdefault(event, set()).add(form)
    return mapping


# --- writing ----------------------------------------------------------------------------------------------


def _system_columns_for(answer_sets: Sequence[AnswerSet]) -> tuple[str, ...]:
    columns = []
    if any(answer_set.event for answer_set in answer_sets):
        columns.append(EVENT)
    if any(answer_set.repeat_instrument or answer_set.repeat_instance for answer_set in answer_sets):
        columns.extend((REPEAT_INSTRUMENT, REPEAT_INSTANCE))
    if any(answer_set.data_access_group for answer_set in answer_sets):
        columns.append(DATA_ACCESS_GROUP)
    return tuple(columns)


def export_rows(dictionary: redcap.Dictionary, answer_sets: Iterable[AnswerSet], *,
                forms: Sequence[str] | None = None,
                system_columns: Sequence[str] | None = None) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a flat export. Sets sharing record, event and repeat instance share a row,
    in the order their first set comes. Forms default to those the sets answer (in dictionary order)."""
    sets = list(answer_sets)
    if forms is None:
        answered = {answer_set.form for answer_set in sets}
        forms = [form.name for form in dictionary.forms if form.name in answered]
    if system_columns is None:
        system_columns = _system_columns_for(sets)
    record_id = record_id_field(dictionary).name
    header = export_columns(dictionary, forms=forms, system_columns=system_columns)
    columns_by_form = {form.name: form_columns(form, record_id) for form in dictionary.forms if form.name in forms}
    position = {name: index for index, name in enumerate(header)}
    rows: dict[tuple[str, str, str, int | None], list[str]] = {}
    for answer_set in sets:
        row = rows.get(answer_set.row_key)
        if row is None:
            row = rows[answer_set.row_key] = [""] * len(header)
            row[0] = answer_set.record
            system_values = {
                EVENT: answer_set.event, REPEAT_INSTRUMENT: answer_set.repeat_instrument,
                REPEAT_INSTANCE: "" if answer_set.repeat_instance is None else str(answer_set.repeat_instance),
                DATA_ACCESS_GROUP: answer_set.data_access_group,
            }
            for name, value in system_values.items():
                if name in position:
                    row[position[name]] = value
        for column in columns_by_form.get(answer_set.form, ()):
            if column.kind == "complete":
                value = "" if answer_set.completion is None else str(answer_set.completion)
            elif column.kind == "checkbox":
                assert column.item is not None
                checked = answer_set.answers.get(column.item.name) or []
                value = "1" if column.code in checked else "0"
            else:
                assert column.item is not None
                answer = answer_set.answers.get(column.item.name, "")
                value = " | ".join(answer) if isinstance(answer, list) else str(answer)
            row[position[column.name]] = value
    return header, list(rows.values())


def write_records(dictionary: redcap.Dictionary, answer_sets: Iterable[AnswerSet], *,
                  forms: Sequence[str] | None = None, system_columns: Sequence[str] | None = None) -> str:
    """A flat REDCap record export (CSV text) that REDCap's data import and :func:`read_records` accept.

    Cells are written exactly, without a spreadsheet formula guard: REDCap would store the guard as data.
    Callers that hand the file to people who may open it in a spreadsheet apply `tabular.formula_safe`
    to free-text answers first (see `record_import.export_records`).
    """
    header, rows = export_rows(dictionary, answer_sets, forms=forms, system_columns=system_columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
