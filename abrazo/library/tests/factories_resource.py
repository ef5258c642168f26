"""Factories for the resource library: topics, works (the language versions of one resource) and resources.

Shared by every library area's tests. Records are built directly, not through the services; `ResourceFactory`
calls `search.index_resources` after it has set the topics, as the services do, so that searching finds what a
test built whatever the search structures are.

    topic = TopicFactory(network=network, key="big-feelings")
    english = ResourceFactory(network=network, title="Big feelings", topics=[topic])   # published, English
    spanish = translation_of(english, title="Emociones fuertes")                      # same work, Spanish
    pending = ResourceFactory(network=network, suggested=True)                        # a suggestion
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library import search
from abrazo.library.models import (
    Audience,
    Resource,
    ResourceKind,
    ResourceStatus,
    ResourceWork,
    Topic,
    audience_bits_of,
)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    network = factory.SubFactory(NetworkFactory)
    key = factory.Sequence(lambda n: f"topic-{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    name_es = factory.Sequence(lambda n: f"Tema {n}")
    position = factory.Sequence(lambda n: n)
    is_active = True


class ResourceWorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceWork

    network = factory.SubFactory(NetworkFactory)


class ResourceFactory(factory.django.DjangoModelFactory):
    """A published English tip sheet for families of toddlers by default. `audiences=[...]` sets the bitmask from
    Audience values; `topics=[...]` sets the topics; `suggested=True` makes it a suggestion from the public form
    (with who sent it); `declined=True` / `withdrawn=True` the other statuses."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    class Params:
        audiences = (Audience.FAMILIES,)
        suggested = factory.Trait(
            status=ResourceStatus.SUGGESTED,
            published_at=None,
            suggested_by_name=factory.Sequence(lambda n: f"Suggester {n}"),
            suggested_by_email=factory.Sequence(lambda n: f"suggester{n}@example.org"),
            suggestion_note="We used it with our families and they liked it.",
        )
        declined = factory.Trait(status=ResourceStatus.DECLINED, published_at=None,
                                 decline_reason="Not about young children.")
        withdrawn = factory.Trait(status=ResourceStatus.WITHDRAWN)

    network = factory.SubFactory(NetworkFactory)
    work = factory.SubFactory(ResourceWorkFactory, network=factory.SelfAttribute("..network"))
    language = "en"
    title = factory.Sequence(lambda n: f"Resource {n}")
    summary = factory.LazyAttribute(lambda resource: f"A short summary of {resource.title.lower()}.")
    kind = ResourceKind.TIP_SHEET
    audience_bits = factory.LazyAttribute(lambda resource: audience_bits_of(list(resource.audiences)))
    age_from_months = 12
    age_to_months = 36
    source_organisation = "Example Early Childhood Center"
    url = factory.Sequence(lambda n: f"https://resources.example.org/{n}")
    review_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    status = ResourceStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def topics(self, create: bool, extracted: Iterable[Topic] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def index(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        # After the topics, like the services: the search structures see the finished record.
        if create:
            search.index_resources([self.pk])


def translation_of(resource: Resource, language: str = "es", **overrides: Any) -> Resource:
    """Another language version of `resource` (same work, network, type, audiences, ages and topics)."""
    values: dict[str, Any] = {
        "network": resource.network, "work": resource.work, "language": language, "kind": resource.kind,
        "audience_bits": resource.audience_bits, "age_from_months": resource.age_from_months,
        "age_to_months": resource.age_to_months, "source_organisation": resource.source_organisation,
        "topics": list(resource.topics.all()),
    }
    values.update(overrides)
    return ResourceFactory(**values)
