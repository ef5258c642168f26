"""Helpers for the curation and suggestion tests: uploads, the public form's answers, a spy on the search index.
Resources and topics themselves come from factories_resource.py (shared by every library area)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from abrazo.library import search

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_upload(name: str = "guide.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def signed_in(user: Any, **headers: Any) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def form_key(client: Client, url: str) -> str:
    """The one-time key a create form carries (read from the page, as a browser would send it back)."""
    page = client.get(url).content.decode()
    found = re.search(r'name="submission_key" value="([0-9a-f-]+)"', page)
    assert found, "the form carries a one-time key"
    return found.group(1)


def suggestion_answers(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Cuando los pequeños tienen berrinches", "url": "https://recursos.example.org/berrinches",
        "kind": "tip_sheet", "language": "es", "audiences": ["families", "providers"], "topics": [],
        "note": "La usamos en nuestro programa con muy buenos resultados.", "name": "Rosa Méndez",
        "email": "Rosa@Example.org", "website": "",
    }
    values.update(overrides)
    return values


@contextmanager
def index_spy() -> Iterator[list[list[Any]]]:
    """Record every call to search.index_resources (and still run it): the ids of each call, in order."""
    calls: list[list[Any]] = []
    original = search.index_resources

    def record(resource_ids: list[Any]) -> None:
        calls.append(list(resource_ids))
        original(resource_ids)

    search.index_resources = record  # type: ignore[assignment]
    try:
        yield calls
    finally:
        search.index_resources = original  # type: ignore[assignment]
