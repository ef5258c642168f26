"""Factories for the public site's content pages. Built directly, not through the services.

    page = PageFactory(network=network)                        # published, in the menu, English and Spanish
    draft = PageFactory(network=network, status="draft", slug="coming-soon")
"""

from __future__ import annotations

import factory

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library.models import Page, PageStatus


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    network = factory.SubFactory(NetworkFactory)
    slug = factory.Sequence(lambda n: f"page-{n}")
    title_en = factory.Sequence(lambda n: f"Page {n}")
    title_es = factory.Sequence(lambda n: f"Página {n}")
    description_en = "A page about consultation."
    description_es = "Una página sobre la consultoría."
    body_en = "Consultation supports the **adults** around young children."
    body_es = "La consultoría apoya a los **adultos** que rodean a los niños pequeños."
    status = PageStatus.PUBLISHED
    position = factory.Sequence(lambda n: n)
    in_menu = True
