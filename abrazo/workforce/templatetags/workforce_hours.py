"""`{{ value|hours }}`: a number of hours as people write it, in the reader's language: 24, 4.5, 0.25 (24, 4,5,
0,25 in Spanish). Django's floatformat either keeps trailing zeros ("4.50") or rounds quarter hours away."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


def format_hours(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    places = next(places for places in (0, 1, 2) if number == number.quantize(Decimal(1).scaleb(-places)))
    return str(number_format(number, decimal_pos=places, use_l10n=True))


register.filter("hours", format_hours)


def hours_plural(value: Any) -> int:
    """The count to choose "hour" or "hours" with (blocktranslate count): 1 for exactly one hour, else 2.
    gettext's plural forms want an integer, and 1.5 hours is plural."""
    try:
        return 1 if Decimal(str(value)) == 1 else 2
    except InvalidOperation:
        return 2


register.filter("hours_plural", hours_plural)
