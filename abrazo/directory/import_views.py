"""The directory import pages: choose a kind, upload, preview (every error, or counts and the first rows),
confirm, result. The network is the one the person holds the import permission in; what each row may touch
is decided by the import service (a coordinator's rows must be in her region)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from abrazo.core import tabular
from abrazo.core.decorators import requires
from abrazo.core.imports import ConfirmSteps, confirm_page
from abrazo.directory import imports, selectors
from abrazo.directory.imports import DirectoryKind
from abrazo.directory.models import Network
from abrazo.incidents.import_forms import ImportConfirmForm, ImportUploadForm

PERMISSION = imports.PERMISSION
UPLOAD_TEMPLATE = "directory/imports/upload.html"
CONFIRM_TEMPLATE = "directory/imports/confirm.html"


def _network(request: HttpRequest) -> Network:
    network = selectors.network_for(user=request.user, permission=PERMISSION)
    if network is None:
        raise Http404
    return network


def _kind(value: str) -> DirectoryKind:
    try:
        return DirectoryKind(value)
    except ValueError as exc:
        raise Http404 from exc


def _context(kind: DirectoryKind, network: Network, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind.value, "network": network,
        "upload_url": reverse("directory:import-upload", args=[kind.value]),
        "confirm_url": reverse("directory:import-confirm", args=[kind.value]),
        "template_url": reverse("directory:import-template", args=[kind.value]),
        "columns": imports.SPECS[kind],
        **extra,
    }


@requires(PERMISSION)
def import_home(request: HttpRequest) -> HttpResponse:
    network = _network(request)
    kinds = [
        {"kind": kind.value, "upload_url": reverse("directory:import-upload", args=[kind.value]),
         "template_url": reverse("directory:import-template", args=[kind.value])}
        for kind in DirectoryKind
    ]
    return render(request, "directory/imports/home.html", {"network": network, "kinds": kinds})


@requires(PERMISSION)
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    chosen = _kind(kind)
    network = _network(request)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = imports.upload_bytes(upload)
        filename = upload.name or ""
        try:
            table = imports.read_bytes(raw, filename=filename)
        except imports.ImportFileError as problem:
            form.add_error("file", problem.message)
        else:
            preview = imports.import_preview(user=request.user, network=network, kind=chosen, table=table)
            if preview.is_clean:
                token = imports.import_stage(user=request.user, network=network, kind=chosen, raw=raw,
                                             filename=filename, preview=preview)
                return redirect(f"{reverse('directory:import-confirm', args=[chosen.value])}?token={token}")
    return render(request, UPLOAD_TEMPLATE, _context(chosen, network, form=form, preview=preview))


def _staged_context(*, user: Any, network: Network, kind: DirectoryKind, token: str) -> dict[str, Any] | None:
    staged = imports.load_staged(user=user, network=network, kind=kind, token=token)
    if staged is None:
        return None
    return {"summary": staged.summary, "rows": staged.rows, "sample": staged.sample}


CONFIRM_STEPS = ConfirmSteps(
    imports.import_confirm, imports.finished, _staged_context, UPLOAD_TEMPLATE, CONFIRM_TEMPLATE,
    ImportUploadForm, ImportConfirmForm,
)


@requires(PERMISSION)
def import_confirm(request: HttpRequest, kind: str) -> HttpResponse:
    chosen = _kind(kind)
    network = _network(request)
    return confirm_page(request, CONFIRM_STEPS, _context(chosen, network), network=network, kind=chosen)


@requires(PERMISSION)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The columns of a kind of file with one example row (no one's data), to fill in."""
    chosen = _kind(kind)
    columns, example = imports.template_rows(chosen)
    response = HttpResponse(tabular.csv_bytes(columns, [example]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="abrazo-{chosen.value}-template.csv"'
    return response
