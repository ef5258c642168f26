"""REDCap record files for one instrument: upload -> map and preview -> confirm, and the flat export.

The uploaded file is staged in the cache under a random token that only the person who uploaded it, for
this instrument, can use for an hour (as the dictionary import does); the browser holds the token. The
mapping form (identifier column, what it holds, each event's time point) is shown with the preview and
posted again to confirm, so what is imported is exactly what was previewed.

Evaluators may import and export, but never see child codes or episode references: their preview shows
counts only, and their export has record ids that mean nothing outside the one file.
"""

from __future__ import annotations

import base64
import io
import secrets
import zipfile
import zlib
from typing import Any
from uuid import UUID

from django import forms
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.core.decorators import requires
from abrazo.directory.models import Network, Program
from abrazo.measures import record_import
from abrazo.measures.models import Instrument, Timepoint
from abrazo.measures.record_import import KeyKind, Mapping, RecordsRejected
from abrazo.measures.redcap_import import form_name
from abrazo.measures.redcap_views import shown

PERMISSION = record_import.PERMISSION
UPLOAD_TEMPLATE = "measures/records/upload.html"
MAP_TEMPLATE = "measures/records/map.html"
STAGE_TTL_SECONDS = 60 * 60
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _networks(user: Any) -> list[Network]:
    return list(access.visible(user, PERMISSION, Network.objects.all()).order_by("name", "id"))


def _instrument(user: Any, pk: UUID) -> tuple[Instrument, Network]:
    """An instrument of the person's network (or one Abrazo ships), and the network it is used in; 404."""
    networks = _networks(user)
    instrument = (
        Instrument.objects.filter(Q(network__isnull=True) | Q(network__in=networks), pk=pk)
        .prefetch_related("items").first()
    )
    if instrument is None or not networks:
        from abrazo.audit import services as audit

        audit.record_denied(user=user, object_type="measures.instrument", object_id=str(pk))
        raise Http404
    network = next((network for network in networks if network.pk == instrument.network_id), networks[0])
    return instrument, network


# --- export -----------------------------------------------------------------------------------------------



@requires(PERMISSION)
def records_export(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A zip of the instrument's completed administrations as a REDCap record export, and its dictionary."""
    instrument, network = _instrument(request.user, pk)
    records_text, dictionary_text = record_import.export_records(actor=request.user, network=network,
                                                                 instrument=instrument)
    form = form_name(instrument)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{form}_records.csv", records_text.encode("utf-8"))
        archive.writestr(f"{form}_dictionary.csv", dictionary_text.encode("utf-8"))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{form}_redcap.zip"'
    response["Cache-Control"] = "no-store"
    return response


# --- import -----------------------------------------------------------------------------------------------


class RecordUploadForm(forms.Form):
    file = forms.FileField(
        label=_("REDCap record export (CSV)"),
        help_text=_("In REDCap: Data Exports, export this instrument as CSV (raw data). Nothing is imported "
                    "until you have checked the preview."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Choose the export's CSV file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB; export fewer records at a time."))
        return upload


TIMEPOINT_CHOICES = [("", _("Leave out")), *Timepoint.choices]


class MappingForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    id_column = forms.ChoiceField(label=_("Column with the Abrazo identifier"))
    key_kind = forms.ChoiceField(label=_("The column holds"), choices=[
        (KeyKind.EPISODE, _("The episode reference")),
        (KeyKind.CHILD_CODE, _("The child's code at a program")),
    ])
    program = forms.ModelChoiceField(label=_("Program whose child codes these are"), queryset=Program.objects.none(),
                                     required=False)
    timepoint = forms.ChoiceField(label=_("Time point of every record"), choices=Timepoint.choices,
                                  required=False, help_text=_("The file has no events."))
    skip_unmatched = forms.BooleanField(
        label=_("Leave out the records that match no episode"), required=False,
        help_text=_("Without this, a file with any unmatched record imports nothing."),
    )

    def __init__(self, *args: Any, columns: list[str], events: list[str], network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events = events
        self.fields["id_column"].choices = [(name, name) for name in columns]  # type: ignore[attr-defined]
        program = self.fields["program"]
        program.queryset = Program.objects.filter(network=network).order_by("name")  # type: ignore[attr-defined]
        if events:
            del self.fields["timepoint"]
        for number, event in enumerate(events):
            self.fields[f"event_{number}"] = forms.ChoiceField(
                label=_("Event %(event)s is") % {"event": event}, choices=TIMEPOINT_CHOICES, required=False,
                initial=record_import.guess_timepoint(event),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("key_kind") == KeyKind.CHILD_CODE and not data.get("program"):
            self.add_error("program", _("Choose the program whose child codes the file holds."))
        return data

    def mapping(self) -> Mapping:
        data = self.cleaned_data
        events = {event: data.get(f"event_{number}") or "" for number, event in enumerate(self.events)}
        return Mapping(id_column=data["id_column"], key_kind=data["key_kind"], program=data.get("program"),
                       events=events, timepoint=data.get("timepoint") or Timepoint.PRE)


def _stage_key(token: str) -> str:
    return f"abrazo:redcap-records:staged:{token}"


def _stage(user: Any, instrument: Instrument, raw: bytes) -> str:
    token = secrets.token_urlsafe(24)
    cache.set(_stage_key(token), {"user": str(user.pk), "instrument": str(instrument.pk),
                                  "raw": base64.b64encode(zlib.compress(raw)).decode("ascii")},
              timeout=STAGE_TTL_SECONDS)
    return token


def _staged(user: Any, instrument: Instrument, token: str) -> bytes | None:
    if not token or len(token) > 64:
        return None
    payload = cache.get(_stage_key(token))
    if not isinstance(payload, dict) or payload.get("user") != str(user.pk) \
            or payload.get("instrument") != str(instrument.pk):
        return None
    try:
        return zlib.decompress(base64.b64decode(payload["raw"]))
    except (KeyError, ValueError, zlib.error):
        return None


def _identifier_columns(dictionary: Any) -> list[str]:
    """The record id, then the form's text fields: the columns that can hold an Abrazo identifier."""
    fields = dictionary.fields
    return [fields[0].name, *(item.name for item in fields[1:] if item.field_type == "text")]


@requires(PERMISSION)
def records_import(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Upload (no token), map and preview (token), confirm (token, posted with `confirm`)."""
    instrument, network = _instrument(request.user, pk)
    here = reverse("measures:records-import", args=[instrument.pk])
    context: dict[str, Any] = {"instrument": instrument, "import_url": here,
                               "identified": record_import.sees_identifiers(request.user, network)}
    token = request.POST.get("token") or request.GET.get("token", "")
    if not token:
        form = RecordUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            _dictionary, records = record_import.read_upload(instrument, raw)
            if records.errors:
                return render(request, UPLOAD_TEMPLATE, {**context, "form": form, "problems": shown(records.errors)})
            return redirect(f"{here}?token={_stage(request.user, instrument, raw)}")
        return render(request, UPLOAD_TEMPLATE, {**context, "form": form})

    raw = _staged(request.user, instrument, token)
    if raw is None:
        return render(request, MAP_TEMPLATE, {**context, "state": "expired"})
    dictionary, records = record_import.read_upload(instrument, raw)
    kwargs = {"columns": _identifier_columns(dictionary), "events": record_import.events_of(records),
              "network": network}
    if request.method != "POST":
        form = MappingForm(initial={"token": token}, **kwargs)
        return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form, "records": records})
    form = MappingForm(request.POST, **kwargs)
    if not form.is_valid():
        return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form, "records": records})
    mapping = form.mapping()
    if "confirm" in request.POST:
        try:
            done = record_import.import_records(
                actor=request.user, network=network, instrument=instrument, dictionary=dictionary,
                records=records, mapping=mapping, skip_unmatched=form.cleaned_data["skip_unmatched"],
            )
        except RecordsRejected as rejected:
            return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form, "records": records,
                                                  "rejected": rejected.problems})
        cache.delete(_stage_key(token))
        return render(request, MAP_TEMPLATE, {**context, "state": "done", "imported": len(done)})
    found = record_import.preview(network=network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping)
    return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form, "records": records,
                                          "preview": found})
