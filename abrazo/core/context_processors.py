from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def abrazo(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the demo banner and the signed-in user's navigation."""
    from abrazo.accounts.navigation import navigation_for

    user = getattr(request, "user", None)
    return {
        "demo_mfa_code": settings.ABRAZO_DEMO_MFA_CODE,
        "nav_items": navigation_for(user, request) if user is not None and user.is_authenticated else [],
    }
