"""Every write on the resource library: suggestions from the public, curation by staff, topics, link checks.

- Anyone may suggest a resource (`resource_suggest`: no account, so no permission check; the public view adds
  the honeypot and the per-address rate limit). A suggestion waits in the curators' queue with status
  "suggested"; its sender gets an acknowledgement in the language they used the site in.
- Curators (`resource.curate`: network administrators and regional coordinators, across their network) add
  resources directly, edit, approve (published, with who curated it and when, shown publicly), decline (with
  a reason), withdraw, and add another language version of the same work. Administrators (`site.edit`) manage
  the network's topics.
- Every change is audited, edits and decisions are versioned (two curators at once: the second is told), create
  forms are double-submit safe, and the search structures are brought up to date once the change commits.
- Emails go through the task queue after commit, so a rolled-back change never sends mail.
- Uploaded files: a file replaced or removed by an edit is deleted from the media folder once the edit commits.
  Declined and withdrawn resources keep theirs, since either may be published again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.ratelimit import rate_limit_hit
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.core.uploads import refuse_malware_signature
from abrazo.directory.models import Language, Network
from abrazo.library import link_check, search
from abrazo.library.models import (
    Audience,
    LinkStatus,
    Resource,
    ResourceKind,
    ResourceStatus,
    ResourceWork,
    Topic,
    audience_bits_of,
)

CURATE = "resource.curate"
SITE_EDIT = "site.edit"

# The public form: a person suggests a handful of resources at most; five an hour from one address is generous.
SUGGESTIONS_PER_WINDOW = 5
RATE_WINDOW_SECONDS = 60 * 60

# Uploads are PDFs only, recognised by their content; ten megabytes holds any tip sheet or research brief.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"

MAX_AGE_MONTHS = 72  # the sixth birthday: the library is about birth to five


@dataclass(frozen=True)
class SuggestionData:
    """What a visitor sends from the public form."""

    title: str
    url: str
    kind: str
    language: str
    audiences: tuple[str, ...] = ()
    topic_ids: tuple[UUID, ...] = ()
    note: str = ""
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class ResourceData:
    """Every field a curator edits."""

    title: str
    summary: str
    kind: str
    language: str
    audiences: tuple[str, ...]
    topic_ids: tuple[UUID, ...] = ()
    age_from_months: int = 0
    age_to_months: int = MAX_AGE_MONTHS
    source_organisation: str = ""
    url: str = ""
    review_on: date | None = None


def _index_after_commit(*resource_ids: Any) -> None:
    ids = list(resource_ids)
    # Looked up on the module at commit time, so the search work's real implementation (or a test's spy) runs.
    transaction.on_commit(lambda: search.index_resources(ids))


def _enqueue_after_commit(task: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.enqueue(**kwargs))


# --- Checks shared by every door -------------------------------------------------------------------------


def suggestion_rate_limit_hit(*, address: str | None, now: datetime | None = None) -> bool:
    """Count one complete suggestion from this address; True when it is over the limit for the hour."""
    return rate_limit_hit(bucket="library-suggest", address=address, limit=SUGGESTIONS_PER_WINDOW,
                          window_seconds=RATE_WINDOW_SECONDS, now=now)


def check_upload(upload: UploadedFile) -> None:
    """Refuse anything but a PDF of reasonable size. The content decides, not the name or the browser's claimed
    type (both are whatever the sender says); the name must say .pdf as well, so that what people download
    opens as what it is."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than %(most)d MB. Send a smaller PDF, or a link to it instead.")
            % {"most": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="too_large")
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    start = upload.read(len(PDF_SIGNATURE))
    upload.seek(position)
    if start != PDF_SIGNATURE:
        raise ValidationError(_("This file is not a PDF, whatever its name says. Upload a PDF file, or give a link."),
                              code="not_pdf")
    if not (upload.name or "").lower().endswith(".pdf"):
        raise ValidationError(_("The file's name must end in .pdf."), code="not_pdf_name")
    refuse_malware_signature(upload)


def _known_language(code: str) -> bool:
    """Any language of the directory's reference table (the forms offer the same list)."""
    return bool(code) and Language.objects.filter(code=code).exists()


def _topics(network_id: Any, topic_ids: Iterable[UUID], errors: dict[str, list[str]]) -> list[Topic]:
    wanted = set(topic_ids)
    if not wanted:
        return []
    found = list(Topic.objects.filter(network_id=network_id, pk__in=wanted, is_active=True))
    if len(found) != len(wanted):
        errors.setdefault("topics", []).append(_("Choose topics from the list."))
    return found


def one_line(text: str) -> str:
    """A title on one line: line breaks and runs of spaces typed or pasted into it become single spaces (a title
    is also an email subject, where a line break is refused)."""
    return " ".join(text.split())


def _common_checks(*, title: str, kind: str, language: str, audiences: Iterable[str], url: str,
                   errors: dict[str, list[str]]) -> None:
    if not title.strip():
        errors.setdefault("title", []).append(_("Give the resource's title."))
    elif len(title.strip()) > 300:
        errors.setdefault("title", []).append(_("Keep the title to 300 characters or fewer."))
    if kind not in ResourceKind.values:
        errors.setdefault("kind", []).append(_("Choose the type of resource."))
    if not _known_language(language):
        errors.setdefault("language", []).append(_("Choose the language the resource is in."))
    if any(audience not in Audience.values for audience in audiences):
        errors.setdefault("audiences", []).append(_("Choose audiences from the list."))
    if url and not url.lower().startswith(("http://", "https://")):
        errors.setdefault("url", []).append(_("Give a web address starting with http:// or https://."))


def _check_resource(data: ResourceData, *, network_id: Any, has_file: bool) -> list[Topic]:
    """All the problems of a curator's input at once; the topics when there is none."""
    errors: dict[str, list[str]] = {}
    _common_checks(title=data.title, kind=data.kind, language=data.language, audiences=data.audiences,
                   url=data.url, errors=errors)
    if not data.summary.strip():
        errors["summary"] = [_("Write a short summary: it is what visitors read in the list.")]
    elif len(data.summary) > 3000:
        errors["summary"] = [_("Keep the summary to 3,000 characters or fewer.")]
    if not data.audiences:
        errors["audiences"] = [_("Choose at least one audience.")]
    if not (0 <= data.age_from_months < data.age_to_months <= MAX_AGE_MONTHS):
        errors["age_to_months"] = [_("The ages must run from a younger age to an older one, birth to six years.")]
    if not data.url.strip() and not has_file:
        errors["url"] = [_("Give a link or upload a PDF.")]
    topics = _topics(network_id, data.topic_ids, errors)
    if errors:
        raise ValidationError(errors)
    return topics


def _apply(resource: Resource, data: ResourceData) -> None:
    resource.title = one_line(data.title)
    resource.summary = data.summary.strip()
    resource.kind = data.kind
    resource.language = data.language
    resource.audience_bits = audience_bits_of(data.audiences)
    resource.age_from_months, resource.age_to_months = data.age_from_months, data.age_to_months
    resource.source_organisation = data.source_organisation.strip()
    resource.review_on = data.review_on
    new_url = data.url.strip()
    if new_url != resource.url:
        # A new address has not been checked: the last check was about the old one.
        resource.link_status, resource.link_checked_at, resource.link_error = LinkStatus.UNCHECKED, None, ""
    resource.url = new_url


_EDIT_FIELDS = ["title", "summary", "kind", "language", "audience_bits", "age_from_months", "age_to_months",
                "source_organisation", "review_on", "url", "link_status", "link_checked_at", "link_error"]


def _store_file(resource: Resource, upload: UploadedFile) -> None:
    check_upload(upload)
    # The stored name comes from the resource's id (models.resource_upload_to), never from the sender's file name.
    resource.file.save("upload.pdf", upload, save=False)


def _discard_after_commit(name: str, storage: Storage) -> None:
    """Delete a stored file no resource uses any more, once the change that let it go has committed: until then
    the change may roll back and need it again."""
    if not name:
        return

    def discard() -> None:
        # A file is never shared between resources, but a name still in use must never lose its file.
        if not Resource.objects.filter(file=name).exists():
            storage.delete(name)

    transaction.on_commit(discard)


def _language_taken(work_id: Any, language: str, *, other_than: Any = None) -> bool:
    """Whether another live version of the work is in this language. The work's row is locked first (inside the
    caller's transaction), so two curators adding or moving a version to the same language at once are checked
    one after the other and the second is told, instead of both passing the check (PostgreSQL; SQLite writes
    one at a time anyway)."""
    list(ResourceWork.objects.select_for_update().filter(pk=work_id).values_list("pk", flat=True))
    versions = Resource.objects.filter(work_id=work_id, language=language).exclude(status=ResourceStatus.DECLINED)
    if other_than is not None:
        versions = versions.exclude(pk=other_than)
    return versions.exists()


def _publish(resource: Resource, actor: Any, now: datetime) -> None:
    resource.status = ResourceStatus.PUBLISHED
    resource.published_at = now
    resource.curated_by, resource.curated_at = actor, now


# --- Suggestions from the public ------------------------------------------------------------------------


def _suggestion_owner(network: Network) -> str:
    # Anonymous senders have no account to own a key; the key itself is random and single-use.
    return f"library-suggest:{network.pk}"


@transaction.atomic
def resource_suggest(
    *, network: Network, data: SuggestionData, upload: UploadedFile | None = None, submitted_by: Any = None,
    submission_key: UUID | None = None, language: str = "",
) -> Resource:
    """Record a suggestion (status suggested) for the network's curators, and acknowledge it by email when the
    sender gave an address. `language` is the language the sender used the site in."""
    from abrazo.library.curation_tasks import send_suggestion_received

    errors: dict[str, list[str]] = {}
    _common_checks(title=data.title, kind=data.kind, language=data.language, audiences=data.audiences,
                   url=data.url, errors=errors)
    if not data.url.strip() and upload is None:
        errors.setdefault("url", []).append(_("Give a link to the resource or upload it as a PDF."))
    if len(data.note) > 2000:
        errors.setdefault("note", []).append(_("Keep it to 2,000 characters or fewer."))
    topics = _topics(network.pk, data.topic_ids, errors)
    if errors:
        raise ValidationError(errors)
    claim_submission(owner=_suggestion_owner(network), key=submission_key, model=Resource)
    work = ResourceWork.objects.create(network=network)
    resource = Resource(
        network=network, work=work, language=data.language, title=one_line(data.title), summary="", kind=data.kind,
        audience_bits=audience_bits_of(data.audiences), age_from_months=0, age_to_months=MAX_AGE_MONTHS,
        url=data.url.strip(), status=ResourceStatus.SUGGESTED, suggested_by_name=data.name.strip(),
        suggested_by_email=data.email.strip().lower(), suggestion_note=data.note.strip(),
        # The language the sender read the site in (one Abrazo speaks), for the emails they get.
        suggester_language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
    )
    if upload is not None:
        _store_file(resource, upload)
    resource.save()
    resource.topics.set(topics)
    if submitted_by is not None and getattr(submitted_by, "is_authenticated", False):
        audit.record_change(user=submitted_by, obj=resource, action=Action.CREATE)
    else:
        audit.record(user=None, action=Action.CREATE, object_type="library.resource", object_id=str(resource.pk),
                     email=resource.suggested_by_email)
    remember_submission(owner=_suggestion_owner(network), key=submission_key, obj=resource)
    if resource.suggested_by_email:
        _enqueue_after_commit(send_suggestion_received, resource_id=str(resource.pk))
    _index_after_commit(resource.pk)
    return resource


# --- Curation ---------------------------------------------------------------------------------------------


def _curator_owner(actor: Any) -> str:
    return f"library-curate:{actor.pk}"


def _curated_version(
    *, actor: Any, resource: Resource, data: ResourceData, topics: list[Topic], upload: UploadedFile | None,
    publish: bool, submission_key: UUID | None,
) -> Resource:
    """Save a new language version a curator wrote (of a new work or an existing one): published at once, curated by
    them, or left in the queue for a second look. Inside the caller's transaction, after its checks."""
    claim_submission(owner=_curator_owner(actor), key=submission_key, model=Resource)
    _apply(resource, data)
    if upload is not None:
        _store_file(resource, upload)
    if publish:
        _publish(resource, actor, timezone.now())
    else:
        resource.status = ResourceStatus.SUGGESTED
    resource.save()
    resource.topics.set(topics)
    audit.record_change(user=actor, obj=resource, action=Action.CREATE)
    remember_submission(owner=_curator_owner(actor), key=submission_key, obj=resource)
    _index_after_commit(resource.pk)
    return resource


@transaction.atomic
def resource_create(
    *, actor: Any, network: Network, data: ResourceData, upload: UploadedFile | None = None, publish: bool = True,
    submission_key: UUID | None = None,
) -> Resource:
    """A resource added by a curator: published at once (curated by them), or left in the queue for a second
    look when `publish` is false."""
    access.require(actor, CURATE, network)
    topics = _check_resource(data, network_id=network.pk, has_file=upload is not None)
    # A double submit raises in the claim and rolls the new work back with everything else.
    work = ResourceWork.objects.create(network=network)
    return _curated_version(actor=actor, resource=Resource(network=network, work=work), data=data, topics=topics,
                            upload=upload, publish=publish, submission_key=submission_key)


@transaction.atomic
def resource_add_translation(
    *, actor: Any, resource: Resource, data: ResourceData, upload: UploadedFile | None = None, publish: bool = True,
    submission_key: UUID | None = None,
) -> Resource:
    """Another language version of the same work (visitors reading one are offered the other)."""
    access.require(actor, CURATE, resource)
    original = Resource.objects.get(pk=resource.pk)
    topics = _check_resource(data, network_id=original.network_id, has_file=upload is not None)
    if _language_taken(original.work_id, data.language):
        raise ValidationError({"language": [_("This resource already has a version in that language; edit that "
                                               "one instead.")]})
    return _curated_version(
        actor=actor, resource=Resource(network_id=original.network_id, work_id=original.work_id), data=data,
        topics=topics, upload=upload, publish=publish, submission_key=submission_key)


@transaction.atomic
def resource_edit(
    *, actor: Any, resource: Resource, data: ResourceData, expected_version: int, upload: UploadedFile | None = None,
    remove_file: bool = False,
) -> Resource:
    """Change a resource's fields (any status). A new link is checked again by the next link check."""
    access.require(actor, CURATE, resource)
    current = Resource.objects.get(pk=resource.pk)
    has_file = upload is not None or (bool(current.file) and not remove_file)
    topics = _check_resource(data, network_id=current.network_id, has_file=has_file)
    if data.language != current.language and _language_taken(current.work_id, data.language, other_than=current.pk):
        raise ValidationError({"language": [_("Another version of this resource is already in that language.")]})
    _apply(current, data)
    fields = list(_EDIT_FIELDS)
    previous = current.file.name or ""
    if upload is not None:
        _store_file(current, upload)
        fields.append("file")
    elif remove_file and current.file:
        current.file = ""  # type: ignore[assignment]
        fields.append("file")
    try:
        save_versioned(current, expected_version=expected_version, update_fields=fields)
        if "file" in fields and current.file.name != previous:
            # A replaced or removed file is deleted from the media folder once the edit commits.
            _discard_after_commit(previous, current.file.storage)
        current.topics.set(topics)
        audit.record_change(user=actor, obj=current, action=Action.UPDATE)
        _index_after_commit(current.pk)
    except BaseException:
        # The new file was written to storage at once, outside the transaction: a stale version or any later
        # step failing rolls the row back to the previous file, and the one just stored would be used by nobody
        # (tests/security/test_fault_injection.py). The curator sends it again with their next try.
        if upload is not None and current.file.name and current.file.name != previous:
            current.file.storage.delete(current.file.name)
        raise
    return current


def _locked(resource: Resource) -> Resource:
    # The row lock serialises two curators deciding at once: the second reads the first one's decision.
    return Resource.objects.select_for_update().get(pk=resource.pk)


def _state_error(resource: Resource) -> ValidationError:
    return ValidationError(
        _("“%(title)s” is %(status)s now; nothing was changed.")
        % {"title": resource.title, "status": str(resource.get_status_display()).lower()}, code="status")


@transaction.atomic
def resource_approve(
    *, actor: Any, resource: Resource, expected_version: int, summary: str | None = None,
    review_on: date | None = None, notify_suggester: bool = True,
) -> Resource:
    """Publish a suggestion (or publish again a declined or withdrawn resource), as curated by `actor` now. A
    public summary is required; the sender of a suggestion is told when they left an email and
    `notify_suggester` is set."""
    from abrazo.library.curation_tasks import send_suggestion_published

    access.require(actor, CURATE, resource)
    current = _locked(resource)
    if current.status == ResourceStatus.PUBLISHED:
        raise _state_error(current)
    was_suggestion = current.status == ResourceStatus.SUGGESTED
    fields = ["status", "published_at", "curated_by", "curated_at", "decline_reason"]
    if summary is not None:
        current.summary = summary.strip()
        fields.append("summary")
    if not current.summary:
        raise ValidationError({"summary": [_("Write a short summary before publishing: it is what visitors read "
                                             "in the list.")]})
    if len(current.summary) > 3000:
        raise ValidationError({"summary": [_("Keep the summary to 3,000 characters or fewer.")]})
    if not current.url and not current.file:
        raise ValidationError(_("This resource has neither a link nor a file; edit it before publishing."))
    if review_on is not None:
        current.review_on = review_on
        fields.append("review_on")
    if _language_taken(current.work_id, current.language, other_than=current.pk):
        raise ValidationError(_("Another version of this resource is already in that language."))
    _publish(current, actor, timezone.now())
    current.decline_reason = ""
    save_versioned(current, expected_version=expected_version, update_fields=fields)
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    if was_suggestion and notify_suggester and current.suggested_by_email:
        _enqueue_after_commit(send_suggestion_published, resource_id=str(current.pk))
    _index_after_commit(current.pk)
    return current


@transaction.atomic
def resource_decline(
    *, actor: Any, resource: Resource, reason: str, expected_version: int, notify_suggester: bool = False,
) -> Resource:
    """Decline a suggestion, with the reason (kept for the other curators; sent to the sender when they left an
    email and `notify_suggester` is set). An uploaded file is kept, like the rest of the suggestion: a declined
    resource may be published again (`resource_approve`), and then its file is what visitors download."""
    from abrazo.library.curation_tasks import send_suggestion_declined

    access.require(actor, CURATE, resource)
    text = reason.strip()
    if not text:
        raise ValidationError({"reason": [_("Give the reason for declining.")]})
    if len(text) > 2000:
        raise ValidationError({"reason": [_("Keep the reason to 2,000 characters or fewer.")]})
    current = _locked(resource)
    if current.status != ResourceStatus.SUGGESTED:
        raise _state_error(current)
    current.status, current.decline_reason = ResourceStatus.DECLINED, text
    current.curated_by, current.curated_at = actor, timezone.now()
    save_versioned(current, expected_version=expected_version,
                   update_fields=["status", "decline_reason", "curated_by", "curated_at"])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    if notify_suggester and current.suggested_by_email:
        _enqueue_after_commit(send_suggestion_declined, resource_id=str(current.pk))
    _index_after_commit(current.pk)
    return current


@transaction.atomic
def resource_withdraw(*, actor: Any, resource: Resource, expected_version: int) -> Resource:
    """Take a published resource off the public library (it stays for the record and may be published again)."""
    access.require(actor, CURATE, resource)
    current = _locked(resource)
    if current.status != ResourceStatus.PUBLISHED:
        raise _state_error(current)
    current.status = ResourceStatus.WITHDRAWN
    save_versioned(current, expected_version=expected_version, update_fields=["status"])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    _index_after_commit(current.pk)
    return current


# --- Topics (site.edit) -------------------------------------------------------------------------------------


def _check_topic(*, name_en: str, name_es: str) -> None:
    errors: dict[str, list[str]] = {}
    if not name_en.strip():
        errors["name_en"] = [_("Give the topic's name in English.")]
    if not name_es.strip():
        errors["name_es"] = [_("Give the topic's name in Spanish.")]
    for field, value in (("name_en", name_en), ("name_es", name_es)):
        if len(value.strip()) > 120:
            errors[field] = [_("Keep the name to 120 characters or fewer.")]
    if errors:
        raise ValidationError(errors)


def _free_key(network: Network, name: str) -> str:
    base = slugify(name)[:50] or "topic"
    taken = set(Topic.objects.filter(network=network, key__startswith=base).values_list("key", flat=True))
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def _resources_of(topic: Topic) -> list[Any]:
    return list(topic.resources.values_list("pk", flat=True))


@transaction.atomic
def topic_create(
    *, actor: Any, network: Network, name_en: str, name_es: str, position: int | None = None,
    submission_key: UUID | None = None,
) -> Topic:
    access.require(actor, SITE_EDIT, network)
    _check_topic(name_en=name_en, name_es=name_es)
    claim_submission(owner=f"library-topic:{actor.pk}", key=submission_key, model=Topic)
    if position is None:
        last = Topic.objects.filter(network=network).aggregate(last=Max("position"))["last"]
        position = (last or 0) + 1
    topic = Topic.objects.create(network=network, key=_free_key(network, name_en), name_en=name_en.strip(),
                                 name_es=name_es.strip(), position=position)
    audit.record_change(user=actor, obj=topic, action=Action.CREATE)
    remember_submission(owner=f"library-topic:{actor.pk}", key=submission_key, obj=topic)
    return topic


@transaction.atomic
def topic_edit(
    *, actor: Any, topic: Topic, name_en: str, name_es: str, position: int, expected_version: int
) -> Topic:
    """Rename or move a topic. Its key stays, so links and imports that name it keep working.

    `expected_version` is the version the editor loaded; a stale one raises StaleEditError."""
    access.require(actor, SITE_EDIT, topic)
    _check_topic(name_en=name_en, name_es=name_es)
    current = Topic.objects.select_for_update().get(pk=topic.pk)
    current.name_en, current.name_es, current.position = name_en.strip(), name_es.strip(), position
    save_versioned(current, expected_version=expected_version, update_fields=["name_en", "name_es", "position"])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    # The topic's names are part of what visitors search and filter by.
    _index_after_commit(*_resources_of(current))
    return current


@transaction.atomic
def topic_set_active(*, actor: Any, topic: Topic, active: bool) -> Topic:
    """Retire a topic (no longer offered for new resources or as a filter; resources keep it) or bring it back."""
    access.require(actor, SITE_EDIT, topic)
    current = Topic.objects.select_for_update().get(pk=topic.pk)
    current.is_active = active
    current.save(update_fields=["is_active", "updated_at"])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    _index_after_commit(*_resources_of(current))
    return current


def topic_retire(*, actor: Any, topic: Topic) -> Topic:
    return topic_set_active(actor=actor, topic=topic, active=False)


def topic_restore(*, actor: Any, topic: Topic) -> Topic:
    return topic_set_active(actor=actor, topic=topic, active=True)


# --- The periodic link and review check -------------------------------------------------------------------


@dataclass(frozen=True)
class LinkCheckSummary:
    checked: int  # published resources with a link
    broken: int
    newly_broken: int  # working or unchecked at the last check, broken now
    review_overdue: int  # published resources whose review date has passed


Checker = Callable[[list[str]], dict[str, link_check.LinkResult]]


def resource_links_check(*, checker: Checker | None = None, today: date | None = None) -> LinkCheckSummary:
    """Check every published resource's link and record the outcome on it; count the resources past their review
    date (the curators' list flags them by date, so nothing needs writing for those).

    Run by the task queue, not by a person: no permission check. The results are written without touching the
    resource's version, so a curator editing during the run is not told someone else changed it; a result is
    written only if the link is still the one that was checked."""
    allow_private = bool(getattr(settings, "ABRAZO_LINK_CHECK_ALLOW_PRIVATE", False))
    run = checker or (lambda urls: link_check.check_urls(urls, allow_private=allow_private))
    rows = list(Resource.objects.published().exclude(url="").values_list("pk", "url", "link_status"))
    results = run([url for _pk, url, _status in rows])
    now = timezone.now()
    broken = newly_broken = 0
    for pk, url, previous in rows:
        result = results.get(url)
        if result is None:
            continue
        status = LinkStatus.OK if result.ok else LinkStatus.BROKEN
        if status == LinkStatus.BROKEN:
            broken += 1
            newly_broken += previous != LinkStatus.BROKEN
        Resource.objects.filter(pk=pk, url=url).update(
            link_status=status, link_checked_at=now, link_error=result.reason[: link_check.MAX_REASON])
    overdue = Resource.objects.published().filter(review_on__lt=today or timezone.localdate()).count()
    return LinkCheckSummary(checked=len(rows), broken=broken, newly_broken=newly_broken, review_overdue=overdue)
