"""Preparing rows for long list pages cheaply.

A list of fifty rows that calls `reverse()` and `get_FOO_display()` per row spends more time there
than in the database: `get_FOO_display` rebuilds a hashable choices map (translating every label)
on each call. These helpers do that work once per page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.urls import reverse

_PLACEHOLDER = uuid.UUID(int=0)


def attach_detail_urls(items: Iterable[Any], url_name: str, *, attribute: str = "detail_url") -> None:
    """Set `item.<attribute>` to the detail URL of each item, reversing the pattern only once."""
    template = reverse(url_name, args=[_PLACEHOLDER])
    head, _, tail = template.partition(str(_PLACEHOLDER))
    for item in items:
        setattr(item, attribute, f"{head}{item.pk}{tail}")


def attach_choice_labels(items: Iterable[Any], field: str, choices: Iterable[tuple[str, Any]]) -> None:
    """Set `item.<field>_label` from a choices list translated once for the whole page."""
    labels = {value: str(label) for value, label in choices}
    for item in items:
        value = getattr(item, field)
        setattr(item, f"{field}_label", labels.get(value, value))
