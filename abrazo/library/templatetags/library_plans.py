"""`{{ code|language_label }}`: a language code as its name in the reader's language, for the plan and share
lists (resources and recipients are in the library's languages; any other code shows as it is)."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def language_label(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))
