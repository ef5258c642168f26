"""The network report as a PDF (fpdf2, as the workforce certificates): a title block, then each section's
tables with this period, the previous one and the change, in the reader's language (the caller translates every
word; the numbers come formatted from report_sections). DejaVu Sans when the machine has it (ABRAZO_PDF_FONT_DIR
or the usual folders), otherwise Helvetica with the text folded to Latin-1 (all of Spanish fits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from abrazo.reports.report_sections import Report
from abrazo.workforce.certificates import USE_SYSTEM_FONT, _font_dir, latin1

INK = (31, 42, 48)
HEAD = (13, 92, 99)
RULE = (216, 210, 200)


def render(report: Report, *, title: str, scope_label: str, period_label: str, previous_label: str,
           font_dir: Any = USE_SYSTEM_FONT, compress: bool = True) -> bytes:
    """Portrait Letter pages. `compress=False` leaves the text readable in the file (tests read it)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    folder = _font_dir() if font_dir is USE_SYSTEM_FONT else (Path(font_dir) if font_dir else None)
    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(f"{title}: {scope_label}")
    pdf.set_author(report.sight.network.name)
    pdf.set_lang(get_language() or "en")
    if folder is not None:
        pdf.add_font("Report", "", str(folder / "DejaVuSans.ttf"))
        pdf.add_font("Report", "B", str(folder / "DejaVuSans-Bold.ttf"))
        family, text = "Report", (lambda value: value)
    else:
        family, text = "Helvetica", latin1
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(value: str, size: float, *, colour: tuple[int, int, int] = HEAD, gap: float = 2) -> None:
        pdf.set_font(family, "B", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, size * 0.5, text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    heading(report.sight.network.name, 11, colour=INK, gap=1)
    heading(f"{title}: {scope_label}", 18)
    pdf.set_font(family, "", 10)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 5, text(_("This period: %(period)s. Previous period: %(previous)s.") % {
        "period": period_label, "previous": previous_label}), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not report.sight.exact:
        pdf.multi_cell(width, 5, text(_("Suppressed figures: counts of 1 to 10 and the counts that would reveal "
                                        "them read “%(hidden)s”.") % {"hidden": "1-10"}),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    columns = (width * 0.46, width * 0.16, width * 0.16, width * 0.22)
    for section in report.sections:
        if section.extra is not None:
            heading(section.title, 14, gap=1)
            _equity(pdf, section.extra, family=family, text=text, width=width)
            continue
        if not section.tables:
            continue
        heading(section.title, 14, gap=1)
        for table in section.tables:
            if not table.rows:
                continue
            heading(table.title, 11, colour=INK, gap=1)
            pdf.set_font(family, "B", 9)
            pdf.set_fill_color(240, 237, 232)
            for number, (size, label) in enumerate(zip(columns, (table.label_header or _("Figure"), _("This period"),
                                                                 _("Previous period"), _("Change")), strict=True)):
                pdf.cell(size, 6, text(str(label)), border="B", fill=True, align="R" if number else "L")
            pdf.ln(6)
            pdf.set_font(family, "", 9)
            for row in table.rows:
                label = row.label if len(row.label) <= 60 else row.label[:57] + "..."
                pdf.cell(columns[0], 5.5, text(label), border="B")
                pdf.cell(columns[1], 5.5, text(row.current_text), border="B", align="R")
                pdf.cell(columns[2], 5.5, text(row.previous_text), border="B", align="R")
                pdf.cell(columns[3], 5.5, text(row.change_text), border="B", align="R")
                pdf.ln(5.5)
            pdf.ln(4)
    return bytes(pdf.output())


def _equity(pdf: Any, board: Any, *, family: str, text: Any, width: float) -> None:
    """The equity dashboard's exclusion table (already exact or suppressed for the reader): group, children
    enrolled, children excluded, risk and risk ratio (or why it is not calculated)."""
    columns = (width * 0.34, width * 0.14, width * 0.14, width * 0.12, width * 0.26)
    for dimension in board.dimensions:
        pdf.set_font(family, "B", 9)
        pdf.set_fill_color(240, 237, 232)
        for size, label in zip(columns, (_("Group"), _("Children enrolled"), _("Children excluded"), _("Risk"),
                                         _("Risk ratio")), strict=True):
            pdf.cell(size, 6, text(str(label)), border="B", fill=True)
        pdf.ln(6)
        pdf.set_font(family, "", 9)
        for row in dimension.rows:
            risk = "—" if row.risk_percent is None else f"{row.risk_percent:.1f} %"
            ratio = (f"{row.ratio:.2f}" if row.ratio is not None else str(row.not_calculated or "—"))[:40]
            for size, value in zip(columns, (row.label[:40], str(row.enrolled), str(row.with_outcome), risk, ratio),
                                   strict=True):
                pdf.cell(size, 5.5, text(value), border="B")
            pdf.ln(5.5)
        pdf.ln(4)
