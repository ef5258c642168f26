"""Reading a roster file and a BIRS incident file into the counts the equity engine takes (`abrazo equity`).

The files can be large (a state's ten years: a million incidents, a million children), so they are
streamed with the `csv` module rather than loaded as tables, children are numbered as they are read
so that everything after that is keyed by small ints, and each distinct label, date or time string is
checked once and remembered. Nothing is counted from a file with a problem: every problem is
collected (file, line, column, value) and raised together, so that a person fixes them all in one go.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import mmap
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from itertools import compress, islice
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO, cast

import numpy as np

from abrazo.core.tabular import normalise_header
from abrazo.equity.counts import NOT_REPORTED
from abrazo.equity.metrics import GroupCounts
from abrazo.incidents import birs

CHILD_COLUMNS = ("child_id", "program_id", "race_ethnicity", "gender", "iep", "dll")
INCIDENT_COLUMNS = ("incident_id", "child_id", "date", "time", *birs.FIELDS)
LABEL_COLUMNS = ("problem_behavior", "activity", "others_involved", "possible_motivation")  # no bearing on outcomes
NOT_A_DIMENSION = ("child_id", "program_id")
YES_NO_DIMENSIONS = ("iep", "dll")
OUTCOMES = tuple(birs.Outcome.values)
MAX_REPORTED = 200  # problems listed one by one; beyond that only their number (a wrong file has millions)

_YES_NO = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes", "no": "no", "n": "no", "false": "no", "0": "no"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:  # 0 for the file as a whole (it cannot be opened)
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}, value {self.value!r}: {self.message}"


class InputError(Exception):
    """The files cannot be counted; `problems` lists the first MAX_REPORTED, `total` counts them all."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        super().__init__(f"{total} problem(s) in the input files")
        self.problems = problems
        self.total = total


@dataclass
class _Problems:
    listed: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, file: str, line: int, column: str, value: str, message: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_REPORTED:
            self.listed.append(Problem(file, line, column, value, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise InputError(self.listed, self.total)


@dataclass
class Roster:
    """Children numbered 0..n-1 in file order; programs and groups numbered as first seen."""

    index: dict[str, int]  # child_id -> child number
    program_of: list[int]
    group_of: list[int]
    programs: list[str]
    groups: list[str]
    readable: bool = False  # the file opened and had its columns; otherwise no child_id can be checked


@dataclass
class Counts:
    """Children enrolled, children with the outcome and events per program and group, as plain ints:
    `enrolled[p][g]` etc., programs sorted by id and groups alphabetically; `totals` over all programs."""

    programs: list[str]
    groups: list[str]
    enrolled: list[list[int]]
    children_with_outcome: list[list[int]]
    events: list[list[int]]
    totals: tuple[list[int], list[int], list[int]]  # (enrolled, children_with_outcome, events) per group

    def groups_of(self, program: int | None = None) -> list[GroupCounts]:
        """The groups of one program, or of all children when `program` is None; groups with no child
        enrolled in the unit are left out."""
        return [GroupCounts(*counts) for counts in self.counts_of(program)]

    def counts_of(self, program: int | None = None) -> list[tuple[str, int, int, int]]:
        """`groups_of` as (group, enrolled, children_with_outcome, events) tuples, which
        `metrics.UnitAnalyser.rows` takes: 40,000 programs need no object per group."""
        if program is None:
            enrolled, with_outcome, events = self.totals
        else:
            enrolled = self.enrolled[program]
            with_outcome = self.children_with_outcome[program]
            events = self.events[program]
        return [counts for counts in zip(self.groups, enrolled, with_outcome, events, strict=True) if counts[1] > 0]


# --- reading ----------------------------------------------------------------------------------------


def _encoding_of(path: Path) -> str:
    """UTF-8 (with or without BOM) unless the bytes say otherwise; then Windows-1252, which spreadsheets on
    Windows still write. Decided before reading so that rows are never read twice."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "cp1252"
    return "utf-8-sig"


def _read_csv(path: Path, problems: _Problems, consume: Callable[[Any], None]) -> None:
    """Give `consume` a csv reader over the file (its `line_num` is the line a person sees in an editor)."""
    name = path.name
    try:
        encoding = _encoding_of(path)
        with path.open(encoding=encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            try:
                consume(reader)
            except csv.Error as exc:
                problems.add(name, reader.line_num, "", "", f"not readable as CSV ({exc})")
    except OSError as exc:
        problems.add(name, 0, "", str(path), f"cannot read the file ({exc.strerror or exc})")


def _header(rows: Iterator[list[str]], name: str, required: tuple[str, ...], problems: _Problems) -> dict[str, int]:
    """Column name -> position, from the first row; problems for an empty file, repeats and missing columns."""
    first = next(rows, None)
    if first is None:
        problems.add(name, 1, "", "", "the file is empty")
        return {}
    positions: dict[str, int] = {}
    for position, raw in enumerate(first):
        column = normalise_header(raw)
        if not column:
            continue
        if column in positions:
            problems.add(name, 1, column, raw, "the column appears twice")
        positions.setdefault(column, position)
    for column in required:
        if column not in positions:
            problems.add(name, 1, column, "", "missing column")
    return positions


def _yes_no(raw: str) -> str | None:
    text = raw.strip().casefold()
    return NOT_REPORTED if not text else _YES_NO.get(text)


def read_children(path: Path, *, by: str, problems: _Problems | None = None) -> Roster:
    """Number the children of a roster file and put each in a program and a group of dimension `by`."""
    own = problems is None
    problems = problems if problems is not None else _Problems()
    roster = _children_at_speed(path, by)
    if roster is None:
        roster = _children_row_by_row(path, by, problems)
    if own:
        problems.raise_if_any()
    return roster


def _children_row_by_row(path: Path, by: str, problems: _Problems) -> Roster:
    """The careful reader: every row on its own, every problem listed with its line."""
    roster = Roster(index={}, program_of=[], group_of=[], programs=[], groups=[])
    name = path.name

    def consume(reader: Any) -> None:
        positions = _header(reader, name, (*CHILD_COLUMNS, by), problems)
        if any(column not in positions for column in (*CHILD_COLUMNS, by)):
            return  # the rows cannot be read without their columns; the problem is already listed
        roster.readable = True
        width = max(positions.values()) + 1
        at_child, at_program, at_group = positions["child_id"], positions["program_id"], positions[by]
        index, program_of, group_of = roster.index, roster.program_of, roster.group_of
        program_number: dict[str, int] = {}
        group_number: dict[str, int] = {}
        first_line: dict[int, int] = {}  # child number -> line, only looked at for a repeated child_id
        yes_no = by in YES_NO_DIMENSIONS
        for row in reader:
            if len(row) < width:
                if not any(cell.strip() for cell in row):
                    continue  # blank lines
                row = row + [""] * (width - len(row))  # trailing empty cells left out
            child_id = row[at_child].strip()
            program_raw = row[at_program].strip()
            group_raw = row[at_group]
            if not child_id:
                if not any(cell.strip() for cell in row):
                    continue
                problems.add(name, reader.line_num, "child_id", "", "a child needs a child_id")
                continue
            if child_id in index:
                earlier = first_line.get(index[child_id])
                problems.add(name, reader.line_num, "child_id", child_id,
                             f"the child_id is repeated (first on line {earlier})" if earlier
                             else "the child_id is repeated")
                continue
            if not program_raw:
                problems.add(name, reader.line_num, "program_id", "", "a child needs a program_id")
            program = program_number.get(program_raw)
            if program is None:
                program = program_number[program_raw] = len(roster.programs)
                roster.programs.append(program_raw)
            group = group_number.get(group_raw)
            if group is None:
                value = _yes_no(group_raw) if yes_no else (group_raw.strip() or NOT_REPORTED)
                if value is None:
                    # not remembered, so that every row with the value is listed; the run stops anyway
                    problems.add(name, reader.line_num, by, group_raw, "must be yes or no (or blank)")
                    group = _group_number(NOT_REPORTED, roster.groups)
                else:
                    # distinct spellings of one value ("Yes", "yes ") share one group
                    group = group_number[group_raw] = _group_number(value, roster.groups)
            child = len(program_of)
            index[child_id] = child
            first_line[child] = reader.line_num
            program_of.append(program)
            group_of.append(group)

    _read_csv(path, problems, consume)
    return roster


def _group_number(value: str, groups: list[str]) -> int:
    try:
        return groups.index(value)  # a handful of groups; looked up once per distinct raw spelling
    except ValueError:
        groups.append(value)
        return len(groups) - 1


def _is_date(text: str) -> bool:
    if _ISO_DATE.fullmatch(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
        return True
    us = _US_DATE.fullmatch(text)  # BIRS files saved from Excel in a US locale: 1/15/2024
    if us:
        month, day, year = (int(part) for part in us.groups())
        try:
            date(year, month, day)
        except ValueError:
            return False
        return True
    return False


def _is_time(text: str) -> bool:
    if not text:
        return True  # the time of an incident is optional
    for pattern in _TIME_FORMATS:
        try:
            datetime.strptime(text, pattern)  # a wall-clock time: no zone involved
        except ValueError:
            continue
        return True
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_incidents(path: Path, roster: Roster, *, outcome: str, problems: _Problems | None = None) -> list[int]:
    """The child number of every incident meeting `outcome`, once per incident, checking every row.

    With an unreadable roster the rows are still checked, but not their child_id (every one would fail).
    """
    own = problems is None
    problems = problems if problems is not None else _Problems()
    hits = _incidents_at_speed(path, roster, outcome) if roster.readable else None
    if hits is None:
        hits = _incidents_row_by_row(path, roster, outcome, problems)
    if own:
        problems.raise_if_any()
    return hits


def _incidents_row_by_row(path: Path, roster: Roster, outcome: str, problems: _Problems) -> list[int]:
    """The careful reader: every row on its own, every problem listed with its line."""
    name = path.name
    hits: list[int] = []

    def consume(reader: Any) -> None:
        positions = _header(reader, name, INCIDENT_COLUMNS, problems)
        if any(column not in positions for column in INCIDENT_COLUMNS):
            return
        width = max(positions.values()) + 1
        at_id, at_child, at_date, at_time = (positions[c] for c in ("incident_id", "child_id", "date", "time"))
        label_fields = [(field_name, positions[field_name]) for field_name in LABEL_COLUMNS]
        at_strategy, at_follow_up = positions["strategy_response"], positions["admin_follow_up"]
        index = roster.index
        check_children = roster.readable
        # Caches of raw strings already judged: good ones in sets, the outcome of each (response, follow-up)
        good_dates: set[str] = set()
        good_times: set[str] = set()
        good_labels: dict[str, set[str]] = {field_name: set() for field_name, _ in label_fields}
        meets: dict[tuple[str, str], bool] = {}
        seen_ids: dict[str, int] = {}
        append = hits.append
        for row in reader:
            if len(row) < width:
                if not any(cell.strip() for cell in row):
                    continue
                row = row + [""] * (width - len(row))
            child_id = row[at_child]
            child = index.get(child_id)
            line = reader.line_num
            if child is None and check_children:
                child = index.get(child_id.strip())
                if child is None:
                    if not any(cell.strip() for cell in row):
                        continue
                    problems.add(name, line, "child_id", child_id,
                                 "no child with this child_id in the children file" if child_id.strip()
                                 else "an incident needs a child_id")
            incident_id = row[at_id]
            if incident_id:
                earlier = seen_ids.setdefault(incident_id, line)
                if earlier != line:
                    problems.add(name, line, "incident_id", incident_id,
                                 f"the incident_id is repeated (first on line {earlier})")
            raw_date = row[at_date]
            if raw_date not in good_dates:
                if _is_date(raw_date.strip()):
                    good_dates.add(raw_date)
                else:
                    problems.add(name, line, "date", raw_date, "not a date (YYYY-MM-DD or M/D/YYYY)")
            raw_time = row[at_time]
            if raw_time not in good_times:
                if _is_time(raw_time.strip()):
                    good_times.add(raw_time)
                else:
                    problems.add(name, line, "time", raw_time, "not a time (HH:MM, 24-hour, or H:MM AM/PM)")
            for field_name, at in label_fields:
                raw = row[at]
                good = good_labels[field_name]
                if raw not in good:
                    if birs.parse_option(field_name, raw) is None:
                        problems.add(name, line, field_name, raw, "not a BIRS option for this column")
                    else:
                        good.add(raw)
            pair = (row[at_strategy], row[at_follow_up])
            counted = meets.get(pair)
            if counted is None:
                counted = _meets(pair, outcome, name, line, problems)
                if counted is None:
                    continue
                meets[pair] = counted
            if counted and child is not None:
                append(child)

    _read_csv(path, problems, consume)
    return hits


def _meets(pair: tuple[str, str], outcome: str, name: str, line: int, problems: _Problems) -> bool | None:
    """Whether an incident with this response and follow-up counts towards the outcome; None if a label is bad."""
    strategy = birs.parse_option("strategy_response", pair[0])
    follow_up = birs.parse_option("admin_follow_up", pair[1])
    if strategy is None:
        problems.add(name, line, "strategy_response", pair[0], "not a BIRS option for this column")
    if follow_up is None:
        problems.add(name, line, "admin_follow_up", pair[1], "not a BIRS option for this column")
    if strategy is None or follow_up is None:
        return None
    return outcome in birs.outcomes_of(strategy, follow_up)


# --- the fast path ----------------------------------------------------------------------------------------
# Whole columns at a time through C-level built-ins (itemgetter, zip, map, set, dict), each distinct value
# judged once. It gives up (None) at the first thing out of the ordinary, whatever it is, and the careful
# reader above then reads the file again row by row: that reader alone decides what a problem is and says
# where it is, so the fast path only has to be exact about what it accepts.

CHUNK_ROWS = 512  # rows handled at once: few enough that their strings are still in the CPU cache


def _fast_reader(handle: TextIO, required: tuple[str, ...]) -> tuple[dict[str, int], Iterator[list[str]]] | None:
    reader = csv.reader(handle)
    quiet = _Problems()
    positions = _header(reader, "", required, quiet)
    if quiet.total:
        return None
    return positions, filter(None, reader)  # csv gives [] for a blank line


def _children_at_speed(path: Path, by: str) -> Roster | None:
    roster = Roster(index={}, program_of=[], group_of=[], programs=[], groups=[], readable=True)
    index = roster.index
    program_numbers: dict[str, int] = {}  # raw id as written -> number
    numbered: dict[str, int] = {}  # stripped id -> number, so that "p1" and " p1" are one program
    group_numbers: dict[str, int] = {}  # raw value as written -> group number
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            opened = _fast_reader(handle, (*CHILD_COLUMNS, by))
            if opened is None:
                return None
            positions, rows = opened
            cells = map(itemgetter(positions["child_id"], positions["program_id"], positions[by]), rows)
            while chunk := list(islice(cells, CHUNK_ROWS)):
                raw_ids, raw_programs, raw_groups = zip(*chunk, strict=True)
                del chunk
                child_ids = list(map(str.strip, raw_ids))  # the same string back when there is nothing to strip
                before = len(index)
                index.update(zip(child_ids, range(before, before + len(child_ids)), strict=True))
                if len(index) != before + len(child_ids):
                    return None  # a repeated child_id
                for raw in set(raw_programs).difference(program_numbers):
                    program = raw.strip()
                    if not program:
                        return None
                    if program not in numbered:
                        numbered[program] = len(roster.programs)
                        roster.programs.append(program)
                    program_numbers[raw] = numbered[program]
                for raw in set(raw_groups).difference(group_numbers):
                    value = _yes_no(raw) if by in YES_NO_DIMENSIONS else (raw.strip() or NOT_REPORTED)
                    if value is None:
                        return None
                    group_numbers[raw] = _group_number(value, roster.groups)
                roster.program_of.extend(map(program_numbers.__getitem__, raw_programs))
                roster.group_of.extend(map(group_numbers.__getitem__, raw_groups))
    except (OSError, UnicodeDecodeError, csv.Error, IndexError):
        return None
    if "" in index:
        return None  # a blank child_id
    return roster


def _incidents_at_speed(path: Path, roster: Roster, outcome: str) -> list[int] | None:
    """The hits of a file with no problem, read by two processes when it is big and has no quoted cell (so
    that it can be cut at any line end); None at the first thing out of the ordinary."""
    try:
        ranges = _split_body(path, parts=2) if _can_fork() else None
        if ranges is None:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                opened = _fast_reader(handle, INCIDENT_COLUMNS)
                if opened is None:
                    return None
                positions, rows = opened
                counted = _count_incident_rows(rows, positions, roster, outcome)
        else:
            positions, first, rest = ranges
            counted = _count_in_two_processes(path, positions, roster, outcome, first, rest)
    except (OSError, UnicodeDecodeError, csv.Error, IndexError):
        return None
    if counted is None:
        return None
    hits, id_hashes = counted
    # sorted, a repeat sits next to itself (a sort takes a tenth of the time np.unique does on a million)
    ordered = np.sort(id_hashes)
    if bool((ordered[1:] == ordered[:-1]).any()):
        return None  # a repeated incident_id (or, once in billions of files, two ids with one hash)
    return hits


Counted = tuple[list[int], np.ndarray]  # child number of each hit, hash of each non-blank incident_id


def _count_incident_rows(rows: Iterator[list[str]], positions: dict[str, int], roster: Roster,
                         outcome: str) -> Counted | None:
    hits: list[int] = []
    id_hashes: list[np.ndarray] = []
    good_dates: set[str] = set()
    good_times: set[str] = set()
    good_labels: dict[str, set[str]] = {name: set() for name in LABEL_COLUMNS}
    meets: dict[tuple[str, str], bool] = {}
    # the ten columns of each row, then (by chunk) ten columns of values: cheaper than transposing
    # whole rows, whose other cells would be touched for nothing
    cells = map(itemgetter(*(positions[name] for name in INCIDENT_COLUMNS)), rows)
    while chunk := list(islice(cells, CHUNK_ROWS)):
        incident_ids, child_ids, dates, times, *labels = zip(*chunk, strict=True)
        del chunk
        found = list(map(roster.index.get, child_ids))
        if None in found:
            return None
        children = cast(list[int], found)
        # repeated ids are looked for once at the end, on hashes in an array (sorting is cache-friendly,
        # a million-entry set is not), and across both processes; an incident_id is optional
        id_hashes.append(np.fromiter(map(hash, filter(None, incident_ids)), dtype=np.int64))
        if not _all_good(dates, good_dates, _is_date) or not _all_good(times, good_times, _is_time):
            return None
        for name, values in zip(LABEL_COLUMNS, labels[:4], strict=True):
            if not _all_good(values, good_labels[name], partial(_is_option, name)):
                return None
        pairs = list(zip(labels[4], labels[5], strict=True))
        for pair in set(pairs).difference(meets):
            counted = _meets(pair, outcome, "", 0, _Problems())
            if counted is None:
                return None
            meets[pair] = counted
        hits.extend(compress(children, map(meets.__getitem__, pairs)))
    return hits, np.concatenate(id_hashes) if id_hashes else np.zeros(0, dtype=np.int64)


SPLIT_BYTES = 16 * 1024 * 1024  # smaller files are read by one process: starting another costs more


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def _split_body(path: Path, *, parts: int) -> tuple[dict[str, int], tuple[int, int], tuple[int, int]] | None:
    """The header's columns and two byte ranges of rows cut at a line end, or None when the file is small,
    has a quoted cell (a quoted line break must not be cut) or its header is not in order."""
    size = path.stat().st_size
    if size < SPLIT_BYTES or parts != 2:
        return None
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b'"') != -1:
            return None
        header_end = data.find(b"\n") + 1
        middle = data.find(b"\n", max(header_end, size // 2)) + 1
        if header_end <= 0 or middle <= 0:
            return None
        header = data[:header_end].decode("utf-8-sig")
    quiet = _Problems()
    positions = _header(csv.reader([header]), "", INCIDENT_COLUMNS, quiet)
    if quiet.total:
        return None
    return positions, (header_end, middle), (middle, size)


def _rows_in(path: Path, byte_range: tuple[int, int]) -> Iterator[list[str]]:
    start, end = byte_range
    with path.open("rb") as handle:
        handle.seek(start)
        data = io.BytesIO(handle.read(end - start))
    # strict UTF-8 (a cut at a line end never splits a character); decoded a buffer at a time as read
    return filter(None, csv.reader(io.TextIOWrapper(data, encoding="utf-8", newline="")))


_roster_for_worker: Roster | None = None  # set before the fork: the worker inherits it without a copy


def _count_range_in_worker(path: Path, positions: dict[str, int], outcome: str,
                           byte_range: tuple[int, int]) -> Counted | None:
    assert _roster_for_worker is not None
    try:
        return _count_incident_rows(_rows_in(path, byte_range), positions, _roster_for_worker, outcome)
    except (UnicodeDecodeError, csv.Error, IndexError):
        return None


def _count_in_two_processes(path: Path, positions: dict[str, int], roster: Roster, outcome: str,
                            first: tuple[int, int], second: tuple[int, int]) -> Counted | None:
    global _roster_for_worker  # how a forked worker gets a million-entry dict for free
    _roster_for_worker = roster
    gc.freeze()  # the worker's collector then leaves the inherited objects (and their pages) alone
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            theirs = pool.apply_async(_count_range_in_worker, (path, positions, outcome, second))
            mine = _count_incident_rows(_rows_in(path, first), positions, roster, outcome)
            other = theirs.get()
    finally:
        gc.unfreeze()
        _roster_for_worker = None
    if mine is None or other is None:
        return None
    return mine[0] + other[0], np.concatenate((mine[1], other[1]))


def _all_good(values: tuple[str, ...], good: set[str], is_good: Callable[[str], bool]) -> bool:
    """Whether every value is good, judging each value not seen before once (and remembering it)."""
    if all(map(good.__contains__, values)):  # nearly always: no set to build, the good set stays in cache
        return True
    for value in set(values).difference(good):
        if not is_good(value.strip()):
            return False
        good.add(value)
    return True


def _is_option(field_name: str, value: str) -> bool:
    return birs.parse_option(field_name, value) is not None


def count_files(children: Path, incidents: Path, *, by: str, outcome: str) -> Counts:
    """Read both files and count; raise InputError listing every problem when either file has one."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    problems = _Problems()
    roster = read_children(children, by=by, problems=problems)
    hits = read_incidents(incidents, roster, outcome=outcome, problems=problems)
    problems.raise_if_any()
    return tally(roster, hits)


def tally(roster: Roster, hits: list[int]) -> Counts:
    """Sum children and events into (program, group) cells, programs and groups sorted."""
    n_children = len(roster.program_of)
    n_programs, n_groups = len(roster.programs), len(roster.groups)
    program_of = np.fromiter(roster.program_of, dtype=np.int64, count=n_children)
    group_of = np.fromiter(roster.group_of, dtype=np.int64, count=n_children)
    events_of = np.bincount(np.fromiter(hits, dtype=np.int64, count=len(hits)), minlength=n_children)
    cell = program_of * n_groups + group_of
    size = n_programs * n_groups

    def per_cell(weights: np.ndarray | None) -> np.ndarray:
        summed = np.bincount(cell, weights=weights, minlength=size)
        return summed.astype(np.int64).reshape(n_programs, n_groups)

    enrolled = per_cell(None)
    with_outcome = per_cell((events_of > 0).astype(np.float64))
    events = per_cell(events_of.astype(np.float64))
    program_order = np.array(sorted(range(n_programs), key=roster.programs.__getitem__), dtype=np.int64)
    group_order = np.array(sorted(range(n_groups), key=roster.groups.__getitem__), dtype=np.int64)
    cells = [matrix[program_order][:, group_order] for matrix in (enrolled, with_outcome, events)]
    return Counts(
        programs=[roster.programs[p] for p in program_order],
        groups=[roster.groups[g] for g in group_order],
        enrolled=cells[0].tolist(),
        children_with_outcome=cells[1].tolist(),
        events=cells[2].tolist(),
        totals=(cells[0].sum(axis=0).tolist(), cells[1].sum(axis=0).tolist(), cells[2].sum(axis=0).tolist()),
    )
