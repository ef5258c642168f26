"""The import pages: upload, preview (every error, or a summary and a Confirm button), result.

One program per page, reached through access.get_or_404 so that a program outside the person's scope
does not exist for them. The preview page and the result page are the same URL (the confirm URL), told
apart by the state of the token: staged, done, or neither (expired).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from abrazo.accounts import access
from abrazo.core import tabular
from abrazo.core.decorators import requires
from abrazo.core.imports import ConfirmSteps, confirm_page
from abrazo.directory.models import Program
from abrazo.incidents import imports
from abrazo.incidents.import_forms import ImportConfirmForm, ImportUploadForm
from abrazo.incidents.imports import ImportKind

PERMISSION = imports.PERMISSION
UPLOAD_TEMPLATE = "incidents/imports/upload.html"
CONFIRM_TEMPLATE = "incidents/imports/confirm.html"

_URLS = {
    ImportKind.ROSTER: (
        "incidents:import-roster", "incidents:import-roster-confirm", "incidents:import-roster-template",
    ),
    ImportKind.INCIDENTS: (
        "incidents:import-incidents", "incidents:import-incidents-confirm", "incidents:import-incidents-template",
    ),
}


def _program(request: HttpRequest, pk: UUID) -> Program:
    return access.get_or_404(request.user, PERMISSION, Program.objects.select_related("network"), pk=pk)


def _context(kind: ImportKind, program: Program, **extra: Any) -> dict[str, Any]:
    upload_url, confirm_url, template_url = _URLS[kind]
    columns, example = imports.template_rows(kind)
    required = imports.ROSTER_REQUIRED if kind == ImportKind.ROSTER else imports.INCIDENT_REQUIRED
    return {
        "kind": kind.value, "program": program,
        "upload_url": reverse(upload_url, args=[program.pk]),
        "confirm_url": reverse(confirm_url, args=[program.pk]),
        "template_url": reverse(template_url),
        "columns": [
            {"name": name, "required": name in required, "example": value}
            for name, value in zip(columns, example, strict=True)
        ],
        **extra,
    }


def _upload(request: HttpRequest, pk: UUID, kind: ImportKind) -> HttpResponse:
    program = _program(request, pk)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = imports.read_upload(upload, filename=upload.name or "")
        except imports.ImportFileError as problem:
            form.add_error("file", problem.message)
        else:
            preview = imports.preview(user=request.user, program=program, kind=kind, table=table)
            if preview.is_clean:
                token = imports.stage(user=request.user, program=program, kind=kind, table=table,
                                      summary=preview.summary)
                return redirect(f"{_context(kind, program)['confirm_url']}?token={token}")
    return render(request, UPLOAD_TEMPLATE, _context(kind, program, form=form, preview=preview))


def _staged_context(*, user: Any, program: Program, kind: ImportKind, token: str) -> dict[str, Any] | None:
    staged = imports.load_staged(user=user, program=program, kind=kind, token=token)
    if staged is None:
        return None
    return {"summary": staged.summary, "rows": len(staged.table.rows)}


CONFIRM_STEPS = ConfirmSteps(
    imports.import_confirm, imports.finished, _staged_context, UPLOAD_TEMPLATE, CONFIRM_TEMPLATE,
    ImportUploadForm, ImportConfirmForm,
)


def _confirm(request: HttpRequest, pk: UUID, kind: ImportKind) -> HttpResponse:
    program = _program(request, pk)
    return confirm_page(request, CONFIRM_STEPS, _context(kind, program), program=program, kind=kind)


def _template_file(kind: ImportKind) -> HttpResponse:
    columns, example = imports.template_rows(kind)
    response = HttpResponse(tabular.csv_bytes(columns, [example]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="abrazo-{kind.value}-template.csv"'
    return response


@requires(PERMISSION)
def import_roster(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _upload(request, pk, ImportKind.ROSTER)


@requires(PERMISSION)
def import_roster_confirm(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _confirm(request, pk, ImportKind.ROSTER)


@requires(PERMISSION)
def import_incidents(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _upload(request, pk, ImportKind.INCIDENTS)


@requires(PERMISSION)
def import_incidents_confirm(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _confirm(request, pk, ImportKind.INCIDENTS)


@requires(PERMISSION)
def roster_template(request: HttpRequest) -> HttpResponse:
    """The roster columns with one example row (no one's data), to fill in."""
    return _template_file(ImportKind.ROSTER)


@requires(PERMISSION)
def incidents_template(request: HttpRequest) -> HttpResponse:
    return _template_file(ImportKind.INCIDENTS)
