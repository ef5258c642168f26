"""Records for the permission matrix (tests/security/matrix.py) for the public site's pages: what each URL's id or
slug names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "site:page": "site_public_page",  # the public page at /site/<slug>/: 200 for everyone, signed in or not
    "site:page-edit": "site_page",  # editing, previewing and publishing: site.edit, the page's network
    "site:page-preview": "site_page",
    "site:page-publish": "site_page",
}

# site_page_a: a published page of the world's network (which is also the public site's network: the first by
# name); site_draft_a: a draft of it; other_site_page: a page of the other network.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "site_page": {Scope.NETWORK: ("site_draft_a", "other_site_page")},
    # A public URL has no outside: both records are published pages of the site's network.
    "site_public_page": {Scope.NETWORK: ("site_page_a", "site_page_a")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from abrazo.library.models import PageStatus
    from abrazo.library.tests.factories_site import PageFactory

    return {
        "site_page_a": PageFactory(network=objects["network"], slug="about-us"),
        "site_draft_a": PageFactory(network=objects["network"], slug="coming-soon", status=PageStatus.DRAFT),
        "other_site_page": PageFactory(network=objects["other_network"], slug="elsewhere"),
    }
