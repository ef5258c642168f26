"""Every URL the project answers, read from Django's resolver, and the few that are not ours to decide.

The permission matrix and the MFA tests both walk this list, so a view added anywhere in the project
is checked by them without anyone remembering to add it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class Route:
    name: str  # namespaced ("directory:program-detail"); "" for an unnamed pattern
    route: str  # the pattern text from the root ("directory/programs/<uuid:pk>/")
    callback: Callable[..., Any]
    kwargs: tuple[str, ...]  # names of the URL's keyword arguments
    converters: dict[str, str]  # kwarg -> converter class name, for path() patterns

    @property
    def module(self) -> str:
        return getattr(self.callback, "__module__", "") or ""

    @property
    def access(self) -> str | None:
        """The decision a view declares with @public, @signed_in or @requires (see core.decorators)."""
        return getattr(self.callback, "abrazo_access", None)

    @property
    def permissions(self) -> tuple[str, ...]:
        """Every permission the view requires, outermost first. A view may stack @requires (a file download needs
        "export.download" and the page's own permission); `access` shows only the outermost, so this walks the
        decorators' __wrapped__ chain. Empty for @public and @signed_in views."""
        found: list[str] = []
        view: Any = self.callback
        while view is not None:
            decision = view.__dict__.get("abrazo_access") if hasattr(view, "__dict__") else None
            if decision not in (None, "public", "signed_in") and decision not in found:
                found.append(decision)
            view = getattr(view, "__wrapped__", None)
        return tuple(found)


@dataclass(frozen=True)
class Exemption:
    prefix: str  # route prefix the exemption covers
    modules: tuple[str, ...]  # the views under it must come from these modules (not from ours)
    reason: str


# Views that are not Abrazo's and so carry no @public/@signed_in/@requires. Each line says who guards
# them instead. An Abrazo view placed under one of these prefixes is *not* exempt (the module check).
EXEMPTIONS: tuple[Exemption, ...] = (
    Exemption(
        "accounts/",
        ("allauth.",),
        "django-allauth: sign-in, MFA, password reset and own sessions. Must open before sign-in and MFA; "
        "allauth's own login_required guards the account pages (tests/security/test_mfa.py, test_sessions.py).",
    ),
    Exemption(
        "admin/",
        (
            "django.contrib.admin.",
            "django.contrib.contenttypes.views",
            "django.views.generic.base",
            "abrazo.core.admin_site",
        ),
        "Django admin: every view goes through AdminSite.admin_view, which core.admin_site restricts to "
        "network administrators; its login page sends people to allauth (tests/security/test_admin_site.py).",
    ),
    Exemption(
        "static/",
        ("django.contrib.staticfiles.", "django.views.static"),
        "Static files in DEBUG only: stylesheets and scripts, no records.",
    ),
    Exemption(
        "i18n/",
        ("django.views.i18n",),
        "Django's language machinery (JavaScript catalogue): public strings only, no records.",
    ),
)


def exemption_for(route: Route) -> Exemption | None:
    for exemption in EXEMPTIONS:
        if route.route.startswith(exemption.prefix) and route.module.startswith(exemption.modules):
            return exemption
    return None


def _kwargs_of(pattern: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    if isinstance(pattern, RoutePattern):
        converters = {name: type(conv).__name__ for name, conv in pattern.converters.items()}
        return tuple(converters), converters
    return tuple(pattern.regex.groupindex), {}


def _text(pattern: Any) -> str:
    # A regex pattern reads "^static/(?P<path>.*)$"; without the anchor, prefixes compare as for path().
    return str(pattern).removeprefix("^")


def _walk(resolver: URLResolver, prefix: str, namespace: str, kwargs: tuple[str, ...],
          converters: dict[str, str]) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        own_kwargs, own_converters = _kwargs_of(entry.pattern)
        if isinstance(entry, URLResolver):
            child_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(
                entry, prefix + _text(entry.pattern), child_namespace,
                kwargs + own_kwargs, {**converters, **own_converters},
            )
        elif isinstance(entry, URLPattern):
            yield Route(
                name=f"{namespace}{entry.name}" if entry.name else "",
                route=prefix + _text(entry.pattern),
                callback=entry.callback,
                kwargs=kwargs + own_kwargs,
                converters={**converters, **own_converters},
            )


def all_routes() -> list[Route]:
    return list(_walk(get_resolver(), "", "", (), {}))


# --- REST API v1 (abrazo.api) -------------------------------------------------------------------------------
# The endpoints under /api/v1/ answer programs, not people: 401/403/404 as JSON, never a sign-in or MFA redirect.
# Each declares its token scope and its POLICY permission (abrazo.api.permissions.ApiAccess) and is tested in
# abrazo/api/tests, each app's tests/test_api.py and the OpenAPI fuzz run, so the matrix and the MFA walk, which
# expect pages, leave them out. The interactive docs page is for people and stays a project route.
API_PREFIX = "api/v1/"
API_PAGES_FOR_PEOPLE = ("api:docs",)


def is_api_endpoint(route: Route) -> bool:
    return route.route.startswith(API_PREFIX) and route.name not in API_PAGES_FOR_PEOPLE


def project_routes() -> list[Route]:
    """The routes that must carry an access decision: everything not covered by EXEMPTIONS (nor an API endpoint)."""
    return [route for route in all_routes() if exemption_for(route) is None and not is_api_endpoint(route)]
