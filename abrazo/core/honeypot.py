"""A honeypot field for public forms: robots fill in every input they find, people never see this one.

The template renders it apart from the other fields, inside an element hidden from sight and from screen
readers (`{% include "core/_honeypot.html" %}`), and the view answers a filled-in honeypot as if it had
succeeded, so nothing teaches a robot that it was caught.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

HONEYPOT = "website"


class HoneypotMixin(forms.Form):
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def honeypot(self) -> forms.BoundField:
        return self[HONEYPOT]

    def is_bot(self) -> bool:
        """Whether the hidden field was filled in (read from the raw input: it is sure even on an invalid form)."""
        return bool(str(self.data.get(self.add_prefix(HONEYPOT), "")).strip())

    def visible_fields(self) -> list[Any]:
        # The honeypot is drawn apart (hidden); every loop over the visible fields leaves it out.
        return [field for field in super().visible_fields() if field.name != HONEYPOT]
