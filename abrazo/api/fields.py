"""Serializer fields shared by the endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class RelatedKeysField(serializers.ListField):  # type: ignore[type-arg]
    """A many-to-many shown as a list of one attribute of each related row (language codes, county FIPS), read
    from the prefetched rows, so it costs no query per record."""

    def __init__(self, *, attribute: str = "pk", **kwargs: Any) -> None:
        self.attribute = attribute
        kwargs.setdefault("child", serializers.CharField())
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, data: Any) -> list[Any]:
        rows = data.all() if hasattr(data, "all") else data
        return [str(getattr(row, self.attribute)) for row in rows]
