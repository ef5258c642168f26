"""Streamed file downloads: a CSV of any length sent as it is written, with safe download headers.

The rows should come from an iterator over a server-side cursor (`queryset.values_list(...).iterator(
chunk_size=...)`), so that neither the rows nor the file are ever whole in memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import StreamingHttpResponse

from abrazo.core.tabular import csv_stream

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9.-]+")  # runs of anything else, underscores included, become one "_"
_CONTROL = re.compile(r"[\x00-\x1f\x7f/\\]+")


def download_filename(filename: str, *, default: str = "export.csv") -> tuple[str, str]:
    """(ASCII fallback, full name) for a Content-Disposition header.

    Old clients read only `filename=`, so it gets the name with accents folded ("Evaluación" ->
    "Evaluacion") and anything else replaced; control characters and path separators are taken out of
    both, so a name cannot break the header or point outside the downloads folder.
    """
    full = _CONTROL.sub("_", filename).strip(" .") or default
    folded = unicodedata.normalize("NFKD", full).encode("ascii", "ignore").decode("ascii")
    ascii_name = _UNSAFE_ASCII.sub("_", folded).strip("._") or default
    return ascii_name, full


def attachment_header(filename: str) -> str:
    ascii_name, full = download_filename(filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(full, safe='')}"


def streaming_csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A CSV download written while it is sent (see tabular.csv_stream: BOM, CRLF, formula-safe cells)."""
    response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(filename)
    # Exports hold personal data: never cached by a browser or a proxy, never sniffed into HTML.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
