"""The public resource library: browsing with facets and search, one resource, its uploaded file.

Public on purpose (no sign-in; signed-in staff see the same pages). The pages carry a CSRF token (the language
switcher posts) and a signed-in person's menu, so they may be kept by the visitor's own browser for a short while
but never by a shared cache. So is an uploaded file, so that a withdrawn resource's file stops being served soon.
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _

from abrazo.core.decorators import public
from abrazo.core.public_language import LanguageVersions
from abrazo.directory.models import Network
from abrazo.directory.selectors import public_network_or_choice
from abrazo.library import resource_selectors as selectors

PAGE_MAX_AGE = 120  # seconds the visitor's browser may reuse a page (a newly published resource shows soon)
# An uploaded file is kept by the visitor's own browser only, and briefly: a shared cache (a proxy, a CDN) would
# go on serving a withdrawn resource's file to everyone for as long as it was told, with no way to take it back.
FILE_MAX_AGE = 300

# What an uploaded file is served as, by its stored suffix. Only a PDF opens in the browser; everything else is
# downloaded, and anything not listed is plain bytes, so an uploaded page or image with a script never runs here.
FILE_TYPES: dict[str, tuple[str, bool]] = {
    "pdf": ("application/pdf", True),
    "doc": ("application/msword", False),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    "ppt": ("application/vnd.ms-powerpoint", False),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    "odt": ("application/vnd.oasis.opendocument.text", False),
    "epub": ("application/epub+zip", False),
    "mp3": ("audio/mpeg", False),
    "mp4": ("video/mp4", False),
    "png": ("image/png", False),
    "jpg": ("image/jpeg", False),
    "jpeg": ("image/jpeg", False),
}


def suggest_url(network: Network) -> str:
    """The public suggestion form's address for the network (built beside these pages by the curation work; no
    dead link while it does not exist)."""
    for name, args in (("library:suggest-for-network", [network.slug]), ("library:suggest", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def _page_language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _private_cache(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"private, max-age={PAGE_MAX_AGE}"
    return response


def _what_was_left_out(parsed: selectors.ParsedFilters) -> list[str]:
    """Said on the page itself (not as a stored message: a visitor without an account gets no session)."""
    notices = []
    if parsed.ignored:
        names = {"type": _("type"), "audience": _("for"), "topic": _("topic"), "language": _("language"),
                 "age": _("ages"), "sort": _("order"), "page": _("page")}
        notices.append(_("Some choices in this address were not recognised and were left out: %(names)s.")
                       % {"names": ", ".join(names[name] for name in parsed.ignored)})
    if parsed.shortened:
        notices.append(_("Your search was long, so only its first %(count)d characters were used.")
                       % {"count": selectors.MAX_TEXT})
    return notices


@public
def resource_list(request: HttpRequest, network_slug: str | None = None) -> HttpResponse:
    """The library of one network: facets, search, results. Without a network in the address: the site's network
    (ABRAZO_SITE_NETWORK), or the only network, or the only one with published resources, or a choice."""
    network = public_network_or_choice(slug=network_slug, offered=selectors.networks_with_resources())
    if network is None:
        return _private_cache(render(request, "library/resources/choose_network.html", {
            "networks": list(selectors.networks_with_resources()),
        }))
    topics = selectors.active_topics(network)
    parsed = selectors.parse_filters(request.GET, topics=topics)
    language = _page_language()
    result = selectors.browse(network=network, filters=parsed.filters, topics=topics, page_language=language)
    filters = parsed.filters
    base_params = filters.params()
    removable = [
        (facet.label, option.label, option.lang,
         _querystring([pair for pair in base_params if pair != (facet.name, option.value)]))
        for facet in result.facets for option in facet.options if option.selected
    ]
    if filters.text:
        removable.insert(0, (_("Search"), filters.text, "",
                             _querystring([pair for pair in base_params if pair[0] != "q"])))
    result.page.querystring_base = _querystring(base_params)
    list_url = (reverse("library:resource-list-for-network", args=[network.slug]) if network_slug
                else reverse("library:resource-list"))
    return _private_cache(render(request, "library/resources/list.html", {
        "network": network,
        "result": result,
        "filters": filters,
        "notices": _what_was_left_out(parsed),
        "facets": [facet for facet in result.facets if facet.shown],
        "removable": removable,
        # Each of the page's three forms sends the other two's choices along, so none forgets them.
        "hidden": {
            "search": [pair for pair in base_params if pair[0] != "q"],
            "facets": [pair for pair in base_params if pair[0] in ("q", "sort")],
            "sort": [pair for pair in base_params if pair[0] != "sort"],
        },
        "chosen": sum(facet.selected for facet in result.facets),
        "first_number": (filters.page - 1) * selectors.PER_PAGE + 1,
        "list_url": list_url,
        "sorts": [(selectors.RELEVANCE, _("Best match")), (selectors.NEWEST, _("Newest")),
                  (selectors.TITLE, _("Title (A to Z)"))],
        "suggest_url": suggest_url(network),
        "page_language": language,
        "filtered": bool(filters.text or filters.any_facet),
    }))


def _querystring(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs)


@public
def resource_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    """One published resource, in its own language, with its other language versions and related resources."""
    resource = selectors.resource_get(resource_id=pk)
    language = _page_language()
    about = selectors.detail(resource=resource, page_language=language)
    if resource.file:
        about.file_url = reverse("library:resource-file", args=[resource.pk])
    # Search engines are told the resource's translations (each its own page, in its own language), as the
    # sitemap tells them, rather than this page with ?lang= (which translates only the page around it). The
    # canonical address is the one without ?lang=.
    versions = [(resource.language, resource.get_absolute_url()),
                *((other.language, other.url) for other in about.translations)]
    return _private_cache(render(request, "library/resources/detail.html", {
        "language_versions": LanguageVersions(canonical=resource.get_absolute_url(),
                                              alternates=tuple(versions) if len(versions) > 1 else ()),
        "about": about,
        "resource": resource,
        "network": resource.network,
        "description": Truncator(" ".join(resource.summary.split())).chars(160),
        "list_url": reverse("library:resource-list-for-network", args=[resource.network.slug]),
        "suggest_url": suggest_url(resource.network),
        "page_language": language,
    }))


@public
def resource_file(request: HttpRequest, pk: UUID) -> FileResponse:
    """The uploaded file of a published resource, named after its title, with a type that cannot run here."""
    resource = selectors.resource_file_get(resource_id=pk)
    stored = resource.file.name or ""
    suffix = stored.rsplit(".", 1)[-1].lower() if "." in stored else ""
    content_type, inline = FILE_TYPES.get(suffix, ("application/octet-stream", False))
    try:
        handle = resource.file.open("rb")
    except (FileNotFoundError, OSError) as missing:
        raise Http404 from missing
    filename = f"{slugify(resource.title)[:80] or 'resource'}{'.' + suffix if suffix in FILE_TYPES else ''}"
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={FILE_MAX_AGE}"
    return response
