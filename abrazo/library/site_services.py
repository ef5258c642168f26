"""Writing the public site's content pages: create, edit, publish, unpublish, and the default pages a network
starts with. Only network administrators write pages ("site.edit").

The rules, checked here so that every door (page, shell, demo) keeps them:
- a page's address is short, lower-case, unique in its network, and not one the site uses for itself;
- English title and text are always needed; a published page needs its Spanish title and text too (the public
  site is bilingual, and a visitor reading Spanish must never land on an empty page);
- a link in the text goes to http(s), mailto or this site only, and pictures are not shown: the editor is told
  which links would be dropped rather than discovering it on the public page.

Edits are versioned (two editors at once: the second is told), creation is double-submit safe, every write is
audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import Network
from abrazo.library import markup, site_defaults
from abrazo.library.models import Page, PageStatus
from abrazo.library.site_selectors import EDIT, library_url

# Addresses under /site/ that the site itself uses.
RESERVED_SLUGS = frozenset({"manage"})
MAX_BODY = 30_000
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A link's target: up to the closing parenthesis, allowing one level of balanced ones inside ("alert(1)").
_LINK_TARGET = re.compile(r"\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))*)")
_IMAGE = re.compile(r"!\[[^\]]*\]\(")


@dataclass(frozen=True)
class PageData:
    slug: str
    title_en: str
    title_es: str
    body_en: str
    body_es: str
    description_en: str = ""
    description_es: str = ""
    position: int = 0
    in_menu: bool = True

    def cleaned(self) -> PageData:
        return PageData(
            slug=self.slug.strip().lower(), title_en=self.title_en.strip(), title_es=self.title_es.strip(),
            body_en=self.body_en.strip(), body_es=self.body_es.strip(),
            description_en=" ".join(self.description_en.split()),
            description_es=" ".join(self.description_es.split()),
            position=self.position, in_menu=self.in_menu,
        )


FIELDS = ["slug", "title_en", "title_es", "body_en", "body_es", "description_en", "description_es", "position",
          "in_menu"]


def _text_problems(name: str, text: str, errors: dict[str, list[str]]) -> None:
    if len(text) > MAX_BODY:
        errors.setdefault(name, []).append(
            _("Keep the text to %(most)d characters or fewer.") % {"most": MAX_BODY})
    refused = [target for target in _LINK_TARGET.findall(text) if target and not markup.link_allowed(target)]
    if refused:
        errors.setdefault(name, []).append(
            _("These links cannot go on the site (only web addresses starting with https:// or http://, email "
              "addresses with mailto:, and addresses on this site): %(links)s") % {"links": ", ".join(refused)})
    if _IMAGE.search(text):
        errors.setdefault(name, []).append(
            _("Pictures are not shown on the site: remove the “![…](…)” and link to the picture instead if it "
              "helps."))


def _slug_taken(*, network: Network, slug: str, page: Page | None) -> bool:
    others = Page.objects.filter(network=network, slug=slug)
    if page is not None:
        others = others.exclude(pk=page.pk)
    return others.exists()


def check_page(data: PageData, *, network: Network, published: bool, page: Page | None = None) -> None:
    """Refuse a page the site cannot show well; every problem at once, each on its field."""
    errors: dict[str, list[str]] = {}
    if not data.slug:
        errors["slug"] = [_("Give the page an address, e.g. “about-us”.")]
    elif not _SLUG.match(data.slug):
        errors["slug"] = [_("Use lower-case letters, numbers and single hyphens only, e.g. “about-us”.")]
    elif data.slug in RESERVED_SLUGS:
        errors["slug"] = [_("The site uses the address “%(slug)s” for itself; choose another.") % {"slug": data.slug}]
    elif _slug_taken(network=network, slug=data.slug, page=page):
        errors["slug"] = [_("Another page of this network already has the address “%(slug)s”.")
                          % {"slug": data.slug}]
    if not data.title_en:
        errors["title_en"] = [_("Write the title in English.")]
    if not data.body_en:
        errors["body_en"] = [_("Write the text in English.")]
    if published:
        if not data.title_es:
            errors["title_es"] = [_("A published page needs its title in Spanish too.")]
        if not data.body_es:
            errors["body_es"] = [_("A published page needs its text in Spanish too.")]
    for name in ("body_en", "body_es"):
        _text_problems(name, getattr(data, name), errors)
    if errors:
        raise ValidationError(errors)


def _owner(actor: Any) -> str:
    return f"site-page:{actor.pk}"


@transaction.atomic
def page_create(
    *, actor: Any, network: Network, data: PageData, publish: bool = False, submission_key: UUID | None = None,
) -> Page:
    """A new page of the network, a draft unless `publish`."""
    access.require(actor, EDIT, network)
    claim_submission(owner=_owner(actor), key=submission_key, model=Page)
    data = data.cleaned()
    check_page(data, network=network, published=publish)
    page = Page.objects.create(
        network=network, status=PageStatus.PUBLISHED if publish else PageStatus.DRAFT, updated_by=actor,
        **{name: getattr(data, name) for name in FIELDS},
    )
    audit.record_change(user=actor, obj=page, action=Action.CREATE)
    remember_submission(owner=_owner(actor), key=submission_key, obj=page)
    return page


@transaction.atomic
def page_edit(*, actor: Any, page: Page, data: PageData, expected_version: int) -> Page:
    """Change a page's address, titles, descriptions, texts or place in the menu; it keeps its status."""
    access.require(actor, EDIT, page)
    data = data.cleaned()
    check_page(data, network=page.network, published=page.status == PageStatus.PUBLISHED, page=page)
    for name in FIELDS:
        setattr(page, name, getattr(data, name))
    page.updated_by = actor
    save_versioned(page, expected_version=expected_version, update_fields=[*FIELDS, "updated_by"])
    audit.record_change(user=actor, obj=page)
    return page


def _set_status(*, actor: Any, page: Page, status: str, expected_version: int) -> Page:
    access.require(actor, EDIT, page)
    if status == PageStatus.PUBLISHED:
        fields = {name: getattr(page, name) for name in FIELDS}
        check_page(PageData(**fields), network=page.network, published=True, page=page)
    page.status = status
    page.updated_by = actor
    save_versioned(page, expected_version=expected_version, update_fields=["status", "updated_by"])
    audit.record_change(user=actor, obj=page)
    return page


@transaction.atomic
def page_publish(*, actor: Any, page: Page, expected_version: int) -> Page:
    """Put the page on the public site (it must be complete in both languages)."""
    return _set_status(actor=actor, page=page, status=PageStatus.PUBLISHED, expected_version=expected_version)


@transaction.atomic
def page_unpublish(*, actor: Any, page: Page, expected_version: int) -> Page:
    """Take the page off the public site; it stays as a draft for its editors."""
    return _set_status(actor=actor, page=page, status=PageStatus.DRAFT, expected_version=expected_version)



def _default_values(network: Network) -> dict[str, str]:
    values = {
        "request_url": reverse("intake:request-create"),
        "apply_url": reverse("workforce:apply-cohorts"),
        "library_url": library_url(),
        "voices_url": reverse("workforce:voices"),
        "network": network.name,
    }
    for language in ("en", "es"):
        values[f"contact_{language}"] = site_defaults.contact_lines(
            network=network.name, email=network.contact_email, phone=network.contact_phone, language=language)
    return values


@transaction.atomic
def install_default_pages(*, network: Network) -> list[Page]:
    """Create, published, the default pages the network does not have yet (by address); return those created.
    Safe to run again and at the same time from two requests: a page already there is never touched."""
    values = _default_values(network)
    created = []
    for default in site_defaults.DEFAULT_PAGES:
        page, made = Page.objects.get_or_create(
            network=network, slug=default.slug,
            defaults={
                "title_en": default.title_en, "title_es": default.title_es,
                "description_en": default.description_en.format(**values),
                "description_es": default.description_es.format(**values),
                "body_en": default.body_en.format(**values), "body_es": default.body_es.format(**values),
                "position": default.position, "in_menu": default.in_menu, "status": PageStatus.PUBLISHED,
            },
        )
        if made:
            audit.record(user=None, action=Action.CREATE, object_type="library.page", object_id=str(page.pk))
            created.append(page)
    return created
