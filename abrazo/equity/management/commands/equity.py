"""`abrazo equity`: the equity engine on a roster file and a BIRS incident file, without a database.

Programs and evaluators who keep their data elsewhere can check their own figures with exactly the
numbers the dashboard would show (DOMAIN.md §6). Every problem in either file is listed on stderr
(file, line, column, value) and the run stops with exit status 2 before anything is printed, so a
half-read file never produces figures.
"""

from __future__ import annotations

import csv
import json
import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.core.tabular import formula_safe, normalise_header
from abrazo.equity.files import NOT_A_DIMENSION, OUTCOMES, Counts, InputError, count_files
from abrazo.equity.metrics import RESULT_FIELDS, GroupResult, GroupRow, Thresholds, UnitAnalyser

INPUT_ERROR = 2  # the exit status for files that cannot be read or hold a problem

# The keys of each group in the JSON output, and the columns of the CSV output after program_id.
GROUP_KEYS = (
    "group", "enrolled", "children_with_outcome", "events", "risk", "risk_ratio", "risk_ratio_method",
    "not_calculated_reason", "ci_low", "ci_high", "fisher_p", "event_rate", "event_ratio", "enrollment_share",
    "child_composition", "event_composition", "e_formula_upper", "alert",
)
FLOAT_KEYS = frozenset((
    "risk", "risk_ratio", "ci_low", "ci_high", "fisher_p", "event_rate", "event_ratio", "enrollment_share",
    "child_composition", "event_composition", "e_formula_upper",
))

# Plain words for the table, so that a person at a terminal is not left with a code.
REASONS = {
    "group_below_min_cell": "too few children in the group with the outcome",
    "group_below_min_n": "too few children in the group",
    "comparison_too_small": "too few other children to compare with",
}


# Output pretty-printed JSON up to this many groups in all; beyond it, one analysis per line, because
# indenting is done by the pure-Python encoder and takes longer than all the counting (40,000 programs).
PRETTY_JSON_GROUPS = 2_000

_group_values = itemgetter(*(RESULT_FIELDS.index(key) for key in GROUP_KEYS))  # from a row of the engine
_float_values = itemgetter(*(i for i, key in enumerate(GROUP_KEYS) if key in FLOAT_KEYS))


def group_values(row: GroupRow) -> tuple[Any, ...]:
    """The values of GROUP_KEYS in a row of the engine, with any NaN or infinity as None (the engine promises
    none; a file must never carry one, so it is checked anyway, cheaply: a sum is finite only if every term is)."""
    values = _group_values(row)
    if not math.isfinite(sum(filter(None, _float_values(values)))):
        values = tuple(plain(value) for value in values)
    return values


def plain(value: Any) -> Any:
    """JSON-safe: numpy numbers become Python numbers, NaN and infinity become None."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Analysis:
    program_id: str | None
    enrolled: int
    children_with_outcome: int
    events: int
    rows: list[GroupRow]  # the engine's results as tuples (metrics.RESULT_FIELDS), one per group

    @property
    def results(self) -> list[GroupResult]:
        return [GroupResult(*row) for row in self.rows]

    def as_dict(self) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "enrolled": self.enrolled,
            "children_with_outcome": self.children_with_outcome,
            "events": self.events,
            "groups": [dict(zip(GROUP_KEYS, group_values(row), strict=True)) for row in self.rows],
        }


def _analysis(program_id: str | None, counts: list[tuple[str, int, int, int]], analyser: UnitAnalyser) -> Analysis:
    enrolled = with_outcome = events = 0
    for _, n, a, d in counts:
        enrolled, with_outcome, events = enrolled + n, with_outcome + a, events + d
    return Analysis(program_id, enrolled, with_outcome, events, analyser.rows(counts))


def build_analyses(counts: Counts, *, thresholds: Thresholds, per_program: bool) -> list[Analysis]:
    """One analysis over every child, or one per program compared (for the alternate risk ratio) with every
    child in the file."""
    if not per_program:
        return [_analysis(None, counts.counts_of(None), UnitAnalyser(thresholds=thresholds))]
    # one analyser for every program: the file's totals are checked and summed once, not 40,000 times
    analyser = UnitAnalyser(thresholds=thresholds, next_level=counts.groups_of(None))
    return [_analysis(program_id, counts.counts_of(number), analyser)
            for number, program_id in enumerate(counts.programs)]


# --- output ---------------------------------------------------------------------------------------------
# A state's file gives 40,000 programs and 200,000 groups, and many groups of small programs come out alike
# (the same counts in programs of the same size). The analyser then gives the same tuple again, so each
# row is written out once and its text remembered by the tuple's id (cheaper than hashing 19 values; every
# row stays alive in `analyses` while the text is written, so no id is reused).

_json_text = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
# Every value of a group in one call of the C encoder, with a separator no encoded value can hold (JSON
# writes a control character inside a string as a \u escape), so that the values can be cut apart again
# and put into a template holding the keys.
_VALUE_SEPARATOR = "\x00"
_json_values = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(_VALUE_SEPARATOR, ": ")).encode
_JSON_GROUP = "{" + ", ".join(f"{_json_text(key)}: %s" for key in GROUP_KEYS) + "}"
_JSON_ANALYSIS = ('{"program_id": %s, "enrolled": %d, "children_with_outcome": %d, "events": %d, '
                  '"groups": [%s]}')


# Nearly every group of a small program is not compared (too few children): its ratio, interval, p and event
# ratio are null, its six other figures numbers. Such a group is written by one %-format holding the nulls,
# where %r writes a float as json does (float.__repr__) and %d an int; anything else takes the encoder.
_NOT_COMPARED_NULLS = ("risk_ratio", "risk_ratio_method", "ci_low", "ci_high", "fisher_p", "event_ratio")
_NOT_COMPARED_FLOATS = ("risk", "event_rate", "enrollment_share", "child_composition", "event_composition",
                        "e_formula_upper")
_JSON_NOT_COMPARED = "{" + ", ".join(
    f"{_json_text(key)}: " + ("null" if key in _NOT_COMPARED_NULLS else "%r" if key in _NOT_COMPARED_FLOATS
                              else "%d" if key in ("enrolled", "children_with_outcome", "events") else "%s")
    for key in GROUP_KEYS) + "}"
_nulls_of = itemgetter(*(RESULT_FIELDS.index(key) for key in _NOT_COMPARED_NULLS))
_floats_of = itemgetter(*(RESULT_FIELDS.index(key) for key in _NOT_COMPARED_FLOATS))
_counts_of = itemgetter(*(RESULT_FIELDS.index(key) for key in ("enrolled", "children_with_outcome", "events")))
_AT_GROUP, _AT_REASON, _AT_ALERT = (RESULT_FIELDS.index(key) for key in ("group", "not_calculated_reason", "alert"))
_ALL_NULL = (None,) * len(_NOT_COMPARED_NULLS)
_FLOAT, _INT = {float}, {int}  # exactly: not bool, not numpy's numbers (whose repr is not json's)


def _json_group(row: GroupRow) -> str:
    """The group as json.dumps writes dict(zip(GROUP_KEYS, group_values(row)))."""
    floats, counts = _floats_of(row), _counts_of(row)
    if (_nulls_of(row) == _ALL_NULL and set(map(type, floats)) == _FLOAT and math.isfinite(sum(floats))
            and set(map(type, counts)) == _INT
            and type(row[_AT_GROUP]) is str and type(row[_AT_REASON]) is str and type(row[_AT_ALERT]) is bool):
        # the values in GROUP_KEYS order, less the nulls
        return _JSON_NOT_COMPARED % (
            _json_text(row[_AT_GROUP]), *counts, floats[0], _json_text(row[_AT_REASON]), *floats[1:],
            "true" if row[_AT_ALERT] else "false")
    return _JSON_GROUP % tuple(_json_values(group_values(row))[1:-1].split(_VALUE_SEPARATOR))


def _json_lines(analyses: Sequence[Analysis]) -> Iterator[str]:
    """Each analysis as json.dumps writes `as_dict()` on one line."""
    written: dict[int, str] = {}
    for analysis in analyses:
        groups = []
        for row in analysis.rows:
            text = written.get(id(row))
            if text is None:
                text = written[id(row)] = _json_group(row)
            groups.append(text)
        yield _JSON_ANALYSIS % (_json_text(analysis.program_id), analysis.enrolled, analysis.children_with_outcome,
                                analysis.events, ", ".join(groups))


def render_json(analyses: Sequence[Analysis], *, outcome: str, dimension: str, thresholds: Thresholds) -> str:
    head = {"outcome": outcome, "dimension": dimension, "min_cell": thresholds.min_cell, "min_n": thresholds.min_n}
    if sum(len(analysis.rows) for analysis in analyses) <= PRETTY_JSON_GROUPS:
        documents = [analysis.as_dict() for analysis in analyses]
        return json.dumps({**head, "analyses": documents}, ensure_ascii=False, indent=2, allow_nan=False)
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "analyses": [\n'
    return opening + ",\n".join(_json_lines(analyses)) + "\n]}"


class _Lines:
    """A file-like sink for csv.writer that collects the text."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def render_csv(analyses: Sequence[Analysis]) -> str:
    sink = _Lines()
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(("program_id", *GROUP_KEYS))

    def line(cells: Sequence[Any]) -> str:
        writer.writerow(cells)
        return sink.parts.pop()

    written: dict[int, str] = {}  # id of a row -> its cells after program_id, with the line end
    lines = sink.parts
    for analysis in analyses:
        # ids and group names come from people's files: a spreadsheet must not run them as formulas;
        # the other text cells are our own codes. None is written as an empty cell.
        program_id = "" if analysis.program_id is None else formula_safe(analysis.program_id)
        # the program's cell and its comma: letters and digits are never quoted; anything else is left to
        # the writer (quoting depends on a cell's own text, never on its neighbours in a row of two or more)
        opening = program_id + "," if program_id.isalnum() else line((program_id, ""))[:-1]
        for row in analysis.rows:
            rest = written.get(id(row))
            if rest is None:
                values = group_values(row)
                cells = (formula_safe(values[0]), *values[1:-1], "true" if values[-1] else "false")
                rest = written[id(row)] = line(cells)
            lines.append(opening + rest)
    return "".join(lines)


def _number(value: float | None, digits: int = 4) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.{digits}f}"


def _p_value(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.4f}" if value >= 0.0001 else f"{value:.2e}"


TABLE_HEADINGS = (
    "Group", "Enrolled", "With outcome", "Events", "Risk", "Risk ratio", "95% CI", "Fisher p", "Event rate",
    "Event ratio", "Child comp.", "E-bound", "Alert", "Note",
)


def _table_row(result: GroupResult) -> list[str]:
    if result.risk_ratio is None:
        ratio, interval = "n/c", "-"
        note = REASONS.get(result.not_calculated_reason or "", result.not_calculated_reason or "not calculated")
    else:
        ratio = _number(result.risk_ratio, 2) + (" (alt)" if result.risk_ratio_method == "arr" else "")
        interval = f"{_number(result.ci_low, 2)}-{_number(result.ci_high, 2)}"
        note = ""
    return [
        result.group, str(result.enrolled), str(result.children_with_outcome), str(result.events),
        _number(result.risk), ratio, interval, _p_value(result.fisher_p), _number(result.event_rate),
        _number(result.event_ratio, 2), _number(result.child_composition), _number(result.e_formula_upper),
        "ALERT" if result.alert else "",  # a word, not a colour: terminals and screen readers show it alike
        note,
    ]


def render_table(analyses: Sequence[Analysis], *, outcome: str, dimension: str, thresholds: Thresholds) -> str:
    lines = [
        f"Outcome: {outcome}   by: {dimension}   "
        f"ratios need at least {thresholds.min_cell} children with the outcome and {thresholds.min_n} enrolled",
    ]
    for analysis in analyses:
        title = "All children" if analysis.program_id is None else f"Program {analysis.program_id}"
        lines += ["", f"{title}: {analysis.enrolled} enrolled, {analysis.children_with_outcome} with the "
                      f"outcome, {analysis.events} events"]
        rows = [list(TABLE_HEADINGS), *(_table_row(result) for result in analysis.results)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADINGS))]
        for number, row in enumerate(rows):
            # the group name reads best left-aligned; numbers line up on the right
            last = len(row) - 1
            cells = [cell.ljust(widths[i]) if i in (0, last) else cell.rjust(widths[i]) for i, cell in enumerate(row)]
            lines.append("  ".join(cells).rstrip())
            if number == 0:
                lines.append("  ".join("-" * width for width in widths))
    lines += ["", "n/c: not calculated; (alt): alternate risk ratio, compared with every child in the file."]
    return "\n".join(lines)


# --- the command ----------------------------------------------------------------------------------------


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Risk ratios and the BIRS profile of a roster file and a BIRS incident file, by one characteristic of "
        "the children (DOMAIN.md §6). Any problem in either file is listed on stderr with its line and "
        "column, and the command exits with status 2 without printing figures."
    )
    requires_system_checks: list[str] = []  # a computation on files; no database is touched

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", required=True, type=Path,
                            help="CSV with child_id, program_id, race_ethnicity, gender, iep, dll (and more).")
        parser.add_argument("--incidents", required=True, type=Path,
                            help="CSV of BIRS incidents (incident_id, child_id, date, time and the six fields).")
        parser.add_argument("--by", required=True,
                            help="The children column to group by (race_ethnicity, gender, iep, dll or another).")
        parser.add_argument("--outcome", required=True, choices=OUTCOMES,
                            help="What counts: any incident, iss, oss, dismissal or exclusion (any of the three).")
        parser.add_argument("--per-program", action="store_true",
                            help="One analysis per program, each compared with all children when too small.")
        parser.add_argument("--min-cell", type=_non_negative, default=Thresholds().min_cell,
                            help="Fewest children with the outcome for a ratio (default %(default)s).")
        parser.add_argument("--min-n", type=_non_negative, default=Thresholds().min_n,
                            help="Fewest children enrolled for a ratio (default %(default)s).")
        parser.add_argument("--format", choices=("json", "csv", "table"), default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        dimension = normalise_header(options["by"])
        if not dimension or dimension in NOT_A_DIMENSION:
            raise CommandError(f"--by {options['by']!r}: choose a column of the children file other than "
                               "child_id and program_id", returncode=INPUT_ERROR)
        thresholds = Thresholds(min_cell=options["min_cell"], min_n=options["min_n"])
        try:
            counts = count_files(options["children"], options["incidents"], by=dimension, outcome=options["outcome"])
        except InputError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            unlisted = error.total - len(error.problems)
            if unlisted:
                self.stderr.write(f"... and {unlisted} more problem(s) not listed.")
            raise CommandError(f"{error.total} problem(s) in the input files; nothing was calculated.",
                               returncode=INPUT_ERROR) from error
        analyses = build_analyses(counts, thresholds=thresholds, per_program=options["per_program"])
        output_format = options["format"]
        if output_format == "csv":
            self.stdout.write(render_csv(analyses), ending="")
        elif output_format == "table":
            self.stdout.write(render_table(analyses, outcome=options["outcome"], dimension=dimension,
                                           thresholds=thresholds))
        else:
            self.stdout.write(render_json(analyses, outcome=options["outcome"], dimension=dimension,
                                          thresholds=thresholds))
