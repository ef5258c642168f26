"""Template helpers of the public site: the site menu, safe Markdown, and the links search engines read
(canonical and hreflang alternates). Used by base.html, so every public page of every area gets them."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from abrazo.core.public_language import PARAMETER, LanguageVersions
from abrazo.library import markup, site_selectors
from abrazo.library.site_selectors import library_url

register = template.Library()

MENU_CACHE = "_abrazo_site_menu"


@register.filter
def markdown(text: str) -> SafeString:
    """A page body rendered by library.markup: no raw HTML, only safe links, no pictures."""
    # Safe because markup.render escapes everything it is given and keeps only allowed links.
    return mark_safe(markup.render(str(text or "")))


def _site_menu(request: HttpRequest | None) -> dict[str, Any]:
    """The site network and its menu pages, read once per request however many times a template asks."""
    cached = getattr(request, MENU_CACHE, None) if request is not None else None
    if cached is not None:
        return cached
    try:
        network = site_selectors.site_network()
    except Http404:
        menu: dict[str, Any] = {"network": None, "pages": []}
    else:
        menu = {"network": network, "pages": site_selectors.menu_pages(network=network)}
    if request is not None:
        setattr(request, MENU_CACHE, menu)
    return menu


@register.inclusion_tag("site/_menu.html", takes_context=True)
def site_menu(context: template.Context) -> dict[str, Any]:
    """The public site's menu (for visitors who are not signed in): its pages, then the library and the request
    form."""
    request = context.get("request")
    language = get_language() or "en"
    menu = _site_menu(request)
    items = [(page.in_language(language)[0], reverse("site:page", args=[page.slug])) for page in menu["pages"]]
    path = request.path if request is not None else ""
    return {"items": items, "path": path, "network": menu["network"], "library_url": library_url()}



@register.simple_tag(takes_context=True)
def site_network_name(context: template.Context) -> str:
    menu = _site_menu(context.get("request"))
    return menu["network"].name if menu["network"] is not None else ""


def _with_language(request: HttpRequest, language: str | None) -> str:
    """The request's address (absolute) with `?lang=` set to `language`, or removed when None; other
    parameters kept."""
    query: QueryDict = request.GET.copy()
    query.pop(PARAMETER, None)
    if language:
        query[PARAMETER] = language
    encoded = query.urlencode()
    return request.build_absolute_uri(request.path + (f"?{encoded}" if encoded else ""))


@register.filter
def without_lang(request: HttpRequest) -> str:
    """The request's path and query without `lang` (where the language switcher sends the visitor back, so
    that an address's `?lang=` does not undo the choice just made)."""
    query = request.GET.copy()
    query.pop(PARAMETER, None)
    encoded = query.urlencode()
    return request.path + (f"?{encoded}" if encoded else "")


@register.inclusion_tag("site/_seo_links.html", takes_context=True)
def seo_links(context: template.Context) -> dict[str, Any]:
    """On a public page: the canonical address (this language's version) and each language's version, plus
    x-default (the address without `lang`, which follows the visitor's language). A view whose page has other
    versions (a resource and its translations) names them in the context as `language_versions`."""
    request = context.get("request")
    if request is None or not getattr(request, "abrazo_public", False) or getattr(request, "resolver_match", None) \
            is None:
        return {"show": False}
    from django.conf import settings

    own = context.get("language_versions")
    if isinstance(own, LanguageVersions):
        return {
            "show": True,
            "canonical": request.build_absolute_uri(own.canonical),
            "alternates": [(code, request.build_absolute_uri(path)) for code, path in own.alternates],
            "default": request.build_absolute_uri(own.default) if own.default else "",
        }

    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return {
        "show": True,
        "canonical": _with_language(request, current),
        "alternates": [(code, _with_language(request, code)) for code, _name in settings.LANGUAGES],
        "default": _with_language(request, None),
    }
