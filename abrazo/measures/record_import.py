"""REDCap record files in and out of a network's administrations (issue 5).

`redcap_records` (pure) reads and writes the flat export; this module ties it to Abrazo.

Import: the person uploads a REDCap export of one instrument (REDCap's "export this instrument": the
record id, the event and repeat columns when the project uses them, the form's columns and its status),
says which column holds the Abrazo identifier (the episode's reference, or a child code at a program
they choose) and which time point each REDCap event is (`baseline_arm_1` -> pre ...), looks at the
preview, and confirms. Confirming is all or nothing: every matched answer set is recorded through
`administrations.administration_record_answers(source="redcap")`, and any refused answer rolls back the
whole file. An administration is known by its natural key (instrument, REDCap record, event, repeat
instance), so importing the same file again updates the same administrations and creates none.

A whole-project export is accepted too. The columns of the project's other forms are recognised by the
`<form>_complete` column that ends each form and set aside (`redcap_records`, `other_forms=True`); the
preview names them once. A column that belongs to no form, and above all one among the instrument's own
columns that its items do not know, still refuses the file: it is an answer the import would drop (the
form was most likely changed in REDCap after its dictionary was imported). In such an export every row
carries every form, so a row whose answers to this instrument are all blank and whose status is blank or
0 (incomplete, REDCap's value for a form nobody opened) is left out rather than imported empty.

Respondents: the person may name a column that holds the respondent's email (a field of the form, or of
another form in a whole-project export, read from the row itself or else from the event's non-repeating
row). It is matched, ignoring case, to the program staff of the matched episode's program, and only
there, so a file never reaches staff of another program or network; a match is recorded as the
administration's `respondent_staff`. A blank cell records no respondent. A filled-in cell that names no
staff member of that program, or two of them, is an error of the row: the import refuses the file, as it
does for a refused answer, because the person asked for respondents and a silent gap would break the
pairing of pre and post answers by respondent. Leaving the respondent column empty imports without them.

Export: an instrument's completed administrations in the same flat format, with the matching data
dictionary (the instrument's items after a `record_id` field). People who may not see child codes
(evaluators) get record ids that mean nothing outside this one file, and no answers to fields the
dictionary flags as identifiers.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q, QuerySet

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.consultations.models import Episode
from abrazo.core.tabular import formula_safe
from abrazo.directory.models import Network, Program, ProgramStaff
from abrazo.measures import administrations, redcap
from abrazo.measures.models import Administration, AdministrationStatus, AnswerSource, Instrument, Timepoint
from abrazo.measures.redcap_import import form_name, item_field
from abrazo.measures.redcap_records import AnswerSet, RecordFile, read_records, write_records

PERMISSION = "measure.import"
RECORD_ID = "record_id"
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")  # REDCap's rule for variable names


class KeyKind:
    EPISODE = "episode"  # the column holds the Abrazo episode reference (its id)
    CHILD_CODE = "child_code"  # the column holds a child code used by the chosen program


class Status:
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"
    NO_TIMEPOINT = "no_timepoint"  # the row's event is not mapped to a time point


class Respondent:
    """Whether a row's respondent column names a staff member of the episode's program."""

    NOT_ASKED = ""  # no respondent column was chosen
    NOT_CHECKED = "not_checked"  # the row matches no single episode, so there is no program to look in
    BLANK = "blank"
    MATCHED = "matched"
    UNKNOWN = "respondent_unknown"  # also the problem's message code
    AMBIGUOUS = "respondent_ambiguous"  # two staff members of the program share the email


RESPONDENT_PROBLEMS = (Respondent.UNKNOWN, Respondent.AMBIGUOUS)


class RecordsRejected(Exception):
    """Nothing was imported. `problems` lists (line, record, item or column, message) for every reason."""

    def __init__(self, problems: Sequence[tuple[int, str, str, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = list(problems)


# --- the dictionary the file is read against --------------------------------------------------------------


def instrument_dictionary(instrument: Instrument, *, record_id: str = RECORD_ID) -> redcap.Dictionary:
    """The instrument as a one-form REDCap dictionary whose first field is the record id (REDCap's rule).

    When the instrument's own first item is the record id (the project's first form), it is used as is."""
    form = form_name(instrument)
    items = sorted(instrument.items.all(), key=lambda item: item.position)
    fields = [item_field(item, form) for item in items]
    if not any(item.name == record_id for item in fields):
        fields.insert(0, redcap.Field(line=0, name=record_id, form=form, field_type="text", label="Record ID"))
    else:
        fields.sort(key=lambda item: item.name != record_id)
    return redcap.Dictionary(forms=[redcap.Form(form, tuple(fields))])


def read_upload(instrument: Instrument, raw: bytes) -> tuple[redcap.Dictionary, RecordFile]:
    """Read an uploaded export (of the instrument, or of the whole project) against the instrument; the
    record id is whatever the first column is called."""
    first_line = raw.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", errors="replace")
    record_id = first_line.split(",", 1)[0].strip().strip('"') or RECORD_ID
    if not _VARIABLE_NAME.fullmatch(record_id):
        record_id = RECORD_ID
    dictionary = instrument_dictionary(instrument, record_id=record_id)
    records = read_records(raw, dictionary, other_forms=True)
    form = dictionary.forms[0].name
    if not records.errors and form not in records.forms:
        records.errors.append(redcap.Problem(
            1, f"{form}_complete", "", f"The file has no column of form {form!r}: it is an export of another "
            "instrument or project.", "form_absent"))
    return dictionary, records


def answered(records: RecordFile, form: str) -> list[AnswerSet]:
    """The form's answer sets that hold something to import: any answer, or a status of 1 or 2. A form
    REDCap exports for every row of a record (blank answers, status 0) is nobody's answer."""
    return [answer_set for answer_set in records.for_form(form)
            if answer_set.answers or answer_set.completion not in (None, 0)]


# --- matching ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """What the person confirmed: where the identifier is, what it means, and each event's time point."""

    id_column: str  # the record id, or a field of the form
    key_kind: str = KeyKind.EPISODE
    program: Program | None = None  # for child codes: the program whose codes they are
    events: dict[str, str] = field(default_factory=dict)  # REDCap event -> Timepoint ('' = leave out)
    timepoint: str = Timepoint.PRE  # for a file without events
    respondent_column: str = ""  # the column with the respondent's email ('' = no respondents)


@dataclass
class Row:
    answer_set: AnswerSet
    identifier: str
    status: str
    timepoint: str = ""
    episode: Episode | None = None
    existing: Administration | None = None  # the administration this row updates (a re-import)
    respondent: str = ""  # the respondent column's value, as written
    respondent_status: str = Respondent.NOT_ASKED
    respondent_staff: ProgramStaff | None = None

    @property
    def respondent_problem(self) -> str:
        """The respondent's problem code when the row is imported, or ''."""
        if self.status == Status.MATCHED and self.respondent_status in RESPONDENT_PROBLEMS:
            return self.respondent_status
        return ""


@dataclass
class Preview:
    rows: list[Row]
    respondent_column: str = ""
    skipped: int = 0  # rows of the file that hold no answer to the instrument (see `answered`)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(row.status for row in self.rows)
        return {status: found.get(status, 0) for status in
                (Status.MATCHED, Status.UNMATCHED, Status.AMBIGUOUS, Status.NO_TIMEPOINT)}

    @property
    def respondent_counts(self) -> dict[str, int]:
        """Of the matched rows: respondents found, blank, naming no staff member, naming two."""
        found = Counter(row.respondent_status for row in self.matched)
        return {status: found.get(status, 0) for status in
                (Respondent.MATCHED, Respondent.BLANK, Respondent.UNKNOWN, Respondent.AMBIGUOUS)}

    @property
    def problems(self) -> list[tuple[int, str, str, str]]:
        """(line, record, column, code) of each matched row whose respondent cannot be recorded."""
        return [(row.answer_set.line, row.answer_set.record, self.respondent_column, row.respondent_problem)
                for row in self.rows if row.respondent_problem]

    @property
    def matched(self) -> list[Row]:
        return [row for row in self.rows if row.status == Status.MATCHED]

    @property
    def updates(self) -> int:
        return sum(1 for row in self.matched if row.existing is not None)


def events_of(records: RecordFile) -> list[str]:
    return list(dict.fromkeys(answer_set.event for answer_set in records.answer_sets if answer_set.event))


def guess_timepoint(event: str) -> str:
    """A first suggestion the person confirms or changes: 'baseline_arm_1' -> pre, 'followup_arm_1' -> post."""
    name = event.casefold()
    if any(word in name for word in ("baseline", "pre", "intake", "entry", "screen")):
        return Timepoint.PRE
    if any(word in name for word in ("follow_up", "followup_2", "month", "later")):
        return Timepoint.FOLLOW_UP if "follow_up" in name or "month" in name else Timepoint.POST
    if any(word in name for word in ("post", "followup", "exit", "closure", "end", "final")):
        return Timepoint.POST
    return ""


class _Cells:
    """One column's text on each row of the file: the instrument's own answers and the cells of other
    forms set aside by the reader, looked up by row, by record and event, and by record."""

    def __init__(self, records: RecordFile, column: str) -> None:
        self.column = column
        self.by_line: dict[int, str] = {}
        self.main_row: dict[tuple[str, str], str] = {}  # (record, event) -> the non-repeating row's value
        self.first: dict[str, str] = {}  # record -> the first value in the file
        cells: list[tuple[int, str, str, str, str]] = []  # line, record, event, repeat instrument, value
        for answer_set in records.answer_sets:
            value = answer_set.answers.get(column)
            if isinstance(value, str) and value.strip():
                cells.append((answer_set.line, answer_set.record, answer_set.event, answer_set.repeat_instrument,
                              value.strip()))
        for row in records.other_rows:
            value = row.values.get(column, "").strip()
            if value:
                cells.append((row.line, row.record, row.event, row.repeat_instrument, value))
        for line, record, event, repeat_instrument, value in sorted(cells):
            self.by_line.setdefault(line, value)
            self.first.setdefault(record, value)
            if not repeat_instrument:
                self.main_row.setdefault((record, event), value)

    def in_row(self, answer_set: AnswerSet) -> str:
        """The row's own cell, else (for a repeating instrument's row) its event's non-repeating row's."""
        return self.by_line.get(answer_set.line) or self.main_row.get((answer_set.record, answer_set.event), "")

    def in_record(self, answer_set: AnswerSet) -> str:
        """The row's own cell, else the record's first filled-in one (at another event, say)."""
        return self.by_line.get(answer_set.line) or self.first.get(answer_set.record, "")


def _staff_by_email(network: Network, program_ids: set[Any]) -> dict[tuple[Any, str], list[ProgramStaff]]:
    """(program id, email folded to lower case) -> the staff with that email, of these programs only."""
    found: dict[tuple[Any, str], list[ProgramStaff]] = {}
    if not program_ids:
        return found
    staff = ProgramStaff.objects.filter(program__network=network, program_id__in=program_ids).exclude(email="")
    for person in staff.order_by("full_name", "pk"):
        found.setdefault((person.program_id, person.email.strip().casefold()), []).append(person)
    return found


def _respondent(row: Row, staff: dict[tuple[Any, str], list[ProgramStaff]]) -> None:
    if row.episode is None:
        row.respondent_status = Respondent.NOT_CHECKED
        return
    if not row.respondent:
        row.respondent_status = Respondent.BLANK
        return
    candidates = staff.get((row.episode.program_id, row.respondent.casefold()), [])
    if len(candidates) > 1:  # a person who left and came back may be listed twice; the current one answers
        candidates = [person for person in candidates if person.is_active]
    if len(candidates) == 1:
        row.respondent_status, row.respondent_staff = Respondent.MATCHED, candidates[0]
    else:
        row.respondent_status = Respondent.AMBIGUOUS if candidates else Respondent.UNKNOWN


def _episodes_by_key(network: Network, mapping: Mapping, keys: set[str]) -> dict[str, list[Episode]]:
    episodes: QuerySet[Episode] = Episode.objects.filter(network=network)
    found: dict[str, list[Episode]] = {}
    if mapping.key_kind == KeyKind.EPISODE:
        ids = []
        for key in keys:
            try:
                ids.append(UUID(key))
            except ValueError:
                continue
        for episode in episodes.filter(pk__in=ids):
            found.setdefault(str(episode.pk), []).append(episode)
    elif mapping.key_kind == KeyKind.CHILD_CODE and mapping.program is not None:
        for episode in episodes.filter(program=mapping.program, child_code__in=keys):
            found.setdefault(episode.child_code, []).append(episode)
    return found


def preview(*, network: Network, instrument: Instrument, dictionary: redcap.Dictionary, records: RecordFile,
            mapping: Mapping) -> Preview:
    """Each answered set of the instrument's form: matched to one episode and a time point, or why not,
    and to its respondent when the mapping names a respondent column."""
    record_id = dictionary.fields[0].name
    form = dictionary.forms[0].name
    sets = answered(records, form)
    if mapping.id_column == record_id:
        identifiers = [answer_set.record for answer_set in sets]
    else:  # the identifier may be filled in at another event of the record, or in another form
        cells = _Cells(records, mapping.id_column)
        identifiers = [cells.in_record(answer_set) for answer_set in sets]
    episodes = _episodes_by_key(network, mapping, {key for key in identifiers if key})
    existing = {
        (administration.redcap_record, administration.redcap_event, administration.redcap_instance): administration
        for administration in Administration.objects.filter(
            network=network, instrument=instrument, redcap_record__in=[answer_set.record for answer_set in sets])
    }
    rows: list[Row] = []
    for answer_set, identifier in zip(sets, identifiers, strict=True):
        timepoint = mapping.events.get(answer_set.event, "") if answer_set.event else mapping.timepoint
        candidates = episodes.get(identifier, []) if identifier else []
        if len(candidates) > 1:
            status = Status.AMBIGUOUS
        elif not candidates:
            status = Status.UNMATCHED
        elif timepoint not in Timepoint.values:
            status = Status.NO_TIMEPOINT
        else:
            status = Status.MATCHED
        rows.append(Row(
            answer_set=answer_set, identifier=identifier, status=status, timepoint=timepoint,
            episode=candidates[0] if len(candidates) == 1 else None,
            existing=existing.get((answer_set.record, answer_set.event, answer_set.repeat_instance)),
        ))
    if mapping.respondent_column:
        cells = _Cells(records, mapping.respondent_column)
        for row in rows:
            row.respondent = cells.in_row(row.answer_set)
        programs = {row.episode.program_id for row in rows if row.episode is not None and row.respondent}
        staff = _staff_by_email(network, programs)
        for row in rows:
            _respondent(row, staff)
    return Preview(rows, respondent_column=mapping.respondent_column, skipped=records.rows - len(sets))


# --- import -----------------------------------------------------------------------------------------------


def _target(row: Row, *, actor: Any, network: Network, instrument: Instrument) -> Administration:
    """The administration a matched row fills: the one it filled before, a scheduled one, or a new one.

    A respondent found in the file is recorded on it. A blank respondent cell leaves what Abrazo knows
    alone, and a scheduled administration for another staff member is left for that person."""
    assert row.episode is not None
    answer_set = row.answer_set
    staff = row.respondent_staff
    if row.existing is not None:
        if staff is not None and row.existing.respondent_staff_id != staff.pk:
            row.existing.respondent_staff = staff
            row.existing.save(update_fields=["respondent_staff", "updated_at"])
        return row.existing
    scheduled_ones = Administration.objects.filter(
        episode=row.episode, instrument=instrument, timepoint=row.timepoint,
        status=AdministrationStatus.SCHEDULED, redcap_record="",
    )
    if staff is not None:
        scheduled_ones = scheduled_ones.filter(Q(respondent_staff=staff) | Q(respondent_staff__isnull=True))
    waiting = list(scheduled_ones.order_by("due_on", "created_at"))
    # The earliest due for this very respondent, else the earliest due for nobody in particular.
    scheduled = next((one for one in waiting if staff is not None and one.respondent_staff_id == staff.pk),
                     waiting[0] if waiting else None)
    natural_key = {"redcap_record": answer_set.record, "redcap_event": answer_set.event,
                   "redcap_instance": answer_set.repeat_instance}
    if scheduled is not None:
        for name, value in natural_key.items():
            setattr(scheduled, name, value)
        updated = [*natural_key, "updated_at"]
        if staff is not None and scheduled.respondent_staff_id is None:
            scheduled.respondent_staff = staff
            updated.append("respondent_staff")
        scheduled.save(update_fields=updated)
        return scheduled
    return Administration.objects.create(
        network=network, instrument=instrument, episode=row.episode, program_id=row.episode.program_id,
        respondent_staff=staff, respondent_role=instrument.respondent, timepoint=row.timepoint,
        source=AnswerSource.REDCAP, language=(instrument.languages or ["en"])[0], entered_by=actor, **natural_key,
    )


@transaction.atomic
def import_records(*, actor: Any, network: Network, instrument: Instrument, dictionary: redcap.Dictionary,
                   records: RecordFile, mapping: Mapping, skip_unmatched: bool = False) -> list[Administration]:
    """Record every matched answer set, all or nothing (see the module's doc). Rows that are not matched
    refuse the whole file unless the person chose to leave them out (`skip_unmatched`)."""
    access.require(actor, PERMISSION, network)
    if instrument.network_id not in (None, network.pk):
        raise RecordsRejected([(0, "", "", "The instrument belongs to another network.")])
    problems: list[tuple[int, str, str, str]] = [
        (problem.line, "", problem.column, problem.message) for problem in records.errors
    ]
    if problems:
        raise RecordsRejected(problems)
    found = preview(network=network, instrument=instrument, dictionary=dictionary, records=records, mapping=mapping)
    for row in found.rows:
        if row.status != Status.MATCHED and not skip_unmatched:
            problems.append((row.answer_set.line, row.answer_set.record, "", row.status))
        elif row.respondent_problem:  # a respondent asked for and not found is never left out quietly
            problems.append((row.answer_set.line, row.answer_set.record, mapping.respondent_column,
                             row.respondent_problem))
    if problems:
        raise RecordsRejected(problems)
    done: list[Administration] = []
    for row in found.matched:
        administration = _target(row, actor=actor, network=network, instrument=instrument)
        try:
            # The import's own permission (measure.import) was checked above; the person importing is
            # an evaluator or an admin, not the episode's consultant, so the answers are recorded as
            # REDCap's (actor None) and the import is audited below under the person's name.
            recorded = administrations.administration_record_answers(
                actor=None, administration=administration, answers=row.answer_set.answers,
                language=administration.language, source=AnswerSource.REDCAP,
            )
        except administrations.AnswersRejected as rejected:
            problems.extend((row.answer_set.line, row.answer_set.record, problem.item, problem.message())
                            for problem in rejected.problems)
            continue
        done.append(recorded)
    if problems:
        raise RecordsRejected(problems)  # rolls back every administration written above
    audit.record(user=actor, action=Action.CREATE, object_type="measures.administration",
                 object_id=str(instrument.pk), object_ids=[administration.pk for administration in done])
    return done


# --- export -----------------------------------------------------------------------------------------------


def sees_identifiers(user: Any, network: Network) -> bool:
    """Network admins see child codes and episode references; evaluators see counts and opaque ids."""
    return any(membership.role == Role.NETWORK_ADMIN and membership.network_id == network.pk
               for membership in getattr(user, "active_memberships", []))


def event_name(timepoint: str) -> str:
    """REDCap's unique event name for an Abrazo time point: 'pre' -> 'pre_arm_1'."""
    return f"{timepoint}_arm_1"


_FREE_TEXT_TYPES = frozenset({"text", "notes"})


def export_records(*, actor: Any, network: Network, instrument: Instrument) -> tuple[str, str]:
    """(records CSV, dictionary CSV) of the instrument's completed administrations in the network."""
    access.require(actor, PERMISSION, network)
    identified = sees_identifiers(actor, network)
    dictionary = instrument_dictionary(instrument)
    form = dictionary.forms[0]
    record_id = dictionary.fields[0].name
    identifying = {item.name for item in form.fields if item.identifier}
    free_text = {item.name for item in form.fields
                 if item.field_type in _FREE_TEXT_TYPES and not item.validation.startswith(("number", "integer"))}
    chosen = list(Administration.objects.filter(network=network, instrument=instrument,
                                            status=AdministrationStatus.COMPLETED)
              .order_by("episode_id", "timepoint", "completed_on", "created_at"))
    opaque: dict[Any, str] = {}
    sets: list[AnswerSet] = []
    per_event: Counter[tuple[str, str]] = Counter()
    for administration in chosen:
        owner = administration.episode_id or administration.pk
        if identified:
            record = str(owner)
        else:
            record = opaque.setdefault(owner, f"r{len(opaque) + 1:05d}-{secrets.token_hex(3)}")
        answers: dict[str, Any] = {}
        for key, value in (administration.answers or {}).items():
            if key == record_id or (not identified and key in identifying):
                continue
            if isinstance(value, list):
                answers[key] = [str(code) for code in value]
            elif value is not None and value != "":
                text = str(value)
                answers[key] = formula_safe(text) if key in free_text else text
        event = event_name(administration.timepoint)
        per_event[(record, event)] += 1
        sets.append(AnswerSet(record=record, form=form.name, answers=answers, completion=2, event=event,
                              repeat_instance=per_event[(record, event)]))
    repeats = any(count > 1 for count in per_event.values())
    for answer_set in sets:
        if repeats:
            answer_set.repeat_instrument = form.name
        else:
            answer_set.repeat_instance = None
    audit.record(user=actor, action=Action.EXPORT, object_type="measures.administration",
                 object_id=str(instrument.pk), object_ids=[administration.pk for administration in chosen])
    columns = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance") if repeats else (
        "redcap_event_name",)
    records_text = write_records(dictionary, sets, forms=[form.name], system_columns=columns)
    return records_text, redcap.write_dictionary(dictionary)
