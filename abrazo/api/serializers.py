"""Output serializers that are fast enough for 500-row pages.

DRF's Serializer.to_representation walks every field's get_attribute/to_representation through several layers
per value; for a page of 500 rows with twenty fields that is most of the request's time. FastSerializer keeps the
declared fields (so validation of nothing changes and the OpenAPI document is the same) but turns them, once
per serializer, into a list of plain getters and converters, and runs that list per row.

Rows may be model instances or dicts from `.values()` (see ScopedListView.list_values): for a dict, a field's
source path is joined with "__", as the ORM names the columns (`county.name` -> "county__name"), and a nested
serializer reads its fields from the same dict under its own prefix.

Date-times are written in UTC, ISO 8601 with "Z".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from rest_framework import serializers

from abrazo.api.fields import RelatedKeysField

Getter = Callable[[Any], Any]


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else str(value)


def _uuid(value: Any) -> Any:
    return None if value is None else str(value)


def _datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _same(value: Any) -> Any:
    return value


def _converter(field: serializers.Field) -> Callable[[Any], Any]:  # type: ignore[type-arg]
    if isinstance(field, serializers.UUIDField):
        return _uuid
    if isinstance(field, serializers.DateTimeField):
        return _datetime
    if isinstance(field, serializers.DateField):
        return _date
    if isinstance(field, serializers.BooleanField | serializers.IntegerField | serializers.FloatField):
        return _same
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return _text
    if isinstance(field, serializers.ListField | serializers.DictField | serializers.JSONField):
        return _same
    return field.to_representation


def _model_path(attrs: list[str]) -> Getter:
    if len(attrs) == 1:
        name = attrs[0]
        return lambda obj: getattr(obj, name, None)

    def walk(obj: Any) -> Any:
        for name in attrs:
            if obj is None:
                return None
            obj = getattr(obj, name, None)
        return obj

    return walk


class FastSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Declare fields as on any Serializer; read-only output."""

    def _plan(self, *, for_dicts: bool, prefix: tuple[str, ...] = ()) -> list[tuple[str, Getter]]:
        key = ("_plan_dicts" if for_dicts else "_plan_models", prefix)
        cache: dict[Any, list[tuple[str, Getter]]] = self.__dict__.setdefault("_plans", {})
        if key not in cache:
            cache[key] = [(name, self._getter(field, for_dicts=for_dicts, prefix=prefix))
                          for name, field in self.fields.items() if not field.write_only]
        return cache[key]

    def _getter(self, field: Any, *, for_dicts: bool, prefix: tuple[str, ...]) -> Getter:
        attrs = list(field.source_attrs)
        if isinstance(field, serializers.SerializerMethodField):
            method = getattr(self, field.method_name)
            return method  # type: ignore[no-any-return]
        if isinstance(field, FastSerializer):
            if for_dicts:
                inner = field._plan(for_dicts=True, prefix=(*prefix, *attrs))

                def nested_from_dict(row: Any) -> Any:
                    values = {name: get(row) for name, get in inner}
                    return None if all(value is None for value in values.values()) else values

                return nested_from_dict
            fetch = _model_path(attrs)
            return lambda obj: (None if (value := fetch(obj)) is None else field.to_representation(value))
        if isinstance(field, serializers.ListSerializer) and isinstance(field.child, FastSerializer):
            child = field.child
            fetch = _model_path(attrs)

            def many(obj: Any) -> Any:
                value = fetch(obj)
                rows = value.all() if hasattr(value, "all") else (value or [])
                return [child.to_representation(row) for row in rows]

            return many
        if isinstance(field, RelatedKeysField):
            if for_dicts:
                column = "__".join((*prefix, *attrs))
                return lambda row: row.get(column, [])
            fetch = _model_path(attrs)
            return lambda obj: field.to_representation(fetch(obj))
        convert = _converter(field)
        if for_dicts:
            column = "__".join((*prefix, *attrs))
            return lambda row: convert(row.get(column))
        fetch = _model_path(attrs)
        return lambda obj: convert(fetch(obj))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self._plan(for_dicts=isinstance(instance, dict))
        return {name: get(instance) for name, get in plan}
