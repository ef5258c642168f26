"""Template filters for the answer forms: an item's branching logic as the JSON tree the browser evaluates."""

from __future__ import annotations

from django import template

from abrazo.measures import branching

register = template.Library()


@register.filter
def branching_json(logic: str | None) -> str:
    """The item's "show only if" logic as a compact JSON tree (measures/static/measures/branching.js reads it),
    or "" when the item always shows: no logic, or logic the server cannot read either."""
    return branching.logic_json(logic or "")
