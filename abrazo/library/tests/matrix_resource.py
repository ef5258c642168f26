"""Records for the permission matrix (tests/security/matrix.py) for the public resource library: what each URL's id
names, and one record "inside" and "outside" each scope.

Every URL here is @public, so the matrix expects 200 from everyone, signed in or not, for both records: a
published resource is public whatever its network (its page names its network; a network's library lists only
its own). "Inside" is a published resource of the world's network, "outside" one of the other network: both must
answer 200. What must not be reachable (suggested, declined or withdrawn resources, a file of an unpublished
one) is checked by abrazo/library/tests/test_browse_views.py, since the matrix only knows published records here.
"""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "library:resource-list-for-network": "network",  # a network's library, named by its slug: 200 for everyone
    "library:resource-detail": "published_resource",
    "library:resource-file": "published_resource",  # each has an uploaded PDF
}

SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "published_resource": {Scope.NETWORK: ("published_resource_a", "other_published_resource")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from abrazo.library.tests.factories_resource import ResourceFactory

    made: dict[str, Any] = {}
    for name, network in (("published_resource_a", objects["network"]),
                          ("other_published_resource", objects["other_network"])):
        resource = ResourceFactory(network=network, title=f"Matrix {name}")
        # The matrix fixture points MEDIA_ROOT at a temporary folder.
        resource.file.save("handout.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        made[name] = resource
    return made
