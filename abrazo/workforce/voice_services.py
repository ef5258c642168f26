"""Curating "voices from the field": a comment whose author agreed to publication becomes an anonymous quote on
the network's public page (issue 6). Only network administrators curate (`feedback.curate`).

The rules, checked here so that every door (page, API, shell) keeps them:

- only a comment whose author answered yes to "May we share your comments publicly, without your name?" can
  become a voice; the others can be read but are refused with a message saying why;
- the quote may shorten the comment and may add the editor's words in [square brackets], nothing else
  (voice_text.added_words), and never an email address or phone number, in the quote or the attribution;
- the attribution is a role and a place, written by staff; the language is the survey's;
- publishing checks the author's answer again (a survey can be corrected after the voice was drafted).

Edits are versioned (two curators at once: the second is told), creation is double-submit safe, every write is
audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.measures.models import Administration, AdministrationStatus
from abrazo.workforce import voice_text
from abrazo.workforce.models import Voice, VoiceStatus
from abrazo.workforce.voice_selectors import CURATE, SOURCES, consent_of, context_of

MAX_QUOTE_LENGTH = 1_500  # a paragraph; the public page is a collection of short quotes


@dataclass(frozen=True)
class VoiceData:
    text: str
    attribution: str


def _owner(actor: Any) -> str:
    return f"workforce-voice:{actor.pk}"


def _no_contact(field: str, text: str, errors: dict[str, list[str]]) -> None:
    found = voice_text.contact_details(text)
    if found:
        errors.setdefault(field, []).append(
            _("Remove the email address or phone number (%(found)s): a voice never says how to reach anyone.")
            % {"found": ", ".join(found)})


def check_voice(data: VoiceData, *, original: str | None) -> None:
    """Refuse a quote that adds words to what the author wrote, or that holds contact details; refuse an empty
    or identifying attribution. All problems at once."""
    errors: dict[str, list[str]] = {}
    text, attribution = data.text.strip(), data.attribution.strip()
    if not text:
        errors["text"] = [_("Write the quote.")]
    elif len(text) > MAX_QUOTE_LENGTH:
        errors["text"] = [_("Keep the quote to %(most)d characters or fewer.") % {"most": MAX_QUOTE_LENGTH}]
    else:
        _no_contact("text", text, errors)
        added = voice_text.added_words(text, original) if original is not None else []
        if added:
            errors.setdefault("text", []).append(
                _("The quote may leave words out but not add them: “%(words)s” are not in the comment. Put words "
                  "of your own in [square brackets], and never a name.") % {"words": "”, “".join(added[:8])})
    if not attribution:
        errors["attribution"] = [_("Say who is speaking without naming them, e.g. “a teacher in the north”.")]
    else:
        _no_contact("attribution", attribution, errors)
    if errors:
        raise ValidationError(errors)


def comment_of(administration: Administration, item_key: str) -> str:
    source = SOURCES.get(administration.instrument.key)
    text = str((administration.answers or {}).get(item_key) or "").strip()
    if source is None or item_key not in source.comment_items or not text:
        raise ValidationError({"item_key": _("Choose one of the comments of this survey.")})
    return text


def require_consent(administration: Administration) -> None:
    if consent_of(administration) is not True:
        raise ValidationError(
            _("The author of this comment did not agree to its publication, so it cannot become a voice. You may "
              "still read it and learn from it."),
            code="no_consent",
        )


@transaction.atomic
def voice_create(
    *, actor: Any, administration: Administration, item_key: str, data: VoiceData, publish: bool = False,
    submission_key: UUID | None = None,
) -> Voice:
    """A voice from one comment of a completed survey whose author agreed; a draft unless `publish`. It goes at
    the end of the network's collection."""
    access.require(actor, CURATE, administration)
    claim_submission(owner=_owner(actor), key=submission_key, model=Voice)
    administration = Administration.objects.select_related("instrument").get(pk=administration.pk)
    if administration.status != AdministrationStatus.COMPLETED:
        raise ValidationError(_("Only the comments of a completed survey can become a voice."), code="not_completed")
    require_consent(administration)
    original = comment_of(administration, item_key)
    check_voice(data, original=original)
    last = Voice.objects.filter(network_id=administration.network_id).aggregate(last=Max("position"))["last"]
    now = timezone.now()
    voice = Voice.objects.create(
        network_id=administration.network_id, administration=administration, item_key=item_key,
        context=context_of(administration), text=data.text.strip(), language=administration.language,
        attribution=data.attribution.strip(), status=VoiceStatus.PUBLISHED if publish else VoiceStatus.DRAFT,
        position=(last or 0) + 1, curated_by=actor, published_at=now if publish else None,
    )
    audit.record_change(user=actor, obj=voice, action=Action.CREATE)
    remember_submission(owner=_owner(actor), key=submission_key, obj=voice)
    return voice


def _original(voice: Voice) -> str | None:
    """What an edit is checked against: the author's comment while its survey is there; otherwise the quote as
    it stands, so that an edit can still only take words away."""
    administration = voice.administration
    if administration is not None and voice.item_key:
        text = (administration.answers or {}).get(voice.item_key)
        if text:
            return str(text)
    return voice.text


@transaction.atomic
def voice_update(*, actor: Any, voice: Voice, data: VoiceData, expected_version: int) -> Voice:
    """Change the quote or the attribution (the same rules as when it was made)."""
    access.require(actor, CURATE, voice)
    current = Voice.objects.select_related("administration").get(pk=voice.pk)
    check_voice(data, original=_original(current))
    current.text, current.attribution, current.curated_by = data.text.strip(), data.attribution.strip(), actor
    save_versioned(current, expected_version=expected_version, update_fields=["text", "attribution", "curated_by"])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current


@transaction.atomic
def voice_set_status(*, actor: Any, voice: Voice, status: str, expected_version: int) -> Voice:
    """Publish, withdraw from the public page, or return to draft. Publishing checks the author's agreement
    again when the survey is still there."""
    access.require(actor, CURATE, voice)
    if status not in VoiceStatus.values:
        raise ValidationError(_("Choose publish, withdraw or draft."), code="status")
    current = Voice.objects.select_related("administration__instrument").get(pk=voice.pk)
    if status == VoiceStatus.PUBLISHED and current.administration is not None:
        require_consent(current.administration)
    fields = ["status", "curated_by"]
    if status == VoiceStatus.PUBLISHED and current.status != VoiceStatus.PUBLISHED:
        current.published_at = timezone.now()
        fields.append("published_at")
    current.status, current.curated_by = status, actor
    save_versioned(current, expected_version=expected_version, update_fields=fields)
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current


@transaction.atomic
def voice_move(*, actor: Any, voice: Voice, step: int) -> list[Voice]:
    """Move a voice one place up (step -1) or down (+1) in its network's order, numbering the order 1, 2, 3...
    The rows are locked, so two curators reordering at once do not interleave. Positions are not versioned:
    edits never touch them."""
    access.require(actor, CURATE, voice)
    if step not in (-1, 1):
        raise ValidationError(_("Move one place up or down."), code="step")
    ordered = list(Voice.objects.select_for_update().filter(network_id=voice.network_id)
                   .order_by("position", "-published_at", "created_at", "pk"))
    index = next(position for position, row in enumerate(ordered) if row.pk == voice.pk)
    other = index + step
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered, start=1):
        if row.position != position:
            Voice.objects.filter(pk=row.pk).update(position=position)
            row.position = position
    audit.record_change(user=actor, obj=voice, action=Action.UPDATE)
    return ordered
