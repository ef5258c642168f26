"""Forms of the library's curation: the public suggestion form, the curators' resource form, their decisions
(approve, decline, withdraw), topics, and the filters of the curators' list. Forms parse; the services decide."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from abrazo.core.honeypot import HoneypotMixin
from abrazo.core.submissions import CreateOnceMixin
from abrazo.directory.forms import DirectoryFormMixin, VersionMixin
from abrazo.directory.models import Network
from abrazo.directory.selectors import language_choices
from abrazo.library.models import Audience, LinkStatus, Resource, ResourceKind, ResourceStatus, Topic
from abrazo.library.resource_services import MAX_UPLOAD_BYTES, ResourceData, SuggestionData, check_upload

# Ages offered as a range; the values are months (Resource.age_from_months / age_to_months).
AGE_FROM_CHOICES = [
    (0, _("Birth")), (6, _("6 months")), (12, _("1 year")), (18, _("18 months")), (24, _("2 years")),
    (36, _("3 years")), (48, _("4 years")), (60, _("5 years")),
]
AGE_TO_CHOICES = [
    (6, _("6 months")), (12, _("1 year")), (18, _("18 months")), (24, _("2 years")), (36, _("3 years")),
    (48, _("4 years")), (60, _("5 years")), (72, _("6 years")),
]
REVIEW_AFTER_DAYS = 365  # a new resource is looked at again after a year unless the curator says otherwise


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checkbox-group"})


def _language_choices() -> list[tuple[str, Any]]:
    # Any language of the directory's table, not only the two Abrazo speaks: a network's families read
    # Vietnamese, Chinese, Tagalog... and a resource in one of them must stay editable.
    return language_choices()


def _topic_choices(topics: list[Topic]) -> list[tuple[str, str]]:
    return [(str(topic.pk), topic.name) for topic in topics]


def _ages_with(choices: list[tuple[int, Any]], value: Any) -> list[tuple[int, Any]]:
    """The age choices, plus the record's own value when it is not one of them (set by an import or the demo)."""
    try:
        months = int(value)
    except (TypeError, ValueError):
        return choices
    if months in {months_ for months_, _label in choices}:
        return choices
    return sorted([*choices, (months, _("%(months)d months") % {"months": months})], key=lambda pair: pair[0])


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _pdf_field(label: Any, help_text: Any) -> forms.FileField:
    return forms.FileField(label=label, required=False, help_text=help_text, max_length=200,
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))


_PDF_HELP = _("A PDF file of up to %(most)d MB.") % {"most": MAX_UPLOAD_BYTES // (1024 * 1024)}


class _PdfMixin(forms.Form):
    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload:
            check_upload(upload)  # its ValidationError lands on the field, in the visitor's language
        return upload


# --- The public suggestion form ------------------------------------------------------------------------------


class SuggestionForm(CreateOnceMixin, HoneypotMixin, _PdfMixin, DirectoryFormMixin, forms.Form):
    """Anyone may suggest a resource: what it is, where to find it, and (optionally) who they are."""

    title = forms.CharField(label=_("Title"), max_length=300)
    url = forms.URLField(label=_("Link"), required=False, max_length=1000, assume_scheme="https",
                         help_text=_("The address of the web page, video or document. Give a link, or upload a PDF "
                                     "below."),
                         widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "url"}))
    file = _pdf_field(_("Or upload it"), _PDF_HELP)
    kind = forms.ChoiceField(label=_("Type"), choices=ResourceKind.choices)
    language = forms.ChoiceField(label=_("Language of the resource"), choices=_language_choices)
    audiences = forms.MultipleChoiceField(label=_("Who is it for?"), choices=Audience.choices, required=False,
                                          widget=_checkboxes())
    topics = forms.MultipleChoiceField(label=_("Topics"), required=False, widget=_checkboxes())
    note = forms.CharField(label=_("Why do you recommend it?"), required=False, max_length=2000,
                           help_text=_("How you used it, or who it helped. Staff read this; it is not published."),
                           widget=forms.Textarea(attrs={"rows": 4}))
    name = forms.CharField(label=_("Your name"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Your email"), required=False,
                             help_text=_("We write to thank you and to tell you whether we added it. We never "
                                         "publish it."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    sections = (
        (_("The resource"), ("title", "url", "file", "kind", "language", "audiences", "topics")),
        (_("Why you recommend it"), ("note",)),
        (_("About you (optional)"), ("name", "email")),
    )

    def __init__(self, *args: Any, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "topics", _topic_choices(topics))
        if not self.is_bound:
            current = (get_language() or settings.LANGUAGE_CODE)[:2]
            self.initial.setdefault("language", current if current in dict(settings.LANGUAGES) else "en")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("url") and not data.get("file") and not self.has_error("url") and not self.has_error("file"):
            self.add_error("url", _("Give a link to the resource or upload it as a PDF."))
        return data

    def to_data(self) -> SuggestionData:
        data = self.cleaned_data
        return SuggestionData(
            title=data["title"], url=data.get("url") or "", kind=data["kind"], language=data["language"],
            audiences=tuple(data.get("audiences") or ()), topic_ids=tuple(UUID(pk) for pk in data.get("topics") or ()),
            note=data.get("note") or "", name=data.get("name") or "", email=data.get("email") or "",
        )


# --- The curators' resource form ---------------------------------------------------------------------------


class ResourceForm(CreateOnceMixin, VersionMixin, _PdfMixin, DirectoryFormMixin, forms.Form):
    """Every field of a resource. `mode` is "create" (a new work), "translate" (another language version of a
    work) or "edit"; create and translate ask whether to publish at once, edit carries the version."""

    network = forms.ChoiceField(label=_("Network"))
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Two or three plain sentences: what it is and how it helps. Visitors read "
                                          "this in the list and search it."))
    kind = forms.ChoiceField(label=_("Type"), choices=ResourceKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices)
    audiences = forms.MultipleChoiceField(label=_("Audiences"), choices=Audience.choices, widget=_checkboxes())
    topics = forms.MultipleChoiceField(label=_("Topics"), required=False, widget=_checkboxes())
    age_from_months = forms.TypedChoiceField(label=_("From age"), coerce=int, choices=AGE_FROM_CHOICES, initial=0)
    age_to_months = forms.TypedChoiceField(label=_("To age"), coerce=int, choices=AGE_TO_CHOICES, initial=72,
                                           help_text=_("For children younger than this."))
    source_organisation = forms.CharField(label=_("Source organization"), max_length=200, required=False)
    url = forms.URLField(label=_("Link"), required=False, max_length=1000, assume_scheme="https",
                         widget=forms.URLInput(attrs={"inputmode": "url"}))
    file = _pdf_field(_("File"), _PDF_HELP)
    remove_file = forms.BooleanField(label=_("Remove the uploaded file"), required=False)
    review_on = forms.DateField(label=_("Review by"), required=False,
                                help_text=_("When staff should check that it is still accurate."),
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    publish = forms.TypedChoiceField(
        label=_("When it is saved"), coerce=lambda value: value == "yes", initial="yes", widget=forms.RadioSelect,
        choices=[("yes", _("Publish it now")), ("no", _("Keep it in the queue for another look"))],
    )

    sections = (
        (_("The resource"), ("network", "title", "summary", "kind", "language", "source_organisation")),
        (_("Where to find it"), ("url", "file", "remove_file")),
        (_("Who and what it is for"), ("audiences", "age_from_months", "age_to_months", "topics")),
        (_("Curation"), ("review_on", "publish")),
    )

    def __init__(self, *args: Any, mode: str, topics: list[Topic], networks: list[Network] | None = None,
                 has_file: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        _set_choices(self, "topics", _topic_choices(topics))
        if mode == "edit":
            del self.fields["submission_key"], self.fields["publish"], self.fields["network"]
        else:
            del self.fields["version"]
        if mode != "create" or not networks or len(networks) < 2:
            self.fields.pop("network", None)
        else:
            _set_choices(self, "network", [(str(network.pk), network.name) for network in networks])
        if not has_file:
            del self.fields["remove_file"]
        source = self.data if self.is_bound else self.initial
        for name, choices in (("age_from_months", AGE_FROM_CHOICES), ("age_to_months", AGE_TO_CHOICES)):
            _set_choices(self, name, _ages_with(choices, source.get(self.add_prefix(name) if self.is_bound else name)))

    @classmethod
    def initial_for(cls, resource: Resource) -> dict[str, Any]:
        """The form's values for an existing resource (edit), or for a new language version of it (translate)."""
        return {
            "title": resource.title, "summary": resource.summary, "kind": resource.kind,
            "language": resource.language, "audiences": resource.audiences,
            "topics": [str(topic.pk) for topic in resource.topics.all()],
            "age_from_months": resource.age_from_months, "age_to_months": resource.age_to_months,
            "source_organisation": resource.source_organisation, "url": resource.url,
            "review_on": resource.review_on, "version": resource.version,
        }

    @staticmethod
    def default_review_on() -> date:
        return timezone.localdate() + timedelta(days=REVIEW_AFTER_DAYS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("age_from_months"), data.get("age_to_months")
        if start is not None and end is not None and start >= end:
            self.add_error("age_to_months", _("Choose an age older than the “from” age."))
        return data

    def network_id(self) -> str | None:
        return self.cleaned_data.get("network") or None

    def to_data(self) -> ResourceData:
        data = self.cleaned_data
        return ResourceData(
            title=data["title"], summary=data["summary"], kind=data["kind"], language=data["language"],
            audiences=tuple(data.get("audiences") or ()), topic_ids=tuple(UUID(pk) for pk in data.get("topics") or ()),
            age_from_months=data["age_from_months"], age_to_months=data["age_to_months"],
            source_organisation=data.get("source_organisation") or "", url=data.get("url") or "",
            review_on=data.get("review_on"),
        )


# --- Decisions -------------------------------------------------------------------------------------------------


class ApproveForm(VersionMixin, DirectoryFormMixin, forms.Form):
    summary = forms.CharField(label=_("Summary"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What visitors read in the list: two or three plain sentences."))
    review_on = forms.DateField(label=_("Review by"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    notify = forms.BooleanField(label=_("Tell the person who suggested it, by email"), required=False, initial=True)

    def __init__(self, *args: Any, may_notify: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_notify:
            del self.fields["notify"]


class DeclineForm(VersionMixin, DirectoryFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("Kept with the suggestion for the other curators, and sent to the person "
                                         "who suggested it if you tick the box below."))
    notify = forms.BooleanField(label=_("Send the reason to the person who suggested it, by email"), required=False)

    def __init__(self, *args: Any, may_notify: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_notify:
            del self.fields["notify"]


class WithdrawForm(VersionMixin, forms.Form):
    """Only the version: withdrawing is one button after reading what it does."""


# --- Topics --------------------------------------------------------------------------------------------------


class TopicForm(DirectoryFormMixin, forms.Form):
    name_en = forms.CharField(label=_("Name in English"), max_length=120,
                              widget=forms.TextInput(attrs={"lang": "en"}))
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=120,
                              widget=forms.TextInput(attrs={"lang": "es"}))
    position = forms.IntegerField(label=_("Position in the list"), min_value=0, max_value=1000, required=False)


class TopicEditForm(VersionMixin, TopicForm):
    """A topic as it was loaded, so that a rename over a colleague's newer one is caught."""


class NewTopicForm(CreateOnceMixin, TopicForm):
    network = forms.ChoiceField(label=_("Network"))

    def __init__(self, *args: Any, networks: list[Network], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(networks) < 2:
            del self.fields["network"]
        else:
            _set_choices(self, "network", [(str(network.pk), network.name) for network in networks])


# --- The curators' list ------------------------------------------------------------------------------------


class ResourceFilterForm(DirectoryFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *ResourceStatus.choices])
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=lambda: [("", _("Any language")), *language_choices()])
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any type")), *ResourceKind.choices])
    link = forms.ChoiceField(label=_("Link"), required=False, choices=[("", _("Any link state")), *LinkStatus.choices])
    review = forms.ChoiceField(label=_("Review"), required=False, choices=[
        ("", _("Any review date")), ("overdue", _("Review overdue")), ("soon", _("Review due within 30 days")),
        ("none", _("No review date")),
    ])

    def to_filters(self) -> Any:
        from abrazo.library.curation_selectors import ResourceFilters

        if not self.is_bound or not self.is_valid():
            return ResourceFilters()
        data = self.cleaned_data
        return ResourceFilters(text=data.get("q") or "", status=data.get("status") or "",
                               language=data.get("language") or "", kind=data.get("kind") or "",
                               link=data.get("link") or "", review=data.get("review") or "")
