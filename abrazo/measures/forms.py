"""Forms of the instrument registry. They parse input; the services (and the scoring engine) judge it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.core.uploads import refuse_malware_signature
from abrazo.core.widgets import use_fast_widgets
from abrazo.directory.models import Network
from abrazo.measures.models import Instrument, Item, Level, Respondent, Scale, ScaleKind, ScaleMethod
from abrazo.measures.selectors import InstrumentFilters, Licence
from abrazo.measures.services import BandData, EnteredScaleData, InstrumentData, ScaleData, scorable_items

LANGUAGE_CHOICES = [("en", _("English")), ("es", _("Spanish"))]
ANY = _("Any")


class MeasuresForm(forms.Form):
    """No colon after labels (the templates style labels themselves) and fast selects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        use_fast_widgets(self)


class InstrumentFilterForm(MeasuresForm):
    q = forms.CharField(label=_("Name"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", ANY), *Level.choices])
    respondent = forms.ChoiceField(label=_("Respondent"), required=False, choices=[("", ANY), *Respondent.choices])
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", ANY), *LANGUAGE_CHOICES])
    licence = forms.ChoiceField(label=_("Licence"), required=False, choices=[
        ("", ANY), (Licence.PUBLIC_DOMAIN, _("Public domain")), (Licence.LICENSED, _("Licensed")),
        (Licence.SCORES_ONLY, _("Scores only")),
    ])

    def to_filters(self) -> InstrumentFilters:
        if not self.is_bound or not self.is_valid():
            return InstrumentFilters()
        data = self.cleaned_data
        return InstrumentFilters(level=data["level"], respondent=data["respondent"], language=data["language"],
                                 licence=data["licence"], query=data["q"])


class InstrumentForm(MeasuresForm):
    """The description of an instrument: what it measures, who answers it, and who licenses it."""

    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices,
                              help_text=_("Who or what the scores describe."))
    respondent = forms.ChoiceField(label=_("Respondent"), choices=Respondent.choices,
                                   help_text=_("Who fills it in."))
    languages = forms.MultipleChoiceField(label=_("Languages"), choices=LANGUAGE_CHOICES,
                                          widget=forms.CheckboxSelectMultiple, initial=["en"])
    minutes = forms.IntegerField(label=_("Minutes to complete"), required=False, min_value=1, max_value=600)
    public_domain = forms.BooleanField(label=_("In the public domain"), required=False)
    licence_holder = forms.CharField(label=_("Licence holder"), max_length=200, required=False,
                                     help_text=_("The publisher or author who licenses the instrument."))
    licence_note = forms.CharField(label=_("Licence note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("What the network's licence allows, e.g. scores only."))
    description_en = forms.CharField(label=_("Description (English)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    description_es = forms.CharField(label=_("Description (Spanish)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))

    def to_data(self) -> InstrumentData:
        data = self.cleaned_data
        return InstrumentData(
            name_en=data["name_en"], name_es=data["name_es"], level=data["level"], respondent=data["respondent"],
            languages=tuple(data["languages"]), minutes=data["minutes"], public_domain=data["public_domain"],
            licence_holder=data["licence_holder"], licence_note=data["licence_note"],
            description_en=data["description_en"], description_es=data["description_es"],
            is_active=data.get("is_active", True),
        )


class InstrumentEditForm(InstrumentForm):
    """Editing the description; carries the version the editor loaded, so a stale save is caught."""

    is_active = forms.BooleanField(label=_("Active"), required=False,
                                   help_text=_("Inactive instruments are kept but no longer offered."))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        kwargs["initial"] = {
            "name_en": instrument.name_en, "name_es": instrument.name_es, "level": instrument.level,
            "respondent": instrument.respondent, "languages": list(instrument.languages),
            "minutes": instrument.minutes, "public_domain": instrument.public_domain,
            "licence_holder": instrument.licence_holder, "licence_note": instrument.licence_note,
            "description_en": instrument.description_en, "description_es": instrument.description_es,
            "is_active": instrument.is_active, "version": instrument.version,
        }
        super().__init__(*args, **kwargs)

    def expected_version(self) -> int:
        return int(self.cleaned_data["version"])

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep the person's input and adopt the stored version, so that their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix("version")] = str(current_version)
        self.data = data
        self.add_error(None, message)


class ScoresOnlyInstrumentForm(CreateOnceMixin, InstrumentForm):
    """A licensed instrument recorded by its scores only: licensed, so its holder is asked for."""

    network = forms.ModelChoiceField(label=_("Network"), queryset=Network.objects.none(), required=True)

    def __init__(self, *args: Any, networks: list[Network], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["public_domain"]
        self.fields["licence_holder"].required = True
        self.fields["network"].queryset = Network.objects.filter(pk__in=[n.pk for n in networks])
        if len(networks) == 1:  # the usual case: nothing to choose
            self.fields["network"].initial = networks[0].pk
            self.fields["network"].widget = forms.HiddenInput()
        self.fields = {name: self.fields[name] for name in ["network", *[n for n in self.fields if n != "network"]]}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["public_domain"] = False
        return cleaned


_BAND_LINE = re.compile(
    r"^\s*(?P<low>-?\d+(?:[.,]\d+)?)\s*(?:-|\u2013|\u2014|to|a)\s*(?P<high>-?\d+(?:[.,]\d+)?)\s+(?P<label>.+?)\s*$",
    re.IGNORECASE,
)


def _decimal(text: str) -> float:
    return float(text.replace(",", "."))


def parse_bands(text: str) -> tuple[BandData, ...]:
    """One band per line, "low-high English label | Spanish label", e.g. "0-13 Typical | Típico"."""
    bands = []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _BAND_LINE.match(line)
        if match is None:
            problems.append(_("Band line %(number)s (%(line)s) is not \"low-high label\".") % {
                "number": number, "line": line.strip()})
            continue
        english, _bar, spanish = match["label"].partition("|")
        bands.append(BandData(label_en=english.strip(), label_es=spanish.strip(), low=_decimal(match["low"]),
                              high=_decimal(match["high"])))
    if problems:
        raise ValidationError(problems)
    return tuple(bands)


class EnteredScaleForm(MeasuresForm):
    """One score of a scores-only instrument (a subscale or the total). An empty row is skipped."""

    name_en = forms.CharField(label=_("Score name (English)"), max_length=200, required=False)
    name_es = forms.CharField(label=_("Score name (Spanish)"), max_length=200, required=False)
    minimum = forms.FloatField(label=_("Lowest possible score"), required=False)
    maximum = forms.FloatField(label=_("Highest possible score"), required=False)
    higher_is_better = forms.TypedChoiceField(
        label=_("Direction"), coerce=lambda value: value == "higher", initial="higher",
        choices=[("higher", _("A higher score is better")), ("lower", _("A lower score is better"))],
    )
    reliability = forms.FloatField(label=_("Reliability (optional)"), required=False, min_value=0, max_value=1,
                                   help_text=_("e.g. Cronbach's alpha from the manual, such as 0.85."))
    bands = forms.CharField(
        label=_("Bands (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, lowest first: the range, then the English label, then | and the Spanish label. "
                    "For example: 0-40 Area of need | Área de necesidad"),
    )
    total_of_others = forms.BooleanField(
        label=_("This is the total: the sum of the other scores"), required=False,
        help_text=_("At entry, a blank total is then added up from the other scores, and a typed total that "
                    "disagrees with them is refused."),
    )

    def clean_bands(self) -> tuple[BandData, ...]:
        return parse_bands(self.cleaned_data.get("bands") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank():
            return cleaned
        if not (cleaned.get("name_en") or "").strip():
            self.add_error("name_en", _("Give the score's English name."))
        for name in ("minimum", "maximum"):
            if cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, _("Give the lowest and highest possible scores."))
        return cleaned

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("total_of_others") and not any(
            (data.get(name) not in (None, "", ())) for name in ("name_en", "name_es", "minimum", "maximum",
                                                                "reliability", "bands"))

    def to_data(self) -> EnteredScaleData:
        data = self.cleaned_data
        return EnteredScaleData(
            name_en=data["name_en"], name_es=data["name_es"], minimum=data["minimum"], maximum=data["maximum"],
            bands=data["bands"], higher_is_better=data["higher_is_better"], reliability=data["reliability"],
            total_of_others=bool(data.get("total_of_others")),
        )


EnteredScaleFormSet = forms.formset_factory(EnteredScaleForm, extra=4, max_num=30, absolute_max=30)


def entered_scales_of(formset: Any) -> list[EnteredScaleData]:
    """The filled-in rows of a valid formset, in order."""
    return [form.to_data() for form in formset.forms if not form.is_blank()]


class NormUploadForm(MeasuresForm):
    file = forms.FileField(
        label=_("Norm table (CSV or XLSX)"),
        help_text=_("Columns: min_months, max_months, raw_low, raw_high, standard_score, percentile. Leave the "
                    "months empty when the norms do not depend on age."),
        validators=[refuse_malware_signature],
    )
    source = forms.CharField(label=_("Source"), max_length=300,
                             help_text=_("The manual, its edition and the table, e.g. \"Manual, 2nd ed., table B.3\"."))


def format_bands(bands: list[dict[str, Any]]) -> str:
    """Stored bands as the bands box reads them back: "low-high English label | Spanish label" per line."""
    lines = []
    for band in bands or []:
        if not isinstance(band, dict):
            continue
        label = str(band.get("label_en") or band.get("key") or "")
        spanish = str(band.get("label_es") or "")
        lines.append(f"{_plain(band.get('low'))}-{_plain(band.get('high'))} {label}"
                     + (f" | {spanish}" if spanish else ""))
    return "\n".join(lines)


def _plain(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _item_choice(item: Item) -> tuple[str, str]:
    label = " ".join(strip_tags(item.label or "").split())
    if len(label) > 90:
        label = label[:89] + "…"
    return item.key, f"{item.key} · {label}" if label else item.key


class ScaleForm(CreateOnceMixin, MeasuresForm):
    """A subscale or total of an instrument. Only the fields of its kind are kept: items, reverse scoring,
    method and missing share for a scale scored from items; range, whole numbers and the scores it adds up
    for an entered score; parts and method for a combined scale. The carried version is the instrument's,
    so an edit made on a stale page is caught; the submission key makes a second click harmless."""

    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=200, required=False)
    key = forms.CharField(
        label=_("Short name (optional)"), max_length=64, required=False,
        help_text=_("Used in files and REDCap, e.g. total_stress. Made from the English name when left empty; "
                    "it cannot be changed later."),
    )
    method = forms.ChoiceField(label=_("Method"), choices=ScaleMethod.choices, initial=ScaleMethod.SUM,
                               widget=forms.RadioSelect)
    items = forms.MultipleChoiceField(label=_("Items"), required=False, widget=forms.CheckboxSelectMultiple)
    reverse_items = forms.MultipleChoiceField(
        label=_("Reverse-scored items"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("A reverse-scored answer counts as lowest + highest - answer (on 0-4, 4 counts as 0). Reverse "
                    "scoring belongs to the item, so it applies in every scale that uses the item."),
    )
    max_missing_share = forms.FloatField(
        label=_("Items that may be missing (percent)"), required=False, min_value=0, max_value=99.99, initial=0,
        help_text=_("Still scored when at most this share of its items is unanswered; a sum is then prorated. "
                    "0 means every item must be answered."),
    )
    parts = forms.MultipleChoiceField(label=_("Scales it combines"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    minimum = forms.FloatField(label=_("Lowest possible score"), required=False)
    maximum = forms.FloatField(label=_("Highest possible score"), required=False)
    whole_numbers = forms.BooleanField(label=_("Whole numbers only"), required=False,
                                       help_text=_("e.g. T-scores; leave unticked for averages such as 4.5."))
    sum_of = forms.MultipleChoiceField(
        label=_("This score is the total of"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the subscales it adds up, if it is their sum: at entry a blank total is then added up, "
                    "and a typed total that disagrees with them is refused."),
    )
    bands = forms.CharField(
        label=_("Bands (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, lowest first: the range, then the English label, then | and the Spanish label. "
                    "For example: 0-13 Low | Bajo"),
    )
    higher_is_better = forms.TypedChoiceField(
        label=_("Direction"), coerce=lambda value: value == "higher", initial="higher",
        choices=[("higher", _("A higher score is better")), ("lower", _("A lower score is better"))],
    )
    reliability = forms.FloatField(label=_("Reliability (optional)"), required=False, min_value=0, max_value=1,
                                   help_text=_("e.g. Cronbach's alpha from the manual, such as 0.85."))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    KIND_FIELDS = {
        ScaleKind.ITEMS: ("method", "items", "reverse_items", "max_missing_share"),
        ScaleKind.ENTERED: ("minimum", "maximum", "whole_numbers", "sum_of"),
        ScaleKind.COMPOSITE: ("method", "parts"),
    }

    def __init__(self, *args: Any, instrument: Instrument, kind: str, items: list[Item], scales: list[Scale],
                 scale: Scale | None = None, **kwargs: Any) -> None:
        self.instrument, self.kind, self.scale = instrument, kind, scale
        others = [other for other in scales if scale is None or other.pk != scale.pk]
        initial: dict[str, Any] = {"version": instrument.version}
        if scale is not None:
            initial.update({
                "name_en": scale.name_en, "name_es": scale.name_es, "method": scale.method,
                "items": list(scale.items or []),
                "reverse_items": [item.key for item in items
                                  if item.reverse_scored and item.key in (scale.items or [])],
                "max_missing_share": _plain(round(scale.max_missing_share * 100, 4)),
                "parts": list(scale.parts or []), "minimum": scale.score_min, "maximum": scale.score_max,
                "whole_numbers": scale.whole_numbers, "sum_of": list(scale.sum_of or []),
                "bands": format_bands(scale.bands), "higher_is_better": "higher" if scale.higher_is_better else "lower",
                "reliability": scale.reliability,
            })
        kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        dropped = {name for names in self.KIND_FIELDS.values() for name in names} - set(self.KIND_FIELDS.get(kind, ()))
        for name in dropped:
            del self.fields[name]
        if scale is not None:
            del self.fields["key"]  # answers, files and outcome reports name the scale by it
        if "items" in self.fields:
            choices = [_item_choice(item) for item in scorable_items(items)]
            self.fields["items"].choices = choices  # type: ignore[attr-defined]
            self.fields["reverse_items"].choices = choices  # type: ignore[attr-defined]
        if "parts" in self.fields:
            self.fields["parts"].choices = [  # type: ignore[attr-defined]
                (other.key, other.name) for other in others if other.kind != ScaleKind.COMPOSITE]
        if "sum_of" in self.fields:
            offered = [(other.key, other.name) for other in others
                       if other.kind == ScaleKind.ENTERED and not other.sum_of]
            if offered:
                self.fields["sum_of"].choices = offered  # type: ignore[attr-defined]
            else:
                del self.fields["sum_of"]

    def item_rows(self) -> list[tuple[str, Any, Any]]:
        """(item label, its "in this scale" checkbox, its "reverse-scored" checkbox), for a table of items."""
        if "items" not in self.fields:
            return []
        return [(include.choice_label, include, reverse)
                for include, reverse in zip(self["items"], self["reverse_items"], strict=True)]

    def clean_bands(self) -> tuple[BandData, ...]:
        return parse_bands(self.cleaned_data.get("bands") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.kind == ScaleKind.ENTERED:
            for name in ("minimum", "maximum"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Give the lowest and highest possible scores."))
        return cleaned

    def expected_version(self) -> int:
        return int(self.cleaned_data["version"])

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep the person's input and adopt the stored version, so that their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix("version")] = str(current_version)
        self.data = data
        self.add_error(None, message)

    def to_data(self) -> ScaleData:
        data = self.cleaned_data
        share = data.get("max_missing_share")
        return ScaleData(
            kind=self.kind, name_en=data["name_en"], name_es=data.get("name_es", ""), key=data.get("key", ""),
            method=data.get("method") or ScaleMethod.SUM, items=tuple(data.get("items", ())),
            reverse_items=tuple(data.get("reverse_items", ())),
            max_missing_share=(share or 0.0) / 100, parts=tuple(data.get("parts", ())),
            minimum=data.get("minimum"), maximum=data.get("maximum"),
            whole_numbers=bool(data.get("whole_numbers")), sum_of=tuple(data.get("sum_of", ())),
            bands=data["bands"], higher_is_better=data["higher_is_better"], reliability=data.get("reliability"),
        )


class ScaleDeleteForm(CreateOnceMixin, MeasuresForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def expected_version(self) -> int:
        return int(self.cleaned_data["version"])
