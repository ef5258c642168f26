from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Network staff create accounts; there is no self sign-up.
        return bool(getattr(settings, "ACCOUNT_ALLOW_SIGNUPS", False))
