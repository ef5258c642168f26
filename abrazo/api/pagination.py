"""Page-number pagination without COUNT(*): one query per page, fetching one row more than the page to know
whether there is a next one (like abrazo.core.pagination for the HTML lists)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_PAGE = 10_000  # keeps OFFSET bounded; filter to go deeper


def _positive_int(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or value > maximum:
        raise ValidationError(
            {name: [_("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}]}, code="invalid"
        )
    return value


def stably_ordered(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Pages must not shift between calls: end every ordering with the primary key."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering or [])
    if not any(str(field).lstrip("-") in ("pk", "id") for field in ordering):
        ordering.append("pk")
    return queryset.order_by(*ordering)


class ApiPagination(BasePagination):
    page_query_param = "page"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.page_size = _positive_int(request, self.page_size_query_param, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        self.page = _positive_int(request, self.page_query_param, 1, MAX_PAGE)
        offset = (self.page - 1) * self.page_size
        ordered = stably_ordered(queryset)
        rows = list(ordered[offset: offset + self.page_size + 1])
        # Kept so that a view may read related rows with the page as a subquery (see ScopedListView.page_ids).
        self.page_queryset = ordered[offset: offset + self.page_size]
        self.has_next = len(rows) > self.page_size
        return rows[: self.page_size]

    def _link(self, page: int | None) -> str | None:
        if page is None:
            return None
        url = self.request.build_absolute_uri()
        return remove_query_param(url, self.page_query_param) if page == 1 else replace_query_param(
            url, self.page_query_param, page)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({
            "page": self.page,
            "page_size": self.page_size,
            "next": self._link(self.page + 1 if self.has_next else None),
            "previous": self._link(self.page - 1 if self.page > 1 else None),
            "results": data,
        })

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["page", "page_size", "next", "previous", "results"],
            "properties": {
                "page": {"type": "integer", "example": 1},
                "page_size": {"type": "integer", "example": DEFAULT_PAGE_SIZE},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {"name": self.page_query_param, "required": False, "in": "query",
             "description": str(_("Page number, from 1.")),
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": str(_("Rows per page (default 100, at most 500).")),
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
        ]
