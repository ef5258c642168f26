"""Formula injection: no cell of any CSV or XLSX file Abrazo hands out can run as a spreadsheet formula.

The project's rule (abrazo/core/tabular.py, and the PostgreSQL COPY path in reports/export_writers.py): a text cell
that starts with = + - @, a tab or a carriage return gets an apostrophe in front, so a spreadsheet shows it as
text; numbers stay numbers (a negative number is not a formula). XLSX text is always a string cell, never a
formula cell.

Which files are checked, and how a new one cannot slip past:
- every export of the exports centre (reports.export_kinds.KINDS), in both formats, both served at once and
  built in the queue (on PostgreSQL, by COPY), after every text column it writes is seeded with the payloads;
- every download link on every page of the permission matrix's walk (the report tables, equity dashboard tables,
  outcomes, workforce capacity and feedback, REDCap record exports...), fetched by the role the walk opened the
  page as, after the world's names and codes are seeded with the payloads;
- the import templates;
- a route that looks like a file (export, download, template, .csv) must be one of EXPORT_ROUTES, else the test
  fails and says where to add it; and every module that writes CSV or XLSX itself, rather than through
  core.tabular, must be in HAND_WRITTEN with the reason.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from abrazo.directory.models import Classroom, Program, Region
from abrazo.incidents.models import Child
from abrazo.reports.export_kinds import KINDS
from abrazo.reports.models import ExportFile, ExportStatus
from tests.security.matrix import URL_CHOICES, MatrixWorld
from tests.security.routes import Route, project_routes
from tests.security.test_headers import signed_in_clients, visits

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]

PAYLOADS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Every URL that answers a CSV or XLSX file, and how this test reaches it.
EXPORT_ROUTES: dict[str, str] = {
    "exports:centre": "POST of every kind in KINDS, in both formats",
    "exports:download": "the queued build of every kind, downloaded",
    "reports:download": "download links on the network report page",
    "equity:export": "download links on the equity dashboard",
    "measures:outcomes-export": "download links on the outcomes page",
    "measures:records-export": "download links on an instrument's page",
    "workforce:capacity-export": "download links on the capacity report",
    "workforce:feedback-export": "download links on the feedback overview",
    "directory:import-template": "opened for every kind of directory import",
    "incidents:import-roster-template": "opened directly",
    "incidents:import-incidents-template": "opened directly",
}
# URLs that look like files but are not spreadsheets Abrazo writes, each with the reason.
NOT_SPREADSHEETS: dict[str, str] = {
    "exports:delete": "POST only; deletes an export file",
    "library:resource-file": "a curated resource's own uploaded file (PDF, document), served as uploaded",
    "library:curation-resource-file": "the same, for curators before publication",
    "measures:redcap-export": "a REDCap data dictionary: REDCap reads branching logic and calculations from its "
    "cells (=, + and - among them), so it is written exactly; only instrument managers get it (HAND_WRITTEN)",
}
LOOKS_LIKE_A_FILE = re.compile(r"export|download|template|\.csv|\.xlsx", re.IGNORECASE)

# Modules that write CSV or XLSX without core.tabular's writers, and why that is safe.
HAND_WRITTEN: dict[str, str] = {
    "abrazo/core/tabular.py": "the writers themselves",
    "abrazo/reports/export_writers.py": "the PostgreSQL COPY path neutralises in SQL, tested here on PostgreSQL",
    "abrazo/measures/redcap.py": "REDCap data dictionary, exact by design (NOT_SPREADSHEETS)",
    "abrazo/measures/redcap_records.py": "REDCap record files; export_records applies formula_safe to free text",
    "abrazo/equity/management/commands/equity.py": "command-line CSV; ids and group names pass formula_safe",
}
WRITES_A_SPREADSHEET = re.compile(r"csv\.(?:writer|DictWriter)\(|openpyxl|xlsxwriter|Workbook\(")


# --- reading cells ------------------------------------------------------------------------------------------


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def cells(content: bytes, file_format: str) -> list[tuple[Any, str]]:
    """(value, kind) of every cell; kind is 'f' for an XLSX formula cell, 's' for text, 'n' for the rest."""
    if file_format == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        found = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    value = cell.value
                    if isinstance(value, str):  # Excel's escapes for control characters, as Excel reads them
                        value = value.replace("_x000D_", "\r").replace("_x0009_", "\t")
                    found.append((value, cell.data_type))
        return found
    if file_format == "zip":  # a REDCap bundle: the record file is for people; the dictionary is exact by design
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [name for name in archive.namelist() if name.endswith("_records.csv")]
            assert names, archive.namelist()
            return [found for name in names for found in cells(archive.read(name), "csv")]
    text = content.decode("utf-8-sig")
    return [(cell, "s") for row in csv.reader(io.StringIO(text, newline="")) for cell in row if cell != ""]


def formula_cells(found: list[tuple[Any, str]], file_format: str) -> list[str]:
    bad = []
    for value, kind in found:
        if kind == "f":
            bad.append(f"formula cell {value!r}")
        # a CSV number such as -2.5 is read by a spreadsheet as a number, not a formula; an XLSX text cell is
        # text whatever it holds, but Abrazo neutralises it there too (a user may re-save it as CSV)
        elif (
            isinstance(value, str)
            and value.startswith(FORMULA_STARTS)
            and not (file_format != "xlsx" and _is_number(value))
        ):
            bad.append(repr(value))
    return bad


def neutralised(found: list[tuple[Any, str]]) -> list[str]:
    """Cells holding a payload, written as literal text (the apostrophe, then the payload's first character)."""
    return [
        value
        for value, kind in found
        if kind == "s" and isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS
    ]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def file_format_of(response: Any) -> str | None:
    content_type = response.headers.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        return "xlsx"
    if "text/csv" in content_type:
        return "csv"
    if content_type == "application/zip":
        return "zip"
    return None


# --- seeding ------------------------------------------------------------------------------------------------

_counter = itertools.count()


def _text_field(model: type[models.Model], path: str) -> tuple[type[models.Model], models.Field[Any, Any]] | None:
    """The model and field a column path ("program__region__name") ends at, if it is free text."""
    *relations, name = path.split("__")
    for relation in relations:
        field = model._meta.get_field(relation)
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model  # type: ignore[assignment]
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # an annotation, not a field
        return None
    if not isinstance(field, models.CharField | models.TextField) or field.choices or field.primary_key:
        return None
    return model, field


def seed(model: type[models.Model], field: models.Field[Any, Any]) -> int:
    """Give every row of the model a payload in this field (a different one per row, each unique)."""
    seeded = 0
    for pk in model._default_manager.values_list("pk", flat=True):
        number = next(_counter)
        suffix = f" {number}"
        limit = (field.max_length or 60) - len(suffix)
        value = PAYLOADS[number % len(PAYLOADS)][:limit] + suffix
        try:
            with transaction.atomic():
                model._default_manager.filter(pk=pk).update(**{field.name: value})
            seeded += 1
        except IntegrityError:  # a format the database checks (a constraint); leave that row alone
            continue
    return seeded


def seed_world() -> None:
    """Payloads in every free-text column of every export kind, and in the names reports and dashboards show."""
    for kind in KINDS.values():
        base = apps.get_model(kind.model_label)
        for column in kind.columns:
            if found := _text_field(base, column.path):
                seed(*found)
    for model, name in ((Program, "name"), (Region, "name"), (Classroom, "name"), (Child, "code")):
        seed(model, model._meta.get_field(name))


# --- the exports centre -------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_export_kind_writes_payloads_as_literal_text(matrix_world, file_format):
    # given every text column of every export kind holding formula payloads
    seed_world()
    client = Client()
    client.force_login(matrix_world.people["network_admin"])
    for key, kind in KINDS.items():
        # when the network admin exports it
        response = client.post(reverse("exports:centre"), {"kind": key, "file_format": file_format})
        assert response.status_code == 200, (key, response.status_code)
        assert file_format_of(response) == file_format
        found = cells(body(response), file_format)
        # then no cell is a formula, and the payloads are there as text
        assert not formula_cells(found, file_format), (key, formula_cells(found, file_format))
        seeded_columns = [
            column for column in kind.columns if _text_field(apps.get_model(kind.model_label), column.path)
        ]
        if seeded_columns and len(found) > len(kind.headers):  # rows under the header
            assert neutralised(found), f"{key}: no payload in the file, so the check above proves nothing"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_queued_exports_write_payloads_as_literal_text(
    matrix_world, settings, file_format, django_capture_on_commit_callbacks
):
    # given the same payloads, and every export big enough to go to the queue (on PostgreSQL, CSV is built by COPY)
    seed_world()
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 0
    admin = matrix_world.people["network_admin"]
    client = Client()
    client.force_login(admin)
    for key in KINDS:
        # when the export is built in the queue and downloaded
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("exports:centre"), {"kind": key, "file_format": file_format})
        export = ExportFile.objects.filter(owner=admin).latest("created_at")
        assert export.status == ExportStatus.READY, key
        found = cells(body(client.get(reverse("exports:download", args=[export.pk]))), file_format)
        # then no cell is a formula
        assert not formula_cells(found, file_format), (key, formula_cells(found, file_format))
    assert ExportFile.objects.filter(owner=admin).count() == len(KINDS)


# --- every download link of every page ----------------------------------------------------------------------


def route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


def test_every_download_on_every_page_writes_payloads_as_literal_text(matrix_world: MatrixWorld, capsys):
    # given the world's names and codes holding formula payloads, and a client per role
    seed_world()
    clients = signed_in_clients(matrix_world)
    fetched: dict[str, int] = {}
    problems, payloads_seen = [], 0
    done: set[tuple[str, str]] = set()
    # when every page of the walk is opened and each download link on it is followed, in both formats
    for visit in visits(matrix_world):
        page = clients[visit.role].get(visit.url)
        if "html" not in page.headers.get("Content-Type", "") or page.streaming:
            continue
        links = set(re.findall(r'href="([^"]+)"', page.content.decode()))
        for link in sorted(links):
            link = link.replace("&amp;", "&")
            name = route_of(link)
            if (
                name not in EXPORT_ROUTES
                or name in ("exports:centre", "exports:download")
                or (visit.role, link) in done
            ):
                continue  # the centre's page and its files are tested above; a link on every page is fetched once
            done.add((visit.role, link))
            response = clients[visit.role].get(link)
            file_format = file_format_of(response)
            if response.status_code != 200 or file_format is None:
                problems.append(f"{link} from {visit.route.name} as {visit.role}: {response.status_code}")
                continue
            found = cells(body(response), file_format)
            problems += [f"{link}: {cell}" for cell in formula_cells(found, file_format)]
            payloads_seen += len(neutralised(found))
            fetched[str(name)] = fetched.get(str(name), 0) + 1
    # and the import templates are opened
    admin = clients["network_admin"]
    templates = [reverse(name) for name in ("incidents:import-roster-template", "incidents:import-incidents-template")]
    argument, known, _unknown = URL_CHOICES["directory:import-template"]
    templates += [reverse("directory:import-template", kwargs={argument: value}) for value in known]
    for url in templates:
        response = admin.get(url)
        assert response.status_code == 200, url
        problems += [f"{url}: {cell}" for cell in formula_cells(cells(body(response), "csv"), "csv")]
        fetched[str(route_of(url))] = fetched.get(str(route_of(url)), 0) + 1
    # and an export whose page shows no link for this world's data (no figures yet) is opened directly, both formats
    for name in sorted(set(EXPORT_ROUTES) - set(fetched) - {"exports:centre", "exports:download"}):
        for file_format in ("csv", "xlsx"):
            response = admin.get(reverse(name), {"format": file_format})
            assert response.status_code == 200 and file_format_of(response) == file_format, (name, file_format)
            problems += [f"{name}: {cell}" for cell in formula_cells(cells(body(response), file_format), file_format)]
            fetched[name] = fetched.get(name, 0) + 1
    with capsys.disabled():
        print(
            f"\nexport formulas: files fetched per export {dict(sorted(fetched.items()))}, "
            f"{payloads_seen} payload cells written as text"
        )
    # then no cell of any file is a formula
    assert not problems, "\n".join(problems)
    # and every export except the centre's (tested above) was reached through the pages, with payloads in them
    assert set(EXPORT_ROUTES) - {"exports:centre", "exports:download"} <= set(fetched), sorted(
        set(EXPORT_ROUTES) - set(fetched)
    )
    assert payloads_seen > 0


# --- nothing new slips past -------------------------------------------------------------------------------


def file_like_routes(routes: list[Route]) -> set[str]:
    return {route.name for route in routes if LOOKS_LIKE_A_FILE.search(f"{route.name} {route.route}")}


def test_every_url_that_looks_like_a_file_is_classified():
    # given the project's URLs whose name or path says "export", "download", "template", ".csv" or ".xlsx"
    routes = project_routes()
    found = file_like_routes(routes)
    # then each is an export this test fetches or a file that is not a spreadsheet, with the reason
    unclassified = found - set(EXPORT_ROUTES) - set(NOT_SPREADSHEETS)
    assert not unclassified, (
        f"{sorted(unclassified)}: add each to EXPORT_ROUTES in {__name__} (and make sure the test reaches it) or, "
        "if it is not a CSV/XLSX Abrazo writes, to NOT_SPREADSHEETS with the reason"
    )
    # and the tables name no URL that is gone
    names = {route.name for route in routes}
    assert (set(EXPORT_ROUTES) | set(NOT_SPREADSHEETS)) <= names


def test_a_new_export_url_would_be_caught():
    # given a route named like an export that nobody added to the tables
    def view(request):  # pragma: no cover - never called
        raise AssertionError

    routes = [Route(name="things:export", route="things/export/", callback=view, kwargs=(), converters={})]
    # then it is reported
    assert file_like_routes(routes) - set(EXPORT_ROUTES) - set(NOT_SPREADSHEETS) == {"things:export"}


def test_every_hand_written_spreadsheet_writer_is_reviewed():
    # given every module of the project that writes CSV or XLSX itself
    writers = {
        str(path.relative_to(PROJECT))
        for path in (PROJECT / "abrazo").rglob("*.py")
        if "tests" not in path.parts and WRITES_A_SPREADSHEET.search(path.read_text(encoding="utf-8"))
    }
    # then each is known, with the reason its cells are safe (everything else goes through core.tabular)
    assert writers, "the scan found no writer at all"
    assert writers <= set(HAND_WRITTEN), (
        f"{sorted(writers - set(HAND_WRITTEN))} write CSV/XLSX without core.tabular: use tabular.csv_bytes, "
        "csv_stream, xlsx_bytes or xlsx_write, or add the module to HAND_WRITTEN with the reason its cells are safe"
    )
