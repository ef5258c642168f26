"""Resources in an episode's work: find and attach published resources to the action plan, remove one, send one
to a family member or a teacher. Views parse the request, call a selector or a service, and render.

Only the consultant working the episode reaches the pages that change something ("episode.work"); everyone who
may see the episode sees its resources section, which the episode page fetches on its own."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from abrazo.accounts.models import User
from abrazo.consultations.models import Episode
from abrazo.core.decorators import requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.pagination import paginate
from abrazo.core.submissions import AlreadySubmitted
from abrazo.library import plan_selectors as selectors
from abrazo.library import plan_services as services
from abrazo.library import search
from abrazo.library.plan_forms import AttachForm, RemoveForm, ResourceSearchForm, ShareForm

WORK = "episode.work"
PER_PAGE = 20
SECTION = "#plan-resources-title"


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _back(episode: Episode) -> str:
    return episode.get_absolute_url() + SECTION


@requires("episode.view")
def plan_episode_section(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The episode page's resources section (HTMX asks for it as the page loads), or the same as a page of its
    own for a browser without JavaScript."""
    resources = selectors.episode_resources_for(user=request.user, episode_id=pk)
    partial = bool(request.htmx) and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    response = render(request, "library/plans/_section.html" if partial else "library/plans/section_page.html",
                      {"resources": resources})
    patch_vary_headers(response, ["HX-Request"])
    return response


@requires(WORK)
def plan_resources(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Search the network's published resources and attach them to the plan, each with why it helps. The
    results follow the search box as the person types (HTMX) and the page works as plain forms without it."""
    episode = selectors.plan_episode_get_for(user=request.user, episode_id=pk)
    plan = selectors.plan_of(episode)
    search_form = ResourceSearchForm(request.GET or None)
    wanted = search_form.values()
    attach_form = AttachForm(_posted(request))
    if request.method == "POST" and attach_form.is_valid():
        resource = selectors.attachable_resource(episode=episode, resource_id=attach_form.cleaned_data["resource"])
        if resource is None:
            attach_form.add_error(None, _("Only published resources of the library can be added to the plan."))
        else:
            try:
                services.plan_resource_attach(actor=_actor(request), episode=episode, resource=resource,
                                              note=attach_form.cleaned_data["note"])
            except ValidationError as problem:
                add_service_problem(attach_form, problem)
            else:
                messages.success(request, _("“%(title)s” is in the action plan.") % {"title": resource.title})
                return redirect(request.get_full_path())
    page = None
    # A POST that reaches this point failed: its note goes back beside the resource it was for, as typed.
    failed_id = request.POST.get("resource", "") if request.method == "POST" else None
    if plan is not None and episode.is_open:  # otherwise the page only says why nothing can be attached
        page = paginate(request, selectors.attachable_resources_for(user=request.user, episode=episode, plan=plan,
                                                                    **wanted), per_page=PER_PAGE)
        for resource in page.items:
            resource.title_marked = search.highlight(resource.title, wanted["text"], resource.language)
            resource.failed_note = attach_form["note"] if str(resource.pk) == failed_id else None
    context = {
        "episode": episode, "plan": plan, "search_form": search_form, "page": page, "searching": any(wanted.values()),
        "attach_form": attach_form if failed_id is not None else None,
    }
    partial = bool(request.htmx) and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    response = render(request, "library/plans/resources.html#results" if partial else "library/plans/resources.html",
                      context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@requires(WORK)
def plan_resource_remove(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Ask before taking a resource off the plan; a second click, once it is gone, goes back to the episode."""
    try:
        link = selectors.plan_resource_get_for(user=request.user, link_id=pk)
    except Http404:
        if request.method == "POST":
            form = RemoveForm(request.POST)
            key = form.submission_key_value() if form.is_valid() else None
            episode = services.episode_of_submission(actor=_actor(request), submission_key=key)
            if episode is not None:
                messages.info(request, _("This form had already been sent, so the resource was removed once."))
                return redirect(_back(episode))
        raise
    episode = link.plan.episode
    form = RemoveForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_resource_remove(actor=_actor(request), link=link,
                                          submission_key=form.submission_key_value())
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("“%(title)s” is no longer in the action plan.") % {
                "title": link.resource.title})
            return redirect(_back(episode))
    return render(request, "library/plans/remove.html", {"form": form, "link": link, "episode": episode})


def _default_language(episode: Episode) -> str:
    """The language the consultation is held in when the library speaks it, else the page's language."""
    spoken = dict(settings.LANGUAGES)
    if episode.language_id in spoken:
        return str(episode.language_id)
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return current if current in spoken else settings.LANGUAGE_CODE


@requires(WORK)
def plan_resource_send(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Send an attached resource by email to a family member or a teacher, in the language they read."""
    link = selectors.plan_resource_get_for(user=request.user, link_id=pk)
    episode = link.plan.episode
    form = ShareForm(_posted(request), initial={"language": _default_language(episode)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share = services.resource_share_send(
                actor=_actor(request), link=link, recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"], language=data["language"], message=data["message"],
                submission_key=form.submission_key_value(),
            )
        except AlreadySubmitted:
            messages.info(request, _("This form had already been sent, so the email went once."))
            return redirect(_back(episode))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("“%(title)s” is on its way to %(name)s.") % {
                "title": share.resource.title, "name": share.recipient_name})
            return redirect(_back(episode))
    names = dict(settings.LANGUAGES)
    languages = [str(names.get(code, code)) for code in selectors.published_languages(link.resource)]
    return render(request, "library/plans/send.html", {
        "form": form, "link": link, "episode": episode, "languages": languages,
    })
