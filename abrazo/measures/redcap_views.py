"""REDCap dictionary pages: upload -> preview -> confirm -> result, and an instrument as a dictionary download.

The upload page checks the file and, when it has errors, lists every one (line, column, value, and what
is wrong in the reader's language); nothing is kept. A clean file is staged: its bytes stay on the
server, in the cache, under a random token that only the person who uploaded it, for the network they
chose, can use, for an hour; the browser holds only the token. Confirming reads the staged bytes again
and imports them in one transaction, claiming the token inside it, so that confirming twice imports once
(the way `incidents/imports.py` does it). The token travels as a query or POST parameter, so the URLs
carry no id (the permission matrix only understands one).
"""

from __future__ import annotations

import base64
import secrets
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from django import forms
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.decorators import requires
from abrazo.core.uploads import refuse_malware_signature
from abrazo.directory.models import Network
from abrazo.measures import redcap, selectors
from abrazo.measures.models import Instrument, Source
from abrazo.measures.redcap_import import (
    DictionaryRejected,
    check,
    export_dictionary,
    form_name,
    import_dictionary,
)

MANAGE, VIEW = "instrument.manage", "instrument.view"
UPLOAD_TEMPLATE = "measures/redcap/upload.html"
CONFIRM_TEMPLATE = "measures/redcap/confirm.html"
STAGE_TTL_SECONDS = 60 * 60
# The largest real dictionary we have seen is 160 kB; ten times the size of big projects is plenty.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

# What each Problem.code means, for people reading in their own language. The reader's own `message`
# (English, sometimes more specific) is shown for a code missing here.
PROBLEM_MESSAGES: dict[str, Any] = {
    "encoding": _("The file is not UTF-8; it was read as Windows-1252. Check accented letters."),
    "csv": _("This line cannot be read as CSV: a quote is probably missing or out of place."),
    "empty": _("The file is empty; the first line must be the dictionary's header."),
    "columns_missing": _("This is not a REDCap data dictionary: the columns Variable / Field Name, Form Name, "
                         "Field Type and Field Label are needed."),
    "column_unknown": _("REDCap has no column by this name; it was ignored."),
    "column_twice": _("This column appears twice."),
    "row_too_long": _("The row has more cells than the header: a quote or a comma is probably missing."),
    "name_missing": _("The field has no variable name."),
    "name_invalid": _("Variable names use lower-case letters, digits and underscores, starting with a letter."),
    "name_duplicate": _("Another field already has this variable name."),
    "form_missing": _("The field has no form name."),
    "form_invalid": _("Form names use lower-case letters, digits and underscores, starting with a letter."),
    "form_split": _("The fields of a form must be together; this form already ended on an earlier line."),
    "type_unknown": _("Unknown field type. REDCap's types are text, notes, dropdown, radio, checkbox, yesno, "
                      "truefalse, calc, file, slider, descriptive and sql."),
    "choices_missing": _("This field needs choices, written like 1, Yes | 2, No."),
    "choices_invalid": _("The choices cannot be read: each is a code, a comma and a label, separated by |, "
                         "and each code appears once (letters, digits and underscores)."),
    "choices_ignored": _("This field type has fixed choices; the ones written here were ignored."),
    "calculation_missing": _("A calc field needs a calculation."),
    "sql_missing": _("An sql field needs a query."),
    "slider_labels": _("A slider has at most three labels; the others were ignored."),
    "content_ignored": _("This field type does not use this column; it was ignored."),
    "logic_unsupported": _("Kept as written, but Abrazo cannot evaluate this logic."),
    "logic_invalid": _("Kept as written, but this logic cannot be understood."),
    "logic_unknown_field": _("The logic reads a field this dictionary does not have."),
    "validation_unknown": _("Not a standard REDCap validation; it is kept but not checked."),
    "validation_ignored": _("This field type does not use this validation; it was ignored."),
    "limit_ignored": _("A limit without a number or date validation is not checked."),
    "limit_invalid": _("The limit is not a valid value for the field's validation."),
    "limit_range": _("The minimum is greater than the maximum."),
    "flag": _("Expected y or blank; read as blank."),
    "alignment": _("Expected LV, LH, RV, RH or blank; read as blank."),
    "ranking_without_matrix": _("Ranking applies only to a field in a matrix group."),
    "matrix_type": _("Only radio and checkbox fields form a matrix."),
    "matrix_choices": _("The fields of a matrix share one field type and one set of choices."),
    "too_long": _("The value is longer than Abrazo can keep in this column."),
}


@dataclass(frozen=True)
class ShownProblem:
    line: int
    column: str
    value: str
    message: Any


def shown(problems: Sequence[redcap.Problem]) -> list[ShownProblem]:
    """Problems for a page: the value shortened, the message in the reader's language."""
    return [
        ShownProblem(problem.line, problem.column, problem.as_dict()["value"],
                     PROBLEM_MESSAGES.get(problem.code, problem.message))
        for problem in problems
    ]


# --- forms ------------------------------------------------------------------------------------------------


class DictionaryUploadForm(forms.Form):
    file = forms.FileField(
        label=_("REDCap data dictionary (CSV)"),
        help_text=_("In REDCap: Project Setup, Data Dictionary, Download the current Data Dictionary. "
                    "Nothing is imported until you have checked the preview."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        validators=[refuse_malware_signature],
    )
    network = forms.ModelChoiceField(label=_("Network"), queryset=Network.objects.none(), empty_label=None)
    replace = forms.BooleanField(
        label=_("Delete questions that the dictionary no longer has"), required=False,
        help_text=_("When an instrument was imported before, its questions that are not in this file are kept "
                    "unless you tick this."),
    )

    def __init__(self, *args: Any, networks: list[Network], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["network"])
        field.queryset = Network.objects.filter(pk__in=[network.pk for network in networks]).order_by("name")
        field.initial = networks[0].pk if networks else None
        if len(networks) <= 1:
            field.widget = forms.HiddenInput()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Choose the dictionary's CSV file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; a data dictionary is much smaller."))
        return upload


class DictionaryConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)


# --- staging ----------------------------------------------------------------------------------------------


def _rows_key(token: str) -> str:
    return f"abrazo:redcap:staged:{token}"


def _done_key(token: str) -> str:
    return f"abrazo:redcap:done:{token}"


def _owner(user: Any, network: Network) -> dict[str, str]:
    return {"user": str(user.pk), "network": str(network.pk)}


def _owned_network(owner: dict[str, Any], user: Any, networks: list[Network]) -> Network | None:
    """The network a staged file was checked for, if this person staged it and still manages that network."""
    if owner.get("user") != str(user.pk):
        return None
    return next((network for network in networks if str(network.pk) == owner.get("network")), None)


def stage(*, user: Any, network: Network, raw: bytes, replace: bool) -> str:
    token = secrets.token_urlsafe(24)
    payload = {
        **_owner(user, network), "replace": replace,
        "raw": base64.b64encode(zlib.compress(raw)).decode("ascii"),
    }
    cache.set(_rows_key(token), payload, timeout=STAGE_TTL_SECONDS)
    return token


@dataclass(frozen=True)
class Staged:
    network: Network
    dictionary: redcap.Dictionary
    replace: bool


def load_staged(*, user: Any, networks: list[Network], token: str) -> Staged | None:
    """The staged dictionary, if the token names one this person staged for one of their networks."""
    if not token or len(token) > 64:
        return None
    payload = cache.get(_rows_key(token))
    if not isinstance(payload, dict):
        return None
    network = _owned_network(payload, user, networks)
    if network is None:
        return None
    try:
        raw = zlib.decompress(base64.b64decode(payload["raw"]))
    except (KeyError, ValueError, zlib.error):
        return None
    return Staged(network=network, dictionary=redcap.read_dictionary(raw), replace=bool(payload.get("replace")))


def finished(*, user: Any, networks: list[Network], token: str) -> list[Instrument] | None:
    """The instruments a confirmed import wrote, for its result page (and a second click on Confirm)."""
    if not token or len(token) > 64:
        return None
    done = cache.get(_done_key(token))
    if not isinstance(done, dict) or _owned_network(done.get("owner") or {}, user, networks) is None:
        return None
    ids = done.get("instruments", [])
    found = {str(instrument.pk): instrument for instrument in Instrument.objects.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


class StagedExpired(Exception):
    """The token names nothing this person may confirm (expired, someone else's, or made up)."""


def confirm(*, user: Any, networks: list[Network], token: str) -> list[Instrument]:
    """Import a staged dictionary once; a second confirm returns what the first one wrote."""
    previous = finished(user=user, networks=networks, token=token)
    if previous is not None:
        return previous
    staged = load_staged(user=user, networks=networks, token=token)
    if staged is None:
        raise StagedExpired
    owner = _owner(user, staged.network)
    with transaction.atomic():
        # The claim is a row of the database cache written in this transaction: a concurrent confirm waits
        # for it, then finds it taken; a failed import rolls it back so that the person can try again.
        if not cache.add(_done_key(token), {"owner": owner, "instruments": []}, timeout=STAGE_TTL_SECONDS):
            return finished(user=user, networks=networks, token=token) or []
        result = import_dictionary(actor=user, network=staged.network, dictionary=staged.dictionary,
                                   replace=staged.replace)
        ids = [str(instrument.pk) for instrument in result.instruments]
        cache.set(_done_key(token), {"owner": owner, "instruments": ids}, timeout=STAGE_TTL_SECONDS)
        cache.delete(_rows_key(token))
    return result.instruments


# --- pages ------------------------------------------------------------------------------------------------


def _forms_preview(dictionary: redcap.Dictionary, network: Network) -> list[dict[str, Any]]:
    """Per form: its fields by type, and the instrument it will update (None when it creates one)."""
    existing = {
        instrument.redcap_form: instrument
        for instrument in Instrument.objects.filter(
            network=network, source=Source.REDCAP, redcap_form__in=[form.name for form in dictionary.forms]
        )
    }
    return [
        {"name": form.name, "fields": len(form.fields), "field_types": form.field_types,
         "instrument": existing.get(form.name)}
        for form in dictionary.forms
    ]


def _urls() -> dict[str, str]:
    return {"upload_url": reverse("measures:redcap-import"), "confirm_url": reverse("measures:redcap-import-confirm")}


@requires(MANAGE)
def redcap_import(request: HttpRequest) -> HttpResponse:
    """Upload a dictionary; a clean one goes on to the preview, a broken one lists every error here."""
    networks = selectors.networks_to_manage(user=request.user)
    posted = request.method == "POST"
    form = (DictionaryUploadForm(request.POST, request.FILES, networks=networks) if posted
            else DictionaryUploadForm(networks=networks))
    problems: list[ShownProblem] = []
    if posted and form.is_valid():
        raw = form.cleaned_data["file"].read()
        found = check(redcap.read_dictionary(raw))
        if found:
            problems = shown(found)
        else:
            token = stage(user=request.user, network=form.cleaned_data["network"], raw=raw,
                          replace=form.cleaned_data["replace"])
            return redirect(f"{_urls()['confirm_url']}?token={token}")
    return render(request, UPLOAD_TEMPLATE, {**_urls(), "form": form, "problems": problems})


@requires(MANAGE)
def redcap_import_confirm(request: HttpRequest) -> HttpResponse:
    """The preview (GET, staged token), the import (POST), and the result (GET, confirmed token)."""
    networks = selectors.networks_to_manage(user=request.user)
    context = _urls()
    if request.method == "POST":
        form = DictionaryConfirmForm(request.POST)
        token = form.cleaned_data["token"] if form.is_valid() else ""
        try:
            confirm(user=request.user, networks=networks, token=token)
        except StagedExpired:
            return render(request, CONFIRM_TEMPLATE, {**context, "state": "expired"})
        except DictionaryRejected as rejected:  # Abrazo changed (a column limit) since the preview
            upload = DictionaryUploadForm(networks=networks)
            return render(request, UPLOAD_TEMPLATE, {**context, "form": upload, "problems": shown(rejected.problems)})
        return redirect(f"{context['confirm_url']}?token={token}")  # the result page, safe to reload

    token = request.GET.get("token", "")
    done = finished(user=request.user, networks=networks, token=token)
    if done is not None:
        return render(request, CONFIRM_TEMPLATE, {**context, "state": "done", "instruments": done})
    staged = load_staged(user=request.user, networks=networks, token=token)
    if staged is None:
        return render(request, CONFIRM_TEMPLATE, {**context, "state": "expired"})
    dictionary = staged.dictionary
    return render(request, CONFIRM_TEMPLATE, {
        **context, "state": "staged", "network": staged.network, "replace": staged.replace,
        "forms": _forms_preview(dictionary, staged.network), "fields": len(dictionary.fields),
        "warnings": shown(dictionary.warnings), "form": DictionaryConfirmForm(initial={"token": token}),
        "show_network": len(networks) > 1,
    })


@requires(VIEW)
def redcap_export(request: HttpRequest, pk: UUID) -> HttpResponse:
    """An instrument the person may read, as a REDCap data dictionary to upload into a REDCap project."""
    instrument = selectors.instrument_get_for(user=request.user, instrument_id=pk)
    audit.record(user=request.user, action=Action.EXPORT, object_type="measures.instrument",
                 object_id=str(instrument.pk))
    text = export_dictionary([instrument])
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{form_name(instrument)}_dictionary.csv"'
    return response
