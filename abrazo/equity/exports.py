"""Each dashboard table as a file (CSV or XLSX), exactly as the person sees it on the page: an evaluator's
file holds the suppressed figures ("1-10", blank rates), never the exact ones. Cells go through
`core.tabular`, which makes every text cell formula-safe (a group or program name starting with "="
stays text in a spreadsheet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from abrazo.core.tabular import csv_bytes, xlsx_bytes
from abrazo.equity.selectors import Count, Dashboard, DimensionReport, school_year_label

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
PROGRAMS = "programs"
TREND_PREFIX = "trend:"
DIGITS = 4


@dataclass(frozen=True)
class ExportFile:
    name: str
    content_type: str
    content: bytes


def table_names(board: Dashboard) -> list[str]:
    """Every table the dashboard shows, by the name `table=` takes: a dimension, "trend:<dimension>", "programs"."""
    names = []
    for report in board.dimensions:
        names.extend([report.dimension, f"{TREND_PREFIX}{report.dimension}"])
    if board.programs:
        names.append(PROGRAMS)
    return names


def _count(count: Count) -> Any:
    return count.label if count.value is None else count.value


def _number(value: float | None) -> Any:
    return None if value is None else round(value, DIGITS)


def _dimension_table(report: DimensionReport) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Group"), _("Enrolled"), _("Children with the outcome"), _("Events"), _("Risk"),
        _("Risk ratio"), _("Ratio method"), _("95% CI low"), _("95% CI high"), _("Fisher p"),
        _("Weighted risk ratio"), _("Enrolment share"), _("Child composition"), _("Event composition"),
        _("E-formula upper bound"), _("Alert"), _("Not calculated because"),
    ]
    rows: list[list[Any]] = []
    for row in report.rows:
        rows.append([
            row.label, _count(row.enrolled), _count(row.with_outcome), _count(row.events), _number(row.risk),
            _number(row.ratio), (row.ratio_method or "").upper(), _number(row.ci_low), _number(row.ci_high),
            _number(row.fisher_p), _number(row.weighted_ratio), _number(row.enrollment_share),
            _number(row.child_composition), _number(row.event_composition), _number(row.e_formula_upper),
            "" if row.alert is None else (_("yes") if row.alert else _("no")), row.not_calculated or "",
        ])
    rows.append([
        _("All children"), _count(report.total_enrolled), _count(report.total_with_outcome),
        _count(report.total_events), _number(report.total_risk), *([None] * 11), "",
    ])
    return header, rows


def _trend_table(report: DimensionReport) -> tuple[list[str], list[list[Any]]]:
    header = [_("Group")]
    for year in report.trend_years:
        label = school_year_label(year)
        header.extend([
            _("%(year)s enrolled") % {"year": label}, _("%(year)s with the outcome") % {"year": label},
            _("%(year)s risk") % {"year": label},
        ])
    rows = []
    for series in report.trend:
        line: list[Any] = [series.label]
        for point in series.points:
            line.extend([_count(point.enrolled), _count(point.with_outcome), _number(point.risk)])
        rows.append(line)
    return header, rows


def _programs_table(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    header = [_("Program"), _("Enrolled"), _("Children with the outcome"), _("Events"), _("Risk")]
    if board.exact:
        header.append(_("Groups in alert"))
    rows = []
    for row in board.programs:
        line = [row.program.name, _count(row.enrolled), _count(row.with_outcome), _count(row.events),
                _number(row.risk)]
        if board.exact:
            line.append(row.alerts)
        rows.append(line)
    if board.programs_total is not None:
        total = [_("All programs"), *(_count(count) for count in board.programs_total), None]
        rows.append(total + ([None] if board.exact else []))
    return header, rows


def table(board: Dashboard, name: str) -> tuple[list[str], list[list[Any]]] | None:
    """The header and rows of one table, or None if the dashboard has no such table."""
    if name == PROGRAMS:
        return _programs_table(board) if board.programs else None
    if name.startswith(TREND_PREFIX):
        report = board.dimension(name.removeprefix(TREND_PREFIX))
        return _trend_table(report) if report is not None else None
    report = board.dimension(name)
    return _dimension_table(report) if report is not None else None


def export_file(board: Dashboard, name: str, file_format: str) -> ExportFile | None:
    found = table(board, name)
    if found is None or file_format not in FORMATS:
        return None
    header, rows = found
    period = board.period
    stem = slugify(f"equity {board.unit.choice.name} {name} {board.outcome} {period.start} {period.end}") or "equity"
    if file_format == "csv":
        content = csv_bytes(header, rows)
    else:  # a sheet title may not hold ":"
        content = xlsx_bytes(header, rows, sheet_title=name.replace(":", " ")[:31])
    return ExportFile(name=f"{stem}.{file_format}", content_type=FORMATS[file_format], content=content)


def rows_as_text(rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """Every cell as text (tests and the printable view compare files with pages)."""
    return [["" if cell is None else str(cell) for cell in row] for row in rows]
