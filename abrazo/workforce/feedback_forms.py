"""Forms of feedback from the field: asking a cohort or a group, choosing which results to see, choosing
comments, and writing a voice. Forms keep what was typed when the service refuses it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.directory.models import Network, Region
from abrazo.measures import links
from abrazo.workforce import feedback_selectors as selectors
from abrazo.workforce.feedback_services import MAX_GROUP_EMAILS, parse_emails
from abrazo.workforce.models import Cohort, CohortSession, FeedbackContext
from abrazo.workforce.voice_selectors import CommentFilters, CommentRow


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _days_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Days the links stay valid"), min_value=1, max_value=links.MAX_DAYS_VALID,
        initial=links.DEFAULT_DAYS_VALID,
    )


class CohortFeedbackForm(CreateOnceMixin, forms.Form):
    session = forms.ChoiceField(label=_("Ask about"), required=False)
    days_valid = _days_field()

    def __init__(self, *args: Any, sessions: Sequence[CohortSession], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = {str(session.pk): session for session in sessions}
        _choices(self, "session", [
            ("", _("The whole cohort")),
            *((key, f"{session} · {session.held_on:%Y-%m-%d}") for key, session in self.sessions.items()),
        ])

    def chosen_session(self) -> CohortSession | None:
        return self.sessions.get(self.cleaned_data.get("session") or "")


class GroupFeedbackForm(CreateOnceMixin, forms.Form):
    emails = forms.CharField(
        label=_("Email addresses of the people who came"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One a line. Only the addresses are kept, to send the links; no names."),
    )
    language = forms.ChoiceField(label=_("Language of the email and the survey"), choices=settings.LANGUAGES)
    days_valid = _days_field()

    def clean_emails(self) -> list[str]:
        found, wrong = parse_emails(self.cleaned_data.get("emails") or "")
        if wrong:
            raise forms.ValidationError(_("These are not email addresses: %(wrong)s. Correct or remove them.")
                                        % {"wrong": ", ".join(wrong[:10])})
        if not found:
            raise forms.ValidationError(_("Enter at least one email address."))
        if len(found) > MAX_GROUP_EMAILS:
            raise forms.ValidationError(
                _("Send to at most %(most)d addresses at a time.") % {"most": MAX_GROUP_EMAILS})
        return found


FILTER_FIELDS = ("network", "context", "region", "cohort", "completed_from", "completed_until", "year")


class FeedbackFilterForm(forms.Form):
    network = forms.ChoiceField(label=_("Network"), required=False)
    context = forms.ChoiceField(label=_("Feedback about"), choices=FeedbackContext.choices, required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    cohort = forms.ChoiceField(label=_("Training cohort"), required=False,
                               help_text=_("For feedback about trainings only."))
    completed_from = forms.DateField(label=_("Answered from"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    completed_until = forms.DateField(label=_("Answered until"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    year = forms.ChoiceField(label=_("Answered in the year"), required=False,
                             help_text=_("From July to June; only years that have ended."))

    def __init__(self, data: Any = None, *, networks: Sequence[Network], network: Network, regions: Sequence[Region],
                 cohorts: Sequence[Cohort], exact: bool = True, years: Sequence[int] = ()) -> None:
        """`exact`: free choices (any region, cohort and dates); otherwise the suppressed sight's fixed cells (one
        region or one cohort, as the kind of feedback decides, and one of `years`, July to June, newest first)."""
        if data is not None:
            data = data.copy()
            data["network"] = str(network.pk)  # resolved (and checked) by the view
        self.exact, self.years = exact, list(years)
        initial = {"network": str(network.pk), "context": FeedbackContext.EPISODE}
        if not exact and years:
            initial["year"] = str(years[0])
        super().__init__(data, initial=initial)
        _choices(self, "network", [(str(found.pk), found.name) for found in networks])
        if len(networks) < 2:
            self.fields["network"].widget = forms.HiddenInput()
        _choices(self, "region", [("", _("Every region")), *((str(r.pk), r.name) for r in regions)])
        _choices(self, "cohort", [("", _("Every cohort")), *((str(c.pk), c.name) for c in cohorts)])
        if exact:
            del self.fields["year"]
        else:
            del self.fields["completed_from"], self.fields["completed_until"]
            self.fields["region"].help_text = _("For consultation and group feedback.")
            _choices(self, "year", [
                (str(start), _("July %(start)d to June %(end)d") % {"start": start, "end": start + 1})
                for start in years])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("completed_from"), cleaned.get("completed_until")
        if start and end and end < start:
            self.add_error("completed_until", _("The period must end on or after the day it starts."))
        if not self.exact and not cleaned.get("year") and self.years:
            cleaned["year"] = str(self.years[0])  # the newest year that has ended, as when nothing was chosen
        if not self.exact and cleaned.get("context") == FeedbackContext.TRAINING and cleaned.get("region"):
            self.add_error("region", _("Published training feedback is shown for the whole network or one cohort: "
                                       "choose every region, and a cohort if you wish."))
        return cleaned

    def filters(self) -> selectors.Filters:
        if not self.is_bound:
            if not self.exact and self.initial.get("year"):
                return selectors.Filters.for_year(int(self.initial["year"]))
            return selectors.Filters()
        data = self.cleaned_data
        context = data.get("context") or FeedbackContext.EPISODE
        chosen = {
            "context": context, "region_id": UUID(data["region"]) if data.get("region") else None,
            "cohort_id": UUID(data["cohort"]) if data.get("cohort") and context == FeedbackContext.TRAINING else None,
        }
        if not self.exact:
            return selectors.Filters.for_year(int(data["year"]), **chosen)
        return selectors.Filters(**chosen, completed_from=data.get("completed_from"),
                                 completed_until=data.get("completed_until"))


class CommentFilterForm(forms.Form):
    consenting_only = forms.BooleanField(label=_("Only comments whose authors agreed to publication"),
                                         required=False)
    context = forms.ChoiceField(label=_("Feedback about"), required=False,
                                choices=[("", _("Everything")), *FeedbackContext.choices])
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("Every language")), *settings.LANGUAGES])

    def filters(self) -> CommentFilters:
        if not self.is_bound or not self.is_valid():
            return CommentFilters()
        data = self.cleaned_data
        return CommentFilters(consenting_only=bool(data.get("consenting_only")), context=data.get("context") or "",
                              language=data.get("language") or "")


_QUOTE_HELP = _("You may shorten the comment and put words of your own in [square brackets], e.g. [my consultant] "
                "instead of a name. Nothing else may be added, and never a name, an email address or a phone number.")
_ATTRIBUTION_HELP = _("A role and a place, in the language of the quote, e.g. “a family child care provider in the "
                      "Central Valley”. Never a name.")


class VoiceForm(CreateOnceMixin, forms.Form):
    item_key = forms.ChoiceField(label=_("Comment"), widget=forms.RadioSelect)
    text = forms.CharField(label=_("Quote"), widget=forms.Textarea(attrs={"rows": 6}), strip=True,
                           help_text=_QUOTE_HELP)
    attribution = forms.CharField(label=_("Attribution"), max_length=200, help_text=_ATTRIBUTION_HELP)
    publish = forms.BooleanField(label=_("Publish it now on the public page"), required=False)

    def __init__(self, *args: Any, row: CommentRow, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "item_key", [(comment.item_key, comment.question) for comment in row.comments])
        if len(row.comments) == 1:
            self.fields["item_key"].widget = forms.HiddenInput()
        if not self.is_bound and row.comments:
            self.initial.setdefault("item_key", row.comments[0].item_key)
            self.initial.setdefault("text", row.comments[0].text)
        for name in ("text", "attribution"):
            self.fields[name].widget.attrs["lang"] = row.language


class VoiceEditForm(forms.Form):
    text = forms.CharField(label=_("Quote"), widget=forms.Textarea(attrs={"rows": 6}), strip=True,
                           help_text=_QUOTE_HELP)
    attribution = forms.CharField(label=_("Attribution"), max_length=200, help_text=_ATTRIBUTION_HELP)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("text", "attribution"):
            self.fields[name].widget.attrs["lang"] = language

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep what the curator typed and adopt the stored version, so that their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data["version"] = str(current_version)
        self.data = data
        self.add_error(None, message)


class VoiceStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[
        ("published", _("Publish")), ("retired", _("Withdraw from the public page")), ("draft", _("Back to draft")),
    ])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VoiceMoveForm(forms.Form):
    voice = forms.UUIDField(widget=forms.HiddenInput)
    step = forms.TypedChoiceField(choices=[("-1", _("Up")), ("1", _("Down"))], coerce=int)
