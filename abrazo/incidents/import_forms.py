"""Forms of the import pages: the upload, and the confirmation that names a staged file by its token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.core.uploads import refuse_malware_signature

ACCEPTED = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("The first row names the columns. Nothing is imported until you have checked the preview."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
        validators=[refuse_malware_signature],
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Choose a CSV or XLSX file."))
        return upload


class ImportConfirmForm(forms.Form):
    # Only a random name for rows kept on the server; the rows themselves never come back from the browser.
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
