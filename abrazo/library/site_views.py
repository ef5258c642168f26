"""The public site (home for signed-out visitors, content pages, sitemap.xml, robots.txt) and the editing of its
pages by the network's administrators.

Public pages are public on purpose: no sign-in, no tracking, no third-party anything (the Content-Security-Policy
would refuse it). Each public page says which language it is in (<html lang>), offers its other language version
(hreflang alternates, `?lang=`), and has a title and a description for search engines. A network without any
page gets the default pages the first time its site is opened.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import public, requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import Network
from abrazo.library import markup
from abrazo.library import site_selectors as selectors
from abrazo.library import site_services as services
from abrazo.library.models import Page, PageStatus
from abrazo.library.site_forms import PageCreateForm, PageEditForm, PageStatusForm
from abrazo.workforce.voice_selectors import published_voices

DESCRIPTION_LENGTH = 160  # what search engines show of a description


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _site(request: HttpRequest) -> Network:
    """The site's network, with its default pages installed the first time the site is opened."""
    network = selectors.site_network()
    if not selectors.network_has_pages(network=network):
        services.install_default_pages(network=network)
    return network


# --- public ------------------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """The site's front page (what "/" shows a visitor who is not signed in; core.views.home dispatches)."""
    try:
        network = _site(request)
    except Http404:
        # A new installation without any network yet has no public site: the front door is the sign-in page.
        return redirect("account_login")
    language = _language()
    pages = selectors.menu_pages(network=network)
    return render(request, "site/home.html", {
        "network": network,
        "pages": [(page, page.in_language(language)) for page in pages],
        "voices": published_voices(network=network)[: selectors.HOME_VOICES],
        "resources": selectors.newest_resources(network=network, language=language),
        "library_url": selectors.library_url(),
    })


@public
@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    """Public on purpose: one published content page in the visitor's language."""
    network = _site(request)
    found = selectors.public_page(network=network, slug=slug)
    language = _language()
    title, description, body = found.in_language(language)
    return render(request, "site/page.html", {
        "network": network, "page": found, "title": title, "body": body,
        # Page.in_language falls back to English where the Spanish is empty; the text then says it is English.
        "content_language": "es" if language == "es" and found.body_es else "en",
        "description": description or markup.plain_text(body, limit=DESCRIPTION_LENGTH),
    })


@public
@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    """Public on purpose: the addresses of the site's pages (each language version, with its alternates) and of
    the library's published resources, for search engines."""
    network = selectors.site_network()
    pages = selectors.sitemap_pages(network=network)
    entries: list[selectors.SitemapEntry] = []
    home_versions = {"en": "/?lang=en", "es": "/?lang=es", "x-default": "/"}
    latest = max((p.updated_at for p in pages), default=None)
    for language in ("en", "es"):
        entries.append(selectors.SitemapEntry(path=home_versions[language], lastmod=latest,
                                              alternates=home_versions))
    for found in pages:
        path = reverse("site:page", args=[found.slug])
        versions = {"en": f"{path}?lang=en", "es": f"{path}?lang=es", "x-default": path}
        for language in ("en", "es"):
            entries.append(selectors.SitemapEntry(path=versions[language], lastmod=found.updated_at,
                                                  alternates=versions))
    entries.extend(selectors.sitemap_resources(network=network, limit=selectors.SITEMAP_LIMIT - len(entries)))
    base = request.build_absolute_uri("/").rstrip("/")
    return render(request, "site/sitemap.xml", {"entries": entries, "base": base},
                  content_type="application/xml; charset=utf-8")


# Staff areas that search engines have no business with (they answer with a sign-in page anyway). The public
# pages under them are allowed by a longer rule, which wins.
ROBOTS_DISALLOWED = ("/accounts/", "/admin/", "/api/", "/audit/", "/directory/", "/requests/", "/matching/",
                     "/episodes/", "/children/", "/equity/", "/measures/", "/workforce/", "/library/curation/",
                     "/site/manage/", "/i18n/")


@public
@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    """Public on purpose: what crawlers may visit, and where the sitemap is."""
    allowed = [reverse("intake:request-create"), reverse("workforce:apply-cohorts"), reverse("workforce:voices")]
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Allow: {path}" for path in allowed]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOWED]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# --- editing -----------------------------------------------------------------------------------------------


def _previewing(request: HttpRequest) -> bool:
    return request.method == "POST" and "preview" in request.POST


@requires(selectors.EDIT)
def page_list(request: HttpRequest) -> HttpResponse:
    networks = selectors.editable_networks_for(user=request.user)
    for network in networks:
        if not selectors.network_has_pages(network=network):
            services.install_default_pages(network=network)
    pages = list(selectors.page_list_for(user=request.user))
    return render(request, "site/pages/list.html", {
        "pages": pages, "networks": networks, "title": _("Site pages"),
    })


def _form_page(request: HttpRequest, form: Any, *, title: str, page: Page | None = None,
               network: Network | None = None) -> HttpResponse:
    return render(request, "site/pages/form.html", {
        "form": form, "page": page, "network": network, "title": title,
        "preview": form.preview() if _previewing(request) else None,
    })


@requires(selectors.EDIT)
def page_new(request: HttpRequest) -> HttpResponse:
    """A new page: saved as a draft, or published at once; "Preview" shows it without saving."""
    networks = selectors.editable_networks_for(user=request.user)
    network = networks[0]
    form = PageCreateForm(request.POST if request.method == "POST" else None)
    title = _("New page")
    if request.method == "POST" and not _previewing(request) and form.is_valid():
        try:
            created = services.page_create(
                actor=request.user, network=network, data=form.to_data(), publish=form.cleaned_data["publish"],
                submission_key=form.submission_key_value(),
            )
        except AlreadySubmitted as already:
            messages.info(request, _("This form had already been sent, so the page was made once."))
            if isinstance(already.existing, Page):
                return redirect("site:page-edit", pk=already.existing.pk)
            return redirect("site:page-list")
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("The page is on the site.") if created.status == PageStatus.PUBLISHED
                             else _("The page was saved as a draft."))
            return redirect("site:page-edit", pk=created.pk)
    return _form_page(request, form, title=title, network=network)


@requires(selectors.EDIT)
def page_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Edit a page's titles and texts with a preview of both languages beside the form."""
    found = selectors.page_get_for(user=request.user, page_id=pk)
    form = PageEditForm(request.POST if request.method == "POST" else None,
                        initial=PageEditForm.initial_for(found))
    if request.method == "POST" and not _previewing(request) and form.is_valid():
        try:
            services.page_edit(actor=request.user, page=found, data=form.to_data(),
                               expected_version=form.cleaned_data["version"])
        except StaleEditError as stale:
            found.refresh_from_db()
            form.mark_stale(current_version=found.version, message=str(stale))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("The page was saved."))
            return redirect("site:page-edit", pk=found.pk)
    return _form_page(request, form, title=_("Edit a page"), page=found, network=found.network)


@requires(selectors.EDIT)
def page_preview(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The saved page in both languages, as the public will see it (drafts too: only editors reach this)."""
    found = selectors.page_get_for(user=request.user, page_id=pk)
    return render(request, "site/pages/preview.html", {
        "page": found, "title": _("Preview: %(title)s") % {"title": found.title_en},
        "preview": {"title_en": found.title_en, "body_en": found.body_en,
                    "title_es": found.title_es, "body_es": found.body_es},
    })


@requires(selectors.EDIT)
def page_publish(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Put a page on the public site or take it off (GET: the choice)."""
    found = selectors.page_get_for(user=request.user, page_id=pk)
    form = PageStatusForm(request.POST if request.method == "POST" else None, initial={"version": found.version})
    if request.method == "POST" and form.is_valid():
        publish = request.POST.get("status") == PageStatus.PUBLISHED
        change = services.page_publish if publish else services.page_unpublish
        try:
            change(actor=request.user, page=found, expected_version=form.cleaned_data["version"])
        except StaleEditError as stale:
            messages.error(request, str(stale))
            return redirect("site:page-publish", pk=found.pk)
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            for message in problem.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The page is on the site.") if publish
                             else _("The page was taken off the site; it is a draft again."))
            return redirect("site:page-list")
    return render(request, "site/pages/publish.html", {
        "form": form, "page": found, "title": _("Publish or take off the site"),
    })
