"""Characters a text cell may hold in Python but that PostgreSQL cannot store.

PostgreSQL's text (and jsonb) refuses the NUL character (U+0000) in every path (INSERT, COPY, a JSON "\\u0000"),
and a lone surrogate (U+D800-U+DFFF) cannot be encoded as UTF-8 at all. SQLite stores both, so an import that
does not look for them behaves differently on the two databases: a row error on neither, then a database error on
PostgreSQL only. Imports check their cells with `refused_character` and report a row error instead.
"""

from __future__ import annotations

import re

_REFUSED = re.compile("[\x00\ud800-\udfff]")


def refused_character(value: str) -> str | None:
    """A readable name ("U+0000") of the first character of `value` PostgreSQL cannot store, or None."""
    found = _REFUSED.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def without_refused(value: str) -> str:
    """`value` with those characters removed: to show the cell back in an error (a page cannot encode them)."""
    return _REFUSED.sub("", value)
