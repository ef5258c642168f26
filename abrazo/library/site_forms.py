"""Forms of the content-page editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.library.models import Page
from abrazo.library.site_services import PageData

MARKDOWN_HELP = _(
    "Write plain text. A blank line starts a new paragraph. “## ” at the start of a line makes a heading, “- ” a "
    "list item, **bold** and *italic* mark words, and [words](https://example.org) or [words](/requests/new/) make "
    "a link. Tables are allowed; pictures and HTML are not."
)


class PageForm(forms.Form):
    """A page's address, place in the menu, and its title, description and text in each language."""

    slug = forms.SlugField(label=_("Address"), max_length=80,
                           help_text=_("What comes after /site/ in the page's address. Lower-case letters, "
                                       "numbers and hyphens, e.g. “about-us”."))
    title_en = forms.CharField(label=_("Title in English"), max_length=200)
    description_en = forms.CharField(label=_("Description in English"), max_length=300, required=False,
                                     help_text=_("One sentence that search engines show under the title."))
    body_en = forms.CharField(label=_("Text in English"), widget=forms.Textarea(attrs={"rows": 18}),
                              help_text=MARKDOWN_HELP, strip=False)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=200, required=False)
    description_es = forms.CharField(label=_("Description in Spanish"), max_length=300, required=False)
    body_es = forms.CharField(label=_("Text in Spanish"), widget=forms.Textarea(attrs={"rows": 18}),
                              required=False, strip=False,
                              help_text=_("Needed before the page is published."))
    position = forms.IntegerField(label=_("Position in the menu"), min_value=0, max_value=32767, initial=100,
                                  help_text=_("Smaller numbers come first."))
    in_menu = forms.BooleanField(label=_("Show in the site menu"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title_en", "description_en", "body_en"):
            self.fields[name].widget.attrs["lang"] = "en"
        for name in ("title_es", "description_es", "body_es"):
            self.fields[name].widget.attrs["lang"] = "es"

    def to_data(self) -> PageData:
        data = self.cleaned_data
        return PageData(
            slug=data["slug"], title_en=data["title_en"], title_es=data["title_es"], body_en=data["body_en"],
            body_es=data["body_es"], description_en=data["description_en"], description_es=data["description_es"],
            position=data["position"], in_menu=data["in_menu"],
        )

    def preview(self) -> dict[str, str]:
        """What the editor typed, valid or not, for the preview beside the form."""
        raw = self.data if self.is_bound else {}
        return {name: str(raw.get(name, "")) for name in ("title_en", "body_en", "title_es", "body_es")}

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep what the editor typed and adopt the stored version, so that their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data["version"] = str(current_version)
        self.data = data
        self.add_error(None, message)


class PageCreateForm(CreateOnceMixin, PageForm):
    publish = forms.BooleanField(label=_("Publish now"), required=False,
                                 help_text=_("Otherwise the page is saved as a draft that only editors see."))


class PageEditForm(PageForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @staticmethod
    def initial_for(page: Page) -> dict[str, Any]:
        return {
            "slug": page.slug, "title_en": page.title_en, "title_es": page.title_es,
            "description_en": page.description_en, "description_es": page.description_es,
            "body_en": page.body_en, "body_es": page.body_es, "position": page.position, "in_menu": page.in_menu,
            "version": page.version,
        }


class PageStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
