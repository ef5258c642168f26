"""Helpers for the search tests: a small library in one network, written in a line per resource.

    library(("es", "Los berrinches", "Qué hacer."), ("en", "Tantrums", "What to do."))

Resources come from `factories_resource.ResourceFactory` (published, indexed as the services index them).
"""

from __future__ import annotations

from typing import Any

from abrazo.directory.models import Network
from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library.models import Resource
from abrazo.library.tests.factories_resource import ResourceFactory


def library(*resources: tuple[str, str, str], network: Network | None = None, **common: Any) -> list[Resource]:
    """Published resources (language, title, summary) in one network (a new one unless given)."""
    network = network or NetworkFactory()
    return [ResourceFactory(network=network, language=language, title=title, summary=summary, **common)
            for language, title, summary in resources]
