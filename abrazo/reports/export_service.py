"""Exports: deciding, writing, queueing, downloading and expiring them. Every export is audited once.

An export is asked for with a kind (reports/export_kinds.py), a format and filters. It needs both
"export.download" and the permission to see the records (or, for evaluators, "report.view_suppressed",
which gives the de-identified, suppressed form); anyone else gets a 404, audited as denied. Up to
ABRAZO_EXPORT_QUEUE_ROWS rows (50,000) stream straight to the browser, audited with the ids of the rows in
scope; more are written by a task into private storage, audited with the count and the filters, and the
owner is emailed when the file is ready. Files expire after ABRAZO_EXPORT_TTL_DAYS (7): `abrazo
expire_exports` (and any access to an expired file) deletes them.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.streaming import attachment_header
from abrazo.core.tabular import XLSX_CONTENT_TYPE, xlsx_write
from abrazo.equity.suppression import DEFAULT_HIGH, Relation, suppress
from abrazo.reports import export_writers as writers
from abrazo.reports.export_kinds import (
    DOWNLOAD_PERMISSION,
    KINDS,
    ExportKind,
    deid_paths,
    deid_row_maker,
    form_for,
    scoped_queryset,
)
from abrazo.reports.models import ExportFile, ExportFormat, ExportStatus

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
IDENTIFIED, DEIDENTIFIED = "identified", "deidentified"


def queue_threshold() -> int:
    return int(getattr(settings, "ABRAZO_EXPORT_QUEUE_ROWS", 50_000))


def ttl() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "ABRAZO_EXPORT_TTL_DAYS", 7)))


@dataclass
class ExportPlan:
    user: Any
    kind: ExportKind
    form: str  # IDENTIFIED or DEIDENTIFIED
    file_format: str
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def deidentified(self) -> bool:
        return self.form == DEIDENTIFIED

    def queryset(self) -> QuerySet[Any]:
        rows = scoped_queryset(self.user, self.kind, self.form)
        path = self.kind.date_path
        if path:
            field_type = rows.model._meta.get_field(path).get_internal_type()
            lookup = f"{path}__date" if field_type == "DateTimeField" else path
            if self.filters.get("from"):
                rows = rows.filter(**{f"{lookup}__gte": self.filters["from"]})
            if self.filters.get("until"):
                rows = rows.filter(**{f"{lookup}__lte": self.filters["until"]})
        return rows

    def audit_extra(self) -> list[str]:
        return [f"format={self.file_format}", f"form={self.form}",
                *(f"{name}={value}" for name, value in sorted(self.filters.items()))]


def _clean_filters(kind: ExportKind, filters: dict[str, Any]) -> dict[str, str]:
    """Only the date filters a kind has, as ISO dates; anything else is dropped (never trusted into a query)."""
    cleaned: dict[str, str] = {}
    if not kind.date_path:
        return cleaned
    for name in ("from", "until"):
        value = filters.get(name)
        if isinstance(value, dt.date):
            cleaned[name] = value.isoformat()
        elif value:
            try:
                cleaned[name] = dt.date.fromisoformat(str(value)).isoformat()
            except ValueError as exc:
                raise Http404 from exc
    return cleaned


def export_plan(*, user: Any, kind_key: str, file_format: str, filters: dict[str, Any] | None = None) -> ExportPlan:
    """What this user would get for this kind; 404 (audited as denied) when they may not export it."""
    kind = KINDS.get(kind_key)
    form = form_for(user, kind) if kind is not None else None
    if kind is None or form is None or file_format not in ExportFormat.values:
        audit.record_denied(user=user, object_type=kind.model_label if kind else DOWNLOAD_PERMISSION,
                            action=Action.EXPORT)
        raise Http404
    return ExportPlan(user=user, kind=kind, form=form, file_format=file_format,
                      filters=_clean_filters(kind, filters or {}))


# --- de-identified rows -------------------------------------------------------------------------------


def suppression_high(user: Any) -> int:
    """The network's `suppress_up_to` (EquitySettings), or the default 10 when it has none."""
    from abrazo.equity.models import EquitySettings

    network = user.primary_network
    high = EquitySettings.objects.filter(network=network).values_list("suppress_up_to", flat=True).first()
    return high or DEFAULT_HIGH


def deidentified_table(plan: ExportPlan) -> tuple[list[str], Iterator[list[Any]], int]:
    """(header, rows, rows dropped). Two passes over the rows: the first counts the groups of
    quasi-identifiers, the second writes the rows of the groups that may be published. Only the group counts
    are held in memory (a few thousand county x setting x month groups), never the rows."""
    spec = plan.kind.deidentified
    assert spec is not None
    header = [column.header for column in spec.columns]
    queryset = plan.queryset()
    make = deid_row_maker(spec)
    paths = deid_paths(spec)
    if not spec.group_by:
        every_row = (make(row) for row in queryset.values_list(*paths).iterator(chunk_size=writers.ITERATOR_CHUNK))
        return header, every_row, 0
    # The group key: the quasi-identifier columns, in the file's column order, as written in the file.
    group_columns = [column for column in spec.columns if column.header in spec.group_by]
    positions = [header.index(column.header) for column in group_columns]
    group_paths = [path for column in group_columns for path in column.paths]
    group_make = deid_row_maker(type(spec)(columns=tuple(group_columns)))
    counts: Counter[tuple[Any, ...]] = Counter()
    for values in queryset.values_list(*group_paths).iterator(chunk_size=writers.ITERATOR_CHUNK):
        counts[tuple(group_make(values))] += 1
    high = suppression_high(plan.user)
    keys = list(counts)
    # The groups with their total, the total taken as known (a network report publishes how many requests,
    # incidents... there were): a lone small group is then never the only one dropped, since the total minus
    # the published groups would give it back.
    group_sizes = [counts[key] for key in keys]
    group_sizes.append(sum(group_sizes))
    relation = Relation(total=len(keys), parts=tuple(range(len(keys))))
    hidden = suppress(group_sizes, [relation], high=high, known=[len(keys)])
    dropped = {keys[index] for index in hidden if index < len(keys)}
    dropped_rows = sum(counts[key] for key in dropped)

    def published_rows() -> Iterator[list[Any]]:
        for values in queryset.values_list(*paths).iterator(chunk_size=writers.ITERATOR_CHUNK):
            row = make(values)
            if dropped and tuple(row[index] for index in positions) in dropped:
                continue
            yield row

    return header, published_rows(), dropped_rows


# --- writing ------------------------------------------------------------------------------------------


def csv_chunks(plan: ExportPlan) -> Iterator[bytes]:
    if plan.deidentified:
        header, rows, _dropped = deidentified_table(plan)
        return writers.python_csv_chunks(header, rows)
    return writers.identified_csv(plan.queryset(), plan.kind.columns)


def write_xlsx(plan: ExportPlan, target: str | IO[bytes]) -> int:
    title = str(plan.kind.label)
    if plan.deidentified:
        header, rows, _dropped = deidentified_table(plan)
        return xlsx_write(target, header, rows, sheet_title=title)
    return xlsx_write(target, plan.kind.headers, writers.identified_xlsx_rows(plan.queryset(), plan.kind.columns),
                      sheet_title=title)


def write_file(plan: ExportPlan, target: str) -> int:
    """Write the whole export to the file `target`; return the data rows written."""
    if plan.file_format == ExportFormat.XLSX:
        return write_xlsx(plan, target)
    records = CsvRecordCounter()
    with open(target, "wb") as out:
        for chunk in csv_chunks(plan):
            records.feed(chunk)
            out.write(chunk)
    return max(records.count - 1, 0)  # less the header


class CsvRecordCounter:
    """Counts the records of a CSV stream fed in chunks as they are written: a record ends with an LF outside
    quotes; an LF inside a quoted cell (a note, an address on two lines) is part of the cell.

    One counter for both paths (COPY's output and csv.writer's), counting what is actually in the file: a
    COUNT(*) run beforehand would cost a second pass over the scoped query and could disagree with the rows
    written if rows were added between the two statements. Both writers quote with '"' and double a '"' inside
    a cell, so splitting on '"' alternates between unquoted and quoted stretches ('""' leaves the state as it
    was); the line breaks are counted in the unquoted stretches only, with bytes.split/count (C speed)."""

    def __init__(self) -> None:
        self.count = 0
        self._quoted = False  # inside a quoted cell at the end of the last chunk

    def feed(self, chunk: bytes) -> None:
        parts = chunk.split(b'"')
        first_unquoted = 1 if self._quoted else 0
        self.count += sum(part.count(b"\n") for part in parts[first_unquoted::2])
        if len(parts) % 2 == 0:  # an odd number of quotes in the chunk flips the state
            self._quoted = not self._quoted


def _filename(plan: ExportPlan) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    suffix = "-deidentified" if plan.deidentified else ""
    return f"{plan.kind.key}{suffix}-{stamp}.{plan.file_format}"


def _no_store(response: Any) -> Any:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stream_response(plan: ExportPlan) -> StreamingHttpResponse | FileResponse:
    """A small export sent as it is written (CSV) or from a temporary file (XLSX)."""
    if plan.file_format == ExportFormat.CSV:
        response: Any = StreamingHttpResponse(csv_chunks(plan), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = attachment_header(_filename(plan))
        return _no_store(response)
    # An anonymous temporary file (a zip is written whole before it can be read): it disappears when the
    # response closes it, whatever happens.
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the FileResponse)
    try:
        write_xlsx(plan, handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE, as_attachment=True, filename=_filename(plan))
    return _no_store(response)


# --- asking for an export -------------------------------------------------------------------------------


@dataclass
class Started:
    response: StreamingHttpResponse | FileResponse | None = None  # a small export, to send now
    export: ExportFile | None = None  # a large one, queued


def export_start(*, user: Any, kind_key: str, file_format: str, filters: dict[str, Any] | None = None) -> Started:
    """Stream a small export now, or queue a large one; audit it either way (ids, or count and filters)."""
    plan = export_plan(user=user, kind_key=kind_key, file_format=file_format, filters=filters)
    queryset = plan.queryset()
    threshold = queue_threshold()
    # One query of ids, cut at the threshold: it decides the path and is the audit's list for a small export.
    ids = list(queryset.values_list("pk", flat=True)[: threshold + 1])
    if len(ids) <= threshold:
        audit.record(user=user, action=Action.EXPORT, object_type=plan.kind.model_label,
                     object_ids=[*ids, *plan.audit_extra()])
        return Started(response=stream_response(plan))
    return Started(export=_queue(plan, rows=queryset.count()))


@transaction.atomic
def _queue(plan: ExportPlan, *, rows: int) -> ExportFile:
    from abrazo.reports import tasks

    network = plan.user.primary_network
    export = ExportFile.objects.create(
        owner=plan.user, network=network, kind=plan.kind.key, file_format=plan.file_format,
        deidentified=plan.deidentified, filters=plan.filters, status=ExportStatus.QUEUED,
        expires_at=timezone.now() + ttl(),
    )
    audit.record(user=plan.user, action=Action.EXPORT, object_type=plan.kind.model_label, object_id=str(export.pk),
                 object_ids=[f"rows={rows}", *plan.audit_extra()])
    transaction.on_commit(lambda: tasks.build_export.enqueue(export_id=str(export.pk)))
    return export


def export_build(
    *, export_id: str, notify: Callable[[ExportFile], None] | None = None
) -> ExportFile | None:
    """Write a queued export's file (run by the task queue). The owner's permissions are checked again: a
    person who lost them while the file waited gets a failed export, not the file.

    Safe to run twice for one export (a task queue may deliver a task again): only the run whose conditional
    UPDATE moves it from queued to running builds it, and only the run that then moves it from running to
    ready/failed calls `notify` (the owner's email). Any other run returns None and does nothing."""
    claimed = ExportFile.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, updated_at=timezone.now())
    if not claimed:
        return None
    export = ExportFile.objects.select_related("owner").get(pk=export_id)
    return _build_claimed(export, notify)


def _build_claimed(export: ExportFile, notify: Callable[[ExportFile], None] | None) -> ExportFile | None:
    try:
        plan = export_plan(user=export.owner, kind_key=export.kind, file_format=export.file_format,
                           filters=export.filters)
        if plan.deidentified != export.deidentified:
            raise Http404
    except Http404:
        return _finish(export, status=ExportStatus.FAILED, error="permission", notify=notify)
    storage = export.file.storage
    # The file is written beside its final place (same file system, so saving it is a rename-sized copy); exports
    # are kept in a FileSystemStorage (models.ExportStorage), anything else gets the system's temporary folder.
    directory = storage.location if isinstance(storage, FileSystemStorage) else tempfile.gettempdir()
    os.makedirs(directory, exist_ok=True)
    descriptor, path = tempfile.mkstemp(suffix=f".{export.file_format}", dir=directory)
    os.close(descriptor)
    try:
        rows = write_file(plan, path)
        with open(path, "rb") as written:
            export.file.save(f"x.{export.file_format}", File(written), save=False)
        export.row_count, export.size_bytes = rows, export.file.size
        return _finish(export, status=ExportStatus.READY, notify=notify)
    except Exception:
        _finish(export, status=ExportStatus.FAILED, error="error", notify=notify)
        raise
    finally:
        if os.path.exists(path):
            os.remove(path)


def _finish(
    export: ExportFile, *, status: str, error: str = "", notify: Callable[[ExportFile], None] | None = None
) -> ExportFile | None:
    """Move a running export to its final status; notify, and return it, only if this call moved it (a
    conditional UPDATE: of two runs of one export, one only finishes it)."""
    now = timezone.now()
    export.status, export.error, export.finished_at, export.updated_at = status, error, now, now
    moved = ExportFile.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
        status=status, error=error, finished_at=now, row_count=export.row_count, size_bytes=export.size_bytes,
        file=export.file.name or "", updated_at=now,
    )
    if not moved:
        return None
    if notify is not None:
        notify(export)
    return export


# --- the exports centre ---------------------------------------------------------------------------------


def export_list_for(*, user: Any) -> list[ExportFile]:
    """The user's own files, newest first; expired ones are expired on the way (their files deleted)."""
    mine = ExportFile.objects.owned_by(user)
    for export in mine.due_to_expire():
        expire(export)
    return list(mine.exclude(status=ExportStatus.DELETED)[:100])


def export_get_for(*, user: Any, export_id: UUID | str) -> ExportFile:
    """One of the user's own files; anyone else's is a 404 (audited), whatever their role."""
    export = ExportFile.objects.owned_by(user).filter(pk=export_id).exclude(status=ExportStatus.DELETED).first()
    if export is None:
        audit.record_denied(user=user, object_type="reports.exportfile", object_id=str(export_id)[:64],
                            action=Action.EXPORT)
        raise Http404
    return export


def export_download(*, user: Any, export_id: UUID | str) -> FileResponse:
    """The file of a ready export, after checking ownership and the permissions again; audited."""
    export = export_get_for(user=user, export_id=export_id)
    if export.is_expired and export.status != ExportStatus.EXPIRED:
        expire(export)
    if export.status != ExportStatus.READY:
        raise Http404
    plan = export_plan(user=user, kind_key=export.kind, file_format=export.file_format, filters=export.filters)
    if plan.deidentified != export.deidentified:  # the person's sight changed since: the file is not theirs now
        raise Http404
    ExportFile.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
    audit.record(user=user, action=Action.EXPORT, object_type=plan.kind.model_label, object_id=str(export.pk),
                 object_ids=["download", f"rows={export.row_count}", *plan.audit_extra()])
    content_type = CSV_CONTENT_TYPE if export.file_format == ExportFormat.CSV else XLSX_CONTENT_TYPE
    response = FileResponse(export.file.open("rb"), content_type=content_type, as_attachment=True,
                            filename=export.filename)
    return _no_store(response)


def _remove_file(export: ExportFile) -> None:
    if export.file and export.file.name:
        export.file.storage.delete(export.file.name)
        export.file = None  # type: ignore[assignment]


def export_delete(*, user: Any, export_id: UUID | str) -> ExportFile:
    export = export_get_for(user=user, export_id=export_id)
    _remove_file(export)
    export.status = ExportStatus.DELETED
    export.save(update_fields=["file", "status", "updated_at"])
    audit.record_change(user=user, obj=export, action=Action.DELETE)
    return export


def expire(export: ExportFile) -> None:
    _remove_file(export)
    export.status = ExportStatus.EXPIRED
    export.save(update_fields=["file", "status", "updated_at"])


def expire_exports(*, now: dt.datetime | None = None) -> int:
    """Delete the files of every export past its expiry; return how many were expired."""
    done = 0
    for export in ExportFile.objects.due_to_expire(now).iterator():
        expire(export)
        done += 1
    return done


# --- tables already computed (network reports) ------------------------------------------------------------


def export_table_response(
    *, user: Any, name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], file_format: str,
    object_type: str, audit_extra: Sequence[str] = (),
) -> StreamingHttpResponse | FileResponse:
    """A report's table (already computed and already cut to the person's sight: suppressed for evaluators)
    as a CSV or XLSX download: checks export.download, audits one export event (object type, the format and
    `audit_extra`, never a cell), and writes it as the record exports are (formula-safe, BOM, LF; XLSX typed).
    For network reports and any other page that offers its tables as files."""
    if file_format not in ExportFormat.values or not access.has_permission(user, DOWNLOAD_PERMISSION):
        audit.record_denied(user=user, object_type=object_type, action=Action.EXPORT)
        raise Http404
    audit.record(user=user, action=Action.EXPORT, object_type=object_type,
                 object_ids=[f"format={file_format}", *audit_extra])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{name}-{stamp}.{file_format}"
    if file_format == ExportFormat.CSV:
        response: Any = StreamingHttpResponse(writers.python_csv_chunks(header, rows), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = attachment_header(filename)
        return _no_store(response)
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the FileResponse)
    try:
        xlsx_write(handle, header, rows, sheet_title=name)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return _no_store(FileResponse(handle, content_type=XLSX_CONTENT_TYPE, as_attachment=True, filename=filename))
