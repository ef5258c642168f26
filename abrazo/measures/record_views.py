"""REDCap record files for one instrument: upload -> map and preview -> confirm, and the flat export.

The uploaded file is staged in the cache under a random token that only the person who uploaded it, for
this instrument, can use for an hour (as the dictionary import does); the browser holds the token. The
mapping form (identifier column, what it holds, each event's time point) is shown with the preview and
posted again to confirm, so what is imported is exactly what was previewed.

Evaluators may import and export, but never see child codes or episode references: their preview shows
counts only, and their export has record ids that mean nothing outside the one file. Nor do they see who
the respondents are (they do not browse program staff): they get the respondent counts and the lines whose
respondent is not found, which speak only of their own file.

Problems are shown in the reader's language: the record reader's and the import's codes are translated
here (the dictionary pages' messages say different things for some of the same codes), and a code missing
here falls back to the reader's English message.
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
from abrazo.core.uploads import refuse_malware_signature
from abrazo.directory.models import Network, Program
from abrazo.measures import record_import
from abrazo.measures.models import Instrument, Timepoint
from abrazo.measures.record_import import KeyKind, Mapping, RecordsRejected
from abrazo.measures.redcap import Problem
from abrazo.measures.redcap_import import form_name
from abrazo.measures.redcap_records import RecordFile
from abrazo.measures.redcap_views import ShownProblem

PERMISSION = record_import.PERMISSION
UPLOAD_TEMPLATE = "measures/records/upload.html"
MAP_TEMPLATE = "measures/records/map.html"
STAGE_TTL_SECONDS = 60 * 60
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# The record reader's problem codes (redcap_records), for the upload page.
RECORD_PROBLEM_MESSAGES: dict[str, Any] = {
    "encoding": _("The file is not UTF-8 text; export it again from REDCap as CSV."),
    "csv": _("This line cannot be read as CSV: a quote is probably missing or out of place."),
    "empty": _("The file is empty; the first line must be the export's header."),
    "record_id_first": _("The record id must be the first column, and only the first."),
    "column_twice": _("This column appears twice."),
    "column_unknown": _("This instrument has no such question or checkbox choice, and the column is not among "
                        "another form's columns (each form's columns end with its _complete column). If the "
                        "form was changed in REDCap, import its data dictionary again first."),
    "column_order": _("The column is out of the order REDCap exports the form's questions in."),
    "column_missing": _("The file has this instrument's other columns but not this one; export the whole "
                        "instrument."),
    "form_absent": _("The file has no column of this instrument's form: it is an export of another instrument "
                     "or another project."),
    "row_too_long": _("The row has more cells than the header: a quote or a comma is probably missing."),
    "record_missing": _("The record id is blank."),
    "event_invalid": _("Not a REDCap unique event name (such as baseline_arm_1)."),
    "instance_invalid": _("A repeat instance is a whole number from 1."),
    "instance_missing": _("A repeating instrument's row needs its instance number."),
    "form_unknown": _("No form of this name is in the file."),
    "repeat_other_form": _("A repeating instrument's row also holds answers to another form."),
    "completion_invalid": _("A form's status is 0 (incomplete), 1 (unverified) or 2 (complete)."),
    "checkbox_invalid": _("A checkbox column holds 0 or 1."),
    "choice_unknown": _("Not one of the question's choice codes."),
    "number_invalid": _("Not a number the question accepts (a whole number, or the decimals its validation asks "
                        "for)."),
    "out_of_range": _("Outside the question's range."),
    "date_invalid": _("Not a date (and time) written year-month-day, as REDCap exports them: 2024-09-30."),
    "time_invalid": _("Not a time."),
}

# What refuses a confirmed import, beside the answers service's own (already translated) messages.
REJECTED_MESSAGES: dict[str, Any] = {
    record_import.Status.UNMATCHED: _("No episode matches this record."),
    record_import.Status.AMBIGUOUS: _("More than one episode matches this record."),
    record_import.Status.NO_TIMEPOINT: _("The record's event has no time point."),
    record_import.Respondent.UNKNOWN: _("No staff member of the episode's program has this email."),
    record_import.Respondent.AMBIGUOUS: _("More than one staff member of the episode's program has this email."),
}


def record_problems(problems: list[Problem]) -> list[ShownProblem]:
    """Reading problems for a page: the value shortened, the message in the reader's language."""
    return [
        ShownProblem(problem.line, problem.column, problem.as_dict()["value"],
                     RECORD_PROBLEM_MESSAGES.get(problem.code, problem.message))
        for problem in problems
    ]


def rejected_problems(problems: list[tuple[int, str, str, str]]) -> list[tuple[int, str, str, Any]]:
    return [(line, record, column, REJECTED_MESSAGES.get(message, message))
            for line, record, column, message in problems]


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
        validators=[refuse_malware_signature],
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
    respondent_column = forms.ChoiceField(
        label=_("Column with the respondent's email (optional)"), required=False,
        help_text=_("The email of the program staff member who answered, as Abrazo lists them at the episode's "
                    "program (capitals do not matter). A blank cell records no respondent; an email that is not "
                    "one of the program's staff stops the import."),
    )
    timepoint = forms.ChoiceField(label=_("Time point of every record"), choices=Timepoint.choices,
                                  required=False, help_text=_("The file has no events."))
    skip_unmatched = forms.BooleanField(
        label=_("Leave out the records that match no episode"), required=False,
        help_text=_("Without this, a file with any unmatched record imports nothing."),
    )

    def __init__(self, *args: Any, columns: list[str], events: list[str], network: Network,
                 respondent_columns: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events = events
        self.fields["id_column"].choices = [(name, name) for name in columns]  # type: ignore[attr-defined]
        self.fields["respondent_column"].choices = [  # type: ignore[attr-defined]
            ("", _("None: record no respondent")), *((name, name) for name in respondent_columns or [])]
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
                       events=events, timepoint=data.get("timepoint") or Timepoint.PRE,
                       respondent_column=data.get("respondent_column") or "")


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


def _other_value_columns(records: RecordFile) -> list[str]:
    """Other forms' columns that may hold a code or an email: not a status, survey timestamp or checkbox."""
    return [name for name in records.other_columns
            if not name.endswith(("_complete", "_timestamp")) and "___" not in name]


def _identifier_columns(dictionary: Any, records: RecordFile) -> list[str]:
    """The record id, the form's text fields, then other forms' columns (in a whole-project export): the
    columns that can hold an Abrazo identifier."""
    fields = dictionary.fields
    return [fields[0].name, *(item.name for item in fields[1:] if item.field_type == "text"),
            *_other_value_columns(records)]


def _file_context(dictionary: Any, records: RecordFile) -> dict[str, Any]:
    """What the map page says about the file before any matching: rows, other forms, rows left out."""
    kept = len(record_import.answered(records, dictionary.forms[0].name))
    return {"records": records, "answered_rows": kept, "skipped_rows": records.rows - kept,
            "other_forms": records.other_forms, "other_columns": records.other_columns}


@requires(PERMISSION)
def records_import(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Upload (no token), map and preview (token), confirm (token, posted with `confirm`)."""
    instrument, network = _instrument(request.user, pk)
    here = reverse("measures:records-import", args=[instrument.pk])
    context: dict[str, Any] = {"instrument": instrument, "import_url": here,
                               "identified": record_import.sees_identifiers(request.user, network)}
    token = request.POST.get("token") or request.GET.get("token", "")
    if not token:
        upload = RecordUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and upload.is_valid():
            raw = upload.cleaned_data["file"].read()
            _dictionary, records = record_import.read_upload(instrument, raw)
            if records.errors:
                return render(request, UPLOAD_TEMPLATE, {**context, "form": upload,
                                                         "problems": record_problems(records.errors)})
            return redirect(f"{here}?token={_stage(request.user, instrument, raw)}")
        return render(request, UPLOAD_TEMPLATE, {**context, "form": upload})

    raw = _staged(request.user, instrument, token)
    if raw is None:
        return render(request, MAP_TEMPLATE, {**context, "state": "expired"})
    dictionary, records = record_import.read_upload(instrument, raw)
    columns = _identifier_columns(dictionary, records)
    kwargs: dict[str, Any] = {"columns": columns, "respondent_columns": columns[1:],
                              "events": record_import.events_of(records), "network": network}
    context.update(_file_context(dictionary, records))
    if request.method != "POST":
        form = MappingForm(initial={"token": token}, **kwargs)
        return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form})
    form = MappingForm(request.POST, **kwargs)
    if not form.is_valid():
        return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form})
    mapping = form.mapping()
    if "confirm" in request.POST:
        try:
            done = record_import.import_records(
                actor=request.user, network=network, instrument=instrument, dictionary=dictionary,
                records=records, mapping=mapping, skip_unmatched=form.cleaned_data["skip_unmatched"],
            )
        except RecordsRejected as rejected:
            return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form,
                                                  "rejected": rejected_problems(rejected.problems)})
        cache.delete(_stage_key(token))
        return render(request, MAP_TEMPLATE, {**context, "state": "done", "imported": len(done)})
    found = record_import.preview(network=network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping)
    return render(request, MAP_TEMPLATE, {**context, "state": "map", "form": form, "preview": found,
                                          "respondent_problems": rejected_problems(found.problems)})
