"""Django system checks of Abrazo's own settings (registered in CoreConfig.ready; `abrazo check` runs them, and so
do `migrate` and `check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

# A tag of our own: these are about Abrazo working as intended, not about Django's security checklist.
TAG = "abrazo"


def check_site_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Emails link back to Abrazo (assignments, reminders, survey and certificate links, a published suggestion,
    a resource sent from an episode); without SITE_URL those links are paths without a host, which no mail reader
    opens. Development has a default, so only a deployment (DEBUG off) can miss it."""
    if settings.DEBUG or str(getattr(settings, "ABRAZO_SITE_URL", "") or "").strip():
        return []
    return [checks.Warning(
        "SITE_URL is not set: the links in the emails Abrazo sends would be incomplete (a path without the "
        "site's address).",
        hint="Set SITE_URL to the address people use to reach Abrazo, e.g. https://abrazo.example.org.",
        id="abrazo.W001",
    )]
