"""`?lang=en` / `?lang=es` on a public page: that page in that language, remembered afterwards.

Search engines index each language version of a public page at its own address (the hreflang alternates name
`?lang=en` and `?lang=es`), and a link shared in Spanish should open in Spanish whatever the reader's browser
says. The choice is then remembered in the language cookie, exactly as the language switcher remembers it for a
visitor without an account. Only public views honour the parameter (staff pages follow the person's account
and the switcher). Placed after UserLanguageMiddleware so that the parameter wins over a signed-in person's
saved language for that response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

PARAMETER = "lang"


@dataclass(frozen=True)
class LanguageVersions:
    """A public page's own canonical address and language versions (paths), for a view whose page has versions
    other than `?lang=` (a resource's translations are other resources). Put in the template's context as
    `language_versions`; base.html then names these instead of the `?lang=` ones."""

    canonical: str
    alternates: tuple[tuple[str, str], ...] = ()  # (hreflang, path)
    default: str = ""  # the x-default path, if any


def requested_language(request: HttpRequest) -> str | None:
    """The language the address asks for, if it is one of the site's."""
    value = request.GET.get(PARAMETER, "")
    return value if value in dict(settings.LANGUAGES) else None


class PublicLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, "abrazo_lang_param", None)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
            )
        return response

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        # Templates ask request.abrazo_public to add the alternates and canonical links of a public page.
        public = getattr(view_func, "abrazo_access", None) == "public"
        request.abrazo_public = public  # type: ignore[attr-defined]
        if not public or request.method not in ("GET", "HEAD"):
            return
        language = requested_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
            request.abrazo_lang_param = language  # type: ignore[attr-defined]
