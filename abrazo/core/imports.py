"""What every upload-then-confirm import shares: its outcomes and its confirm page.

The directory import (abrazo/directory/imports.py) and the roster and incident imports
(abrazo/incidents/imports.py) check a file, stage it under a token, and write it when the person confirms.
They differ in what they check and write and in where a file belongs (a network or a program), not in how
a confirm ends, so the exceptions, the result and the confirm page's flow live here once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from abrazo.core.tabular import TableError

KindT = TypeVar("KindT")
SummaryT = TypeVar("SummaryT")


class ImportExpired(Exception):
    """The staged file is gone (expired, imported, or never staged by this person for this place and kind)."""


class ImportRejected(Exception):
    """The staged file no longer passes the checks (the database changed since the preview)."""

    def __init__(self, preview: Any) -> None:
        super().__init__("rejected")
        self.preview = preview


@dataclass(frozen=True)
class ImportResult(Generic[KindT, SummaryT]):
    kind: KindT
    summary: SummaryT
    already_done: bool = False  # a second confirm of the same token: nothing was written this time


@dataclass(frozen=True)
class ConfirmSteps:
    """One import's side of the confirm page.

    The three services take the place the file belongs to and its kind as keywords (`scope`, given to
    confirm_page): `import_confirm(actor=, token=, **scope)`, `finished(user=, token=, **scope)` and
    `staged_context(user=, token=, **scope)`, which returns what the preview shows of a staged file (at least
    "summary" and "rows"), or None when nothing is staged under the token for this person.
    """

    import_confirm: Callable[..., object]
    finished: Callable[..., Any | None]
    staged_context: Callable[..., Mapping[str, Any] | None]
    upload_template: str
    confirm_template: str
    upload_form: type[forms.Form]
    confirm_form: type[forms.Form]


def confirm_page(request: HttpRequest, steps: ConfirmSteps, context: dict[str, Any], **scope: Any) -> HttpResponse:
    """The confirm URL is both the preview (GET, a staged token) and the result (GET, a finished token).

    POST imports and redirects to the same URL, so reloading the result page never imports twice.
    """
    if request.method == "POST":
        form = steps.confirm_form(request.POST)
        token = form.cleaned_data["token"] if form.is_valid() else ""
        try:
            steps.import_confirm(actor=request.user, token=token, **scope)
        except ImportExpired:
            return render(request, steps.confirm_template, {**context, "state": "expired"})
        except ImportRejected as rejected:
            return render(
                request,
                steps.upload_template,
                {
                    **context,
                    "form": steps.upload_form(),
                    "preview": rejected.preview,
                    "changed_since": True,
                },
            )
        return redirect(f"{context['confirm_url']}?token={token}")

    token = request.GET.get("token", "")
    done = steps.finished(user=request.user, token=token, **scope)
    if done is not None:
        return render(request, steps.confirm_template, {**context, "state": "done", "summary": done.summary})
    staged = steps.staged_context(user=request.user, token=token, **scope)
    if staged is None:
        return render(request, steps.confirm_template, {**context, "state": "expired"})
    return render(
        request,
        steps.confirm_template,
        {
            **context,
            "state": "staged",
            **staged,
            "form": steps.confirm_form(initial={"token": token}),
        },
    )


def table_error_message(problem: TableError, *, too_large: str, too_many_rows: str) -> str:
    """The spreadsheet reader's refusal in the person's language, naming the problem and what to do. Every upload
    that reads a table shares these words, so the catalogue holds one translation; `too_large` and `too_many_rows`
    are the caller's own, already translated advice, since the limits and what to do about them differ (split an
    import, pick the right norm table)."""
    code = problem.code
    if code == TableError.TOO_LARGE:
        return too_large
    if code == TableError.TOO_MANY_ROWS:
        return too_many_rows
    if code == TableError.UNPACKS_TOO_MUCH:
        return _("The workbook unpacks to far more data than it holds, so it was not opened. "
                 "Save it again from your spreadsheet program, or save it as CSV.")
    if code == TableError.NOT_XLSX:
        return _("The file is not a valid XLSX workbook. Save it again as XLSX or CSV.")
    if code == TableError.EMPTY:
        return _("The file is empty.")
    if code == TableError.NO_HEADER:
        return _("The file has no header row. The first row must name the columns.")
    if code == TableError.DUPLICATE_COLUMN:
        return _("The column “%(column)s” appears twice in the header.") % {"column": problem.column}
    return _("The file could not be read as CSV or XLSX. Save it as CSV (UTF-8) or XLSX and try again.")
