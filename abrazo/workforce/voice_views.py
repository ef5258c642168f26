"""Comments and "voices from the field": the curators' pages (feedback.curate) and the public page.

The public page is standalone: it needs no account, shows each quote in the language it was written in (with
that language on the element, so screen readers pronounce it right), the attribution and nothing else, and it
answers conditional requests (ETag and Last-Modified follow the published voices and the page language), so
browsers and caches revalidate it cheaply.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import condition

from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import public, requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.pagination import paginate
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import Network
from abrazo.directory.selectors import public_network_or_choice
from abrazo.measures.models import Respondent
from abrazo.workforce import voice_selectors as selectors
from abrazo.workforce import voice_services as services
from abrazo.workforce import voice_text
from abrazo.workforce.feedback_forms import (
    CommentFilterForm,
    VoiceEditForm,
    VoiceForm,
    VoiceMoveForm,
    VoiceStatusForm,
)
from abrazo.workforce.models import FeedbackContext, Voice, VoiceStatus

PER_PAGE = 25
PUBLIC_MAX_AGE = 300  # seconds a browser may reuse the public page before revalidating it


def _warnings(text: str) -> list[str]:
    names = voice_text.possible_names(text)
    if not names:
        return []
    return [_("Check that these are not names of people or small places that could identify someone: %(words)s.")
            % {"words": ", ".join(names)}]


# --- comments ------------------------------------------------------------------------------------------


@requires(selectors.CURATE)
def feedback_comments(request: HttpRequest) -> HttpResponse:
    """Every comment of the curator's networks, newest first, marked where its author agreed to publication."""
    form = CommentFilterForm(request.GET if request.GET else None)
    filters = form.filters()
    page = paginate(request, selectors.comment_queryset_for(user=request.user, filters=filters), per_page=PER_PAGE)
    rows = selectors.comment_rows(user=request.user, administrations=page.items)
    return render(request, "workforce/voices/comments.html", {
        "form": form, "page": page, "rows": rows, "title": _("Comments from the field"),
    })


def _suggested_attribution(row: selectors.CommentRow) -> str:
    """A starting point in the survey's language: what the author was (a role) and where (the region)."""
    administration = row.administration
    with translation.override(row.language):
        if row.context == FeedbackContext.TRAINING:
            who = _("a participant in a consultant training")
        elif row.context == FeedbackContext.GROUP:
            who = _("a member of a community of support")
        else:
            role = Respondent(administration.respondent_role).label if administration.respondent_role in \
                Respondent.values else Respondent.OTHER.label
            who = _("a %(role)s") % {"role": str(role).lower()}
        if row.region:
            return _("%(who)s in %(region)s") % {"who": who, "region": row.region}
        return str(who)


@requires(selectors.CURATE)
def voice_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Make a voice from one comment of a survey; refused, with the reason, when its author did not agree."""
    row = selectors.administration_for_voice(user=request.user, administration_id=pk)
    form = VoiceForm(request.POST if request.method == "POST" else None, row=row,
                     initial={"attribution": _suggested_attribution(row)})
    if request.method == "POST" and not row.may_publish:
        messages.error(request, _("The author of this comment did not agree to its publication, so it cannot become "
                                  "a voice."))
        return redirect("workforce:voice-new", pk=row.administration.pk)
    if request.method == "POST" and form.is_valid():
        data = services.VoiceData(text=form.cleaned_data["text"], attribution=form.cleaned_data["attribution"])
        try:
            voice = services.voice_create(
                actor=request.user, administration=row.administration, item_key=form.cleaned_data["item_key"],
                data=data, publish=form.cleaned_data["publish"], submission_key=form.submission_key_value(),
            )
        except AlreadySubmitted as already:
            messages.info(request, _("This form had already been sent, so the voice was made once."))
            if isinstance(already.existing, Voice):
                return redirect("workforce:voice-edit", pk=already.existing.pk)
            return redirect("workforce:voice-list")
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("The voice was published.") if voice.status == VoiceStatus.PUBLISHED
                             else _("The voice was saved as a draft."))
            return redirect("workforce:voice-list")
    text = form.data.get("text", "") if form.is_bound else form.initial.get("text", "")
    return render(request, "workforce/voices/voice_form.html", {
        "form": form, "row": row, "warnings": _warnings(str(text)), "title": _("New voice from the field"),
    })


@requires(selectors.CURATE)
def voice_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    voice = selectors.voice_get_for(user=request.user, voice_id=pk)
    form = VoiceEditForm(request.POST if request.method == "POST" else None, language=voice.language,
                         initial={"text": voice.text, "attribution": voice.attribution, "version": voice.version})
    if request.method == "POST" and form.is_valid():
        data = services.VoiceData(text=form.cleaned_data["text"], attribution=form.cleaned_data["attribution"])
        try:
            services.voice_update(actor=request.user, voice=voice, data=data,
                                  expected_version=form.cleaned_data["version"])
        except StaleEditError as stale:
            voice.refresh_from_db()
            form.mark_stale(current_version=voice.version, message=str(stale))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("The voice was saved."))
            return redirect("workforce:voice-list")
    text = form.data.get("text", "") if form.is_bound else voice.text
    return render(request, "workforce/voices/voice_form.html", {
        "form": form, "voice": voice, "original": selectors.original_comment(voice), "warnings": _warnings(str(text)),
        "title": _("Edit a voice from the field"),
    })


@requires(selectors.CURATE)
def voice_publish(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Publish a voice, withdraw it from the public page, or return it to draft (GET: the choice)."""
    voice = selectors.voice_get_for(user=request.user, voice_id=pk)
    form = VoiceStatusForm(request.POST if request.method == "POST" else None, initial={"version": voice.version})
    if request.method == "POST" and form.is_valid():
        try:
            voice = services.voice_set_status(actor=request.user, voice=voice, status=form.cleaned_data["status"],
                                              expected_version=form.cleaned_data["version"])
        except StaleEditError as stale:
            messages.error(request, str(stale))
            return redirect("workforce:voice-publish", pk=voice.pk)
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, {
                VoiceStatus.PUBLISHED: _("The voice is on the public page."),
                VoiceStatus.RETIRED: _("The voice was withdrawn from the public page."),
                VoiceStatus.DRAFT: _("The voice is a draft again."),
            }[VoiceStatus(voice.status)])
            return redirect("workforce:voice-list")
    return render(request, "workforce/voices/voice_publish.html", {
        "form": form, "voice": voice, "title": _("Publish or withdraw a voice"),
    })


@requires(selectors.CURATE)
def voice_list(request: HttpRequest) -> HttpResponse:
    """The curated voices in public order, with their state; POST moves one up or down."""
    if request.method == "POST":
        move = VoiceMoveForm(request.POST)
        if move.is_valid():
            voice = selectors.voice_get_for(user=request.user, voice_id=move.cleaned_data["voice"])
            services.voice_move(actor=request.user, voice=voice, step=move.cleaned_data["step"])
        return redirect("workforce:voice-list")
    voices = list(selectors.voice_queryset_for(user=request.user))
    return render(request, "workforce/voices/voice_list.html", {
        "voices": voices, "title": _("Voices from the field"),
    })


# --- the public page ----------------------------------------------------------------------------------


def _state(network_slug: str | None) -> tuple[datetime | None, int]:
    networks = Network.objects.filter(slug=network_slug) if network_slug else Network.objects.all()
    voices = Voice.objects.filter(network__in=networks)
    found = voices.aggregate(latest=Max("updated_at"), networks=Max("network__updated_at"))
    moments = [moment for moment in (found["latest"], found["networks"]) if moment is not None]
    return (max(moments) if moments else None), voices.filter(status=VoiceStatus.PUBLISHED).count()


def _last_modified(request: HttpRequest, network_slug: str | None = None) -> datetime | None:
    return _state(network_slug)[0]


def _etag(request: HttpRequest, network_slug: str | None = None) -> str:
    # The page language is part of the representation (the chrome is translated; the quotes are not).
    moment, published = _state(network_slug)
    # The setting is in the key because, without a network in the address, it decides whose voices are shown.
    network = network_slug or settings.ABRAZO_SITE_NETWORK
    key = f"{network}|{translation.get_language()}|{moment.isoformat() if moment else ''}|{published}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@public
@condition(etag_func=_etag, last_modified_func=_last_modified)
def voices(request: HttpRequest, network_slug: str | None = None) -> HttpResponse:
    """Public on purpose: the network's published voices from the field, each in its own language, no names.
    Without a network in the address: the only network, or the only one with voices, or a choice."""
    network = public_network_or_choice(slug=network_slug, offered=selectors.networks_with_voices())
    if network is None:
        response = render(request, "workforce/voices/public_choose.html", {
            "networks": list(selectors.networks_with_voices()),
        })
    else:
        response = render(request, "workforce/voices/public.html", {
            "network": network, "voices": selectors.published_voices(network=network),
        })
    response["Cache-Control"] = f"private, max-age={PUBLIC_MAX_AGE}"
    return response
