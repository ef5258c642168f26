"""Stored cross-site scripting: the corpus in every free-text field renders inert everywhere it is shown.

The permission matrix's records (tests/security/matrix.py: a record of every kind inside and outside every
scope, made by the factories) get the corpus of tests/security/xss_corpus.py written into every free-text
field, people's names included. Then:

- every page the matrix knows (tests/security/routes.py) is opened, as a role that may open it, with its
  record inside the role's scope: first with Django's test client, which sorts pages from files, then every
  page in one Chromium: no dialog, `window.__xss` never set, no Content-Security-Policy violation, and no
  inline script, `on...` attribute or `javascript:` link in the DOM;
- every file those URLs answer (CSV, XLSX, PDF), every export kind in both forms, and the emails sent about
  the poisoned records: the payload is literal text, never markup or a formula; a PDF carries no JavaScript.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from abrazo.accounts.models import Role
from tests.browser.test_service_loop import sign_in_as
from tests.security.matrix import (
    ANONYMOUS,
    GET_ANSWERS,
    POST_ANSWERS,
    ROLES,
    URL_CHOICES,
    MatrixWorld,
    build_matrix_world,
)
from tests.security.routes import Route, project_routes
from tests.security.test_permission_matrix import _scoping_permission, expected_answer
from tests.security.xss_corpus import ALL_PAYLOADS, DOM_PROBE, INIT_SCRIPT, PAYLOADS, seed_corpus

pytestmark = pytest.mark.django_db(transaction=True)

# The network administrator reaches most pages; a page they may not open is visited by the first role that may.
PREFERRED_ROLES = (Role.NETWORK_ADMIN.value, *ROLES, ANONYMOUS)
# Marks a PDF would need to run code or act on opening. (An /OpenAction that is only a page and a zoom, as
# fpdf2 writes it, is allowed: check_pdf requires it to be a destination array, never an action dictionary.)
PDF_ACTIVE = (b"/JS", b"/JavaScript", b"/AA", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/SubmitForm")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Visit:
    route: Route
    role: str
    url: str


def _visits(matrix: MatrixWorld) -> list[Visit]:
    """One visit per page: the URL with its record inside the scope, as the first role POLICY grants it to."""
    visits = []
    for route in project_routes():
        if route.name in POST_ANSWERS or GET_ANSWERS.get(route.name, 200) != 200:
            continue  # acts on POST only, or answers GET with a redirect: no page to show
        for role in PREFERRED_ROLES:
            if route.name in URL_CHOICES:
                _argument, known, _unknown = URL_CHOICES[route.name]
                placement, url = "known", matrix.url(route, known[0])
            elif route.kwargs:
                from abrazo.accounts.access import POLICY

                scope = POLICY.get(_scoping_permission(route), {}).get(Role(role)) if role != ANONYMOUS else None
                inside, _outside = matrix.inside_and_outside(route, scope, role)
                placement, url = "inside", matrix.url(route, inside)
            else:
                placement, url = "-", matrix.url(route)
            if expected_answer(route, role, placement) == 200:
                visits.append(Visit(route, role, url))
                break
    return visits


def _clients(matrix: MatrixWorld) -> dict[str, Client]:
    clients = {ANONYMOUS: Client(raise_request_exception=False)}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(matrix.people[role])
    return clients


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- files ------------------------------------------------------------------------------------------------


def check_csv(data: bytes, where: str) -> int:
    """Every payload in the file is the literal text that was stored (not HTML-escaped, not a formula).
    Returns how many cells held a payload."""
    text = data.decode("utf-8-sig")
    hits = 0
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if any(marker in cell for marker in ("&lt;script", "&quot;&gt;")) and "&lt;script&gt;alert(12)" not in cell:
                raise AssertionError(f"{where}: a cell was HTML-escaped instead of written as text: {cell[:80]!r}")
            hits += any(payload in cell for payload in ALL_PAYLOADS)
    return hits


def check_xlsx(data: bytes, where: str) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    hits = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                # a payload is a plain string cell: never a formula, never a hyperlink
                assert cell.data_type != "f", f"{where}: formula cell {cell.coordinate}: {cell.value!r}"
                assert cell.hyperlink is None, f"{where}: hyperlink in {cell.coordinate}"
                if isinstance(cell.value, str):
                    hits += any(payload in cell.value for payload in ALL_PAYLOADS)
    return hits


def check_pdf(data: bytes, where: str) -> None:
    assert data.startswith(b"%PDF"), f"{where}: not a PDF"
    active = [mark for mark in PDF_ACTIVE if re.search(re.escape(mark) + rb"(?![A-Za-z])", data)]
    assert not active, f"{where}: the PDF carries active content {active}"
    for target in re.findall(rb"/OpenAction\s*(.)", data):
        assert target == b"[", f"{where}: the PDF's /OpenAction is an action, not a page to open at"
    assert not re.search(rb"/URI\s*\(\s*(?i:javascript|data):", data), f"{where}: a link with an active URL"


def check_email(message: Any) -> None:
    """Abrazo's emails are plain text: a payload in one is text a mail client shows, never markup it renders."""
    assert message.content_subtype == "plain", f"{message.subject!r} is sent as {message.content_subtype}"
    for content, mimetype in getattr(message, "alternatives", []):
        assert mimetype != "text/html" or not any(p in content for p in PAYLOADS), f"raw payload in {message.subject!r}"
    assert "\n" not in message.subject and "\r" not in message.subject


def _send_emails_about(matrix: MatrixWorld) -> None:
    """Run the email tasks for the poisoned records (what the services queue after they commit)."""
    from abrazo.consultations.models import Episode
    from abrazo.consultations.tasks import send_assignment_email
    from abrazo.intake.models import Request
    from abrazo.intake.tasks import send_acknowledgement
    from abrazo.workforce.application_tasks import send_application_acknowledgement
    from abrazo.workforce.models import Application

    for request in Request.objects.exclude(requester_email="")[:3]:
        send_acknowledgement.func(str(request.pk))
    for episode in Episode.objects.exclude(consultant=None)[:3]:
        send_assignment_email.func(str(episode.pk))
    for application in Application.objects.all()[:3]:
        send_application_acknowledgement.func(str(application.pk))


# --- the test ---------------------------------------------------------------------------------------------


def test_stored_xss_corpus_is_inert_everywhere(live_server, browser, world, settings, tmp_path, capsys):
    started = time.monotonic()
    settings.MEDIA_ROOT = tmp_path / "media"
    # The public site shows the first network by name when none is set; the corpus renames every network.
    settings.ABRAZO_SITE_NETWORK = world.network.slug
    matrix = build_matrix_world(world)
    seeded = seed_corpus()
    assert seeded.rows > 100 and len(seeded.fields) > 50, f"only {len(seeded.fields)} fields seeded"
    # the names people read most are among them
    for label, name in (("directory.Program", "name"), ("incidents.Child", "code"), ("accounts.User",
                        "full_name"), ("incidents.Incident", "notes"), ("library.Resource", "title")):
        assert (label, name) in seeded.fields, f"{label}.{name} was not seeded: {sorted(seeded.fields)}"

    # given every page of the matrix, sorted by what it answers
    visits = _visits(matrix)
    clients = _clients(matrix)
    pages: list[Visit] = []
    files = {"csv": 0, "xlsx": 0, "pdf": 0}
    payload_cells = 0
    failures: list[str] = []
    for visit in visits:
        response = clients[visit.role].get(visit.url)
        content_type = response.get("Content-Type", "")
        where = f"{visit.route.name} as {visit.role} ({visit.url})"
        if response.status_code != 200:
            failures.append(f"{where}: answered {response.status_code} with the corpus in the database")
        elif content_type.startswith("text/html"):
            pages.append(visit)
        elif content_type.startswith("text/csv"):
            files["csv"] += 1
            payload_cells += check_csv(_body(response), where)
        elif content_type.startswith(XLSX_TYPE):
            files["xlsx"] += 1
            payload_cells += check_xlsx(_body(response), where)
        elif content_type.startswith("application/pdf"):
            files["pdf"] += 1
            check_pdf(_body(response), where)

    # and every export kind, in each form a role gets it
    from abrazo.reports import export_service
    from abrazo.reports.export_kinds import kinds_for

    export_cells = 0
    exported_kinds = set()
    for role in (Role.NETWORK_ADMIN.value, Role.EVALUATOR.value):
        user = matrix.people[role]
        for kind, _form in kinds_for(user):
            csv_plan = export_service.export_plan(user=user, kind_key=kind.key, file_format="csv")
            export_cells += check_csv(b"".join(export_service.csv_chunks(csv_plan)), f"export {kind.key} ({role})")
            xlsx_plan = export_service.export_plan(user=user, kind_key=kind.key, file_format="xlsx")
            buffer = io.BytesIO()
            export_service.write_xlsx(xlsx_plan, buffer)
            export_cells += check_xlsx(buffer.getvalue(), f"export {kind.key} xlsx ({role})")
            exported_kinds.add(kind.key)

    # and the emails sent about the poisoned records
    mail.outbox.clear()
    _send_emails_about(matrix)
    for message in mail.outbox:
        check_email(message)
    assert any(any(p in m.body for p in PAYLOADS) for m in mail.outbox), "no email carried a payload"

    # when every page is opened in one browser, one context per role
    dialogs: list[str] = []
    console_csp: list[str] = []
    by_role: dict[str, list[Visit]] = {}
    for visit in pages:
        by_role.setdefault(visit.role, []).append(visit)
    for role, role_visits in by_role.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog, page=page: (dialogs.append(f"{page.url}: {dialog.message}"),
                                                     dialog.dismiss()))
        page.on("console", lambda message, page=page: console_csp.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)
        if role != ANONYMOUS:
            sign_in_as(page, live_server, matrix.people[role])
        for visit in role_visits:
            page.goto(live_server.url + visit.url, wait_until="load")
            # focus and hover the page's fields and links, which autofocus/onfocus/onmouseover payloads wait for
            page.keyboard.press("Tab")
            probe = page.evaluate(DOM_PROBE)
            where = f"{visit.route.name} as {role} ({visit.url})"
            if probe["xss"] != "undefined":
                failures.append(f"{where}: window.__xss was set")
            if probe["found"]:
                failures.append(f"{where}: injected markup {probe['found'][:5]}")
            if probe["violations"]:
                failures.append(f"{where}: CSP violations {probe['violations'][:3]}")
            if probe["templateRendered"]:
                failures.append(f"{where}: stored template syntax was rendered")
        context.close()

    # then nothing ran, nothing was blocked, nothing was injected, anywhere
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nxss corpus: {len(seeded.fields)} fields x {seeded.rows} rows seeded; {len(pages)} pages in the browser "
            f"as {len(by_role)} roles, files {files}, {len(exported_kinds)} export kinds ({payload_cells} + "
            f"{export_cells} cells with a payload), {len(mail.outbox)} emails; {elapsed:.0f}s"
        )
    assert not dialogs, dialogs
    assert not console_csp, "\n".join(sorted(set(console_csp)))
    assert not failures, "\n".join(failures)
    # and the walk really covered pages, files and exports carrying the corpus
    assert len(pages) > 100
    assert export_cells > 0 and exported_kinds
