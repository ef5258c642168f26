"""Records for the permission matrix (tests/security/matrix.py) for the library's curation pages and the public
suggestion form: what each URL's id names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "library:suggest-for-network": "network",  # the public form of one network, by its slug: 200 for everyone
    "library:curation-resource-edit": "curation_resource",
    "library:curation-resource-withdraw": "curation_resource",
    "library:curation-resource-translate": "curation_resource",
    "library:curation-resource-file": "curation_resource",
    "library:curation-resource-approve": "curation_suggestion",
    "library:curation-resource-decline": "curation_suggestion",
    "library:curation-topic-edit": "curation_topic",
}

# curation_resource_a: a published resource of the world's network with an uploaded PDF (so its file page
# answers); curation_suggestion_a: a suggestion waiting in its queue; curation_topic_a: one of its topics. The
# other_* records belong to the other network (resource.curate and site.edit are network-wide).
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "curation_resource": {Scope.NETWORK: ("curation_resource_a", "other_curation_resource")},
    "curation_suggestion": {Scope.NETWORK: ("curation_suggestion_a", "other_curation_suggestion")},
    "curation_topic": {Scope.NETWORK: ("curation_topic_a", "other_curation_topic")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from abrazo.library.tests.factories_curation import pdf_upload
    from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory

    made: dict[str, Any] = {}
    for prefix, network in (("{}_a", objects["network"]), ("other_{}", objects["other_network"])):
        resource = ResourceFactory(network=network)
        resource.file.save("guide.pdf", pdf_upload(), save=True)
        made[prefix.format("curation_resource")] = resource
        made[prefix.format("curation_suggestion")] = ResourceFactory(network=network, suggested=True)
        made[prefix.format("curation_topic")] = TopicFactory(network=network)
    return made
