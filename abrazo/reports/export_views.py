"""The exports centre (/exports/): ask for a file, see your files, download or delete them. Views stay thin:
every decision is in export_service (permissions, scope, streaming or queueing, audit)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from abrazo.core.decorators import requires
from abrazo.reports import export_service
from abrazo.reports.export_kinds import DOWNLOAD_PERMISSION, KINDS, kinds_for
from abrazo.reports.models import ExportFormat


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What"))
    file_format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ExportFormat.choices,
                                    initial=ExportFormat.CSV)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_until = forms.DateField(label=gettext_lazy("Until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=gettext_lazy("Dates apply to requests, episodes, contacts, incidents "
                                                        "and exclusions."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        # Every kind is a valid answer, so that asking for one the person may not export reaches the service,
        # which refuses it with a 404 and audits the attempt; the menu offers only the ones they may.
        field.choices = [(key, kind.label) for key, kind in KINDS.items()]
        field.widget.choices = [
            (kind.key, kind.label if form == "identified" else _("%(kind)s (de-identified)") % {"kind": kind.label})
            for kind, form in kinds_for(user)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_until")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


@requires(DOWNLOAD_PERMISSION)
@require_http_methods(["GET", "POST"])
def centre(request: HttpRequest) -> HttpResponse:
    """GET: the form and the person's files. POST: a small export is the response itself; a large one is
    queued and the page comes back with it listed."""
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        started = export_service.export_start(
            user=request.user, kind_key=data["kind"], file_format=data["file_format"],
            filters={"from": data.get("date_from"), "until": data.get("date_until")},
        )
        if started.response is not None:
            return started.response
        messages.success(request, _("This export is large, so it is being prepared. We will email you when it is "
                                    "ready; it will also be listed below."))
        return redirect("exports:centre")
    exports = export_service.export_list_for(user=request.user)
    return render(request, "exports/centre.html", {"form": form, "exports": exports,
                                                   "threshold": export_service.queue_threshold(),
                                                   "ttl_days": export_service.ttl().days})


@requires(DOWNLOAD_PERMISSION)
def download(request: HttpRequest, export_id: UUID) -> HttpResponse:
    return export_service.export_download(user=request.user, export_id=export_id)


@requires(DOWNLOAD_PERMISSION)
@require_POST
def delete(request: HttpRequest, export_id: UUID) -> HttpResponse:
    export_service.export_delete(user=request.user, export_id=export_id)
    messages.success(request, _("The file was deleted."))
    return redirect("exports:centre")
