"""Keyset-free but count-free pagination: big lists never pay for COUNT(*) on every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    number: int
    has_next: bool
    has_previous: bool
    querystring_base: str

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def paginate(request: HttpRequest, queryset: QuerySet[Any], *, per_page: int) -> Page[Any]:
    """One query per page: fetch one row more than the page to know whether a next page exists."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    number = min(number, 10_000)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    params = request.GET.copy()
    params.pop("page", None)
    return Page(
        items=rows[:per_page],
        number=number,
        has_next=len(rows) > per_page,
        has_previous=number > 1,
        querystring_base=params.urlencode(),
    )
