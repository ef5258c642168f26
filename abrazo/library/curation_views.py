"""The curators' pages (/library/curation/): the queue of suggestions, every resource with its link and review
state, adding and editing resources and their language versions, decisions (approve, decline, withdraw), and the
network's topics (administrators). Views parse, call a selector or a service, and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.pagination import paginate
from abrazo.core.submissions import AlreadySubmitted
from abrazo.library import curation_selectors as selectors
from abrazo.library import resource_services as services
from abrazo.library.curation_forms import (
    ApproveForm,
    DeclineForm,
    NewTopicForm,
    ResourceFilterForm,
    ResourceForm,
    TopicEditForm,
    WithdrawForm,
)
from abrazo.library.models import Resource, ResourceStatus

CURATE = services.CURATE
SITE_EDIT = services.SITE_EDIT
NOT_ALLOWED = _("You may not make this change.")


def _files(http_request: HttpRequest) -> Any:
    return http_request.FILES if http_request.method == "POST" else None


def _post(http_request: HttpRequest) -> Any:
    return http_request.POST if http_request.method == "POST" else None


# --- The queue and the list -------------------------------------------------------------------------------


@requires(CURATE)
def queue(http_request: HttpRequest) -> HttpResponse:
    """Suggestions waiting for a decision, the longest waiting first, with the numbers that need attention."""
    user = http_request.user
    page = paginate(http_request, selectors.suggestion_queue_for(user=user), per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.resource_page_record(user=user, resources=page.items)
    return render(http_request, "library/curation/queue.html", {
        "page": page, "counts": selectors.curation_counts_for(user=user), "title": _("Suggested resources"),
        "may_edit_topics": access.has_permission(user, SITE_EDIT),
    })


@requires(CURATE)
def resource_list(http_request: HttpRequest) -> HttpResponse:
    """Every resource of the curator's networks, any status, with filters for broken links and reviews due."""
    user = http_request.user
    form = ResourceFilterForm(http_request.GET or None)
    page = paginate(http_request, selectors.resource_list_for(user=user, filters=form.to_filters()),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.resource_page_record(user=user, resources=page.items)
    partial = bool(getattr(http_request, "htmx", False)) and not http_request.htmx.history_restore_request  # type: ignore[attr-defined]
    template = "library/curation/resource_list.html"
    response = render(http_request, f"{template}#results" if partial else template, {
        "form": form, "page": page, "today": timezone.localdate(), "title": _("All resources"),
    })
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- One resource ------------------------------------------------------------------------------------------


def _resource_page(http_request: HttpRequest, form: ResourceForm, *, title: str, resource: Resource | None = None,
                   original: Resource | None = None, status: int = 200) -> HttpResponse:
    return render(http_request, "library/curation/resource_form.html", {
        "form": form, "resource": resource, "original": original, "title": title,
        "versions": selectors.versions_of(resource) if resource is not None else [],
    }, status=status)


def _save_new(http_request: HttpRequest, form: ResourceForm, save: Callable[[], Resource]) -> HttpResponse | None:
    """Run a create service for a valid form: on success (or a second click of the same form) the redirect to the
    resource; on a refusal None, with the problems put on the form."""
    try:
        resource = save()
    except AlreadySubmitted as already:
        messages.info(http_request, _("This form had already been sent, so the resource was added once."))
        if isinstance(already.existing, Resource):
            return redirect("library:curation-resource-edit", pk=already.existing.pk)
        return redirect("library:curation-resources")
    except PermissionDenied:
        form.add_error(None, NOT_ALLOWED)
    except ValidationError as problem:
        add_service_problem(form, problem)
    else:
        messages.success(http_request, _("“%(title)s” is published.") % {"title": resource.title}
                         if resource.status == ResourceStatus.PUBLISHED
                         else _("“%(title)s” is in the queue.") % {"title": resource.title})
        return redirect("library:curation-resource-edit", pk=resource.pk)
    return None


@requires(CURATE)
def resource_new(http_request: HttpRequest) -> HttpResponse:
    """A curator adds a resource directly: published at once, or kept in the queue."""
    user = http_request.user
    networks = selectors.curation_networks_for(user=user)
    chosen = http_request.POST.get("network") if http_request.method == "POST" else http_request.GET.get("network")
    network = selectors.network_for_new(user=user, network_id=chosen)
    form = ResourceForm(_post(http_request), _files(http_request), mode="create", networks=networks,
                        topics=selectors.topics_for(network=network),
                        initial={"network": str(network.pk), "review_on": ResourceForm.default_review_on(),
                                 "language": (http_request.LANGUAGE_CODE or "en")[:2]})
    if http_request.method == "POST" and form.is_valid():
        done = _save_new(http_request, form, lambda: services.resource_create(
            actor=user, network=network, data=form.to_data(), upload=form.cleaned_data.get("file") or None,
            publish=form.cleaned_data["publish"], submission_key=form.submission_key_value()))
        if done is not None:
            return done
    return _resource_page(http_request, form, title=_("Add a resource"))


@requires(CURATE)
def resource_edit(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    user = http_request.user
    resource = selectors.resource_get_for(user=user, resource_id=pk)
    topic_ids = [topic.pk for topic in resource.topics.all()]
    form = ResourceForm(_post(http_request), _files(http_request), mode="edit", has_file=bool(resource.file),
                        topics=selectors.topics_for(network=resource.network, include=topic_ids),
                        initial=ResourceForm.initial_for(resource))
    if http_request.method == "POST" and form.is_valid():
        try:
            services.resource_edit(
                actor=user, resource=resource, data=form.to_data(), expected_version=form.expected_version(),
                upload=form.cleaned_data.get("file") or None, remove_file=form.cleaned_data.get("remove_file", False),
            )
        except StaleEditError as stale:
            resource.refresh_from_db()
            form.mark_stale(current_version=resource.version, message=str(stale))
        except PermissionDenied:
            form.add_error(None, NOT_ALLOWED)
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(http_request, _("Your changes were saved."))
            return redirect("library:curation-resource-edit", pk=resource.pk)
    return _resource_page(http_request, form, title=_("Edit a resource"), resource=resource)


@requires(CURATE)
def resource_translate(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """Another language version of a resource, starting from the original's values."""
    user = http_request.user
    original = selectors.resource_get_for(user=user, resource_id=pk)
    taken = {original.language, *(version.language for version in selectors.versions_of(original)
                                  if version.status != ResourceStatus.DECLINED)}
    initial = ResourceForm.initial_for(original)
    missing = [code for code, _name in settings.LANGUAGES if code not in taken]
    initial.update({"language": missing[0] if missing else "", "title": "", "summary": "", "url": "",
                    "review_on": original.review_on or ResourceForm.default_review_on()})
    topic_ids = [topic.pk for topic in original.topics.all()]
    form = ResourceForm(_post(http_request), _files(http_request), mode="translate", initial=initial,
                        topics=selectors.topics_for(network=original.network, include=topic_ids))
    if http_request.method == "POST" and form.is_valid():
        done = _save_new(http_request, form, lambda: services.resource_add_translation(
            actor=user, resource=original, data=form.to_data(), upload=form.cleaned_data.get("file") or None,
            publish=form.cleaned_data["publish"], submission_key=form.submission_key_value()))
        if done is not None:
            return done
    return _resource_page(http_request, form, title=_("Add a version in another language"), original=original)


@requires(CURATE)
def resource_file(http_request: HttpRequest, pk: UUID) -> FileResponse:
    """The uploaded PDF, for curators reviewing a suggestion before anything about it is public. Sent as an
    attachment so the browser never renders a sender's file inside our pages."""
    resource = selectors.resource_get_for(user=http_request.user, resource_id=pk)
    if not resource.file:
        raise Http404
    try:
        handle = resource.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=f"resource-{resource.pk}.pdf",
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Decisions ------------------------------------------------------------------------------------------------


def _decision(
    http_request: HttpRequest, pk: UUID, *, form_class: type[Any], template: str, title: str, act: Any,
    done: str, form_kwargs: Any = None, initial: Any = None,
) -> HttpResponse:
    """GET shows the decision's form beside the resource; POST runs the service and returns to the queue (or says
    why nothing was changed)."""
    user = http_request.user
    resource = selectors.resource_get_for(user=user, resource_id=pk)
    kwargs = form_kwargs(resource) if form_kwargs else {}
    form = form_class(_post(http_request), initial={"version": resource.version, **(initial(resource) if initial
                                                                                      else {})}, **kwargs)
    if http_request.method == "POST" and form.is_valid():
        try:
            act(user, resource, form)
        except StaleEditError as stale:
            resource.refresh_from_db()
            form.mark_stale(current_version=resource.version, message=str(stale))
        except PermissionDenied:
            form.add_error(None, NOT_ALLOWED)
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(http_request, done % {"title": resource.title})
            # `resource` is as it was before the decision: a suggestion's curator goes back to the queue.
            return redirect("library:curation-queue" if resource.status == ResourceStatus.SUGGESTED
                            else "library:curation-resources")
    return render(http_request, template, {
        "form": form, "resource": resource, "title": title, "versions": selectors.versions_of(resource),
    })


def _may_notify(resource: Resource) -> dict[str, Any]:
    return {"may_notify": bool(resource.suggested_by_email) and resource.status == ResourceStatus.SUGGESTED}


@requires(CURATE)
def resource_approve(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    def act(user: Any, resource: Resource, form: ApproveForm) -> None:
        services.resource_approve(
            actor=user, resource=resource, expected_version=form.expected_version(),
            summary=form.cleaned_data["summary"], review_on=form.cleaned_data.get("review_on"),
            notify_suggester=form.cleaned_data.get("notify", False),
        )

    return _decision(
        http_request, pk, form_class=ApproveForm, template="library/curation/approve.html",
        title=_("Review and publish"), act=act, done=_("“%(title)s” is published."), form_kwargs=_may_notify,
        initial=lambda resource: {"summary": resource.summary,
                                  "review_on": resource.review_on or ResourceForm.default_review_on()},
    )


@requires(CURATE)
def resource_decline(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    def act(user: Any, resource: Resource, form: DeclineForm) -> None:
        services.resource_decline(
            actor=user, resource=resource, reason=form.cleaned_data["reason"],
            expected_version=form.expected_version(), notify_suggester=form.cleaned_data.get("notify", False),
        )

    return _decision(
        http_request, pk, form_class=DeclineForm, template="library/curation/decline.html",
        title=_("Decline a suggestion"), act=act, done=_("“%(title)s” was declined."), form_kwargs=_may_notify,
    )


@requires(CURATE)
def resource_withdraw(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    def act(user: Any, resource: Resource, form: WithdrawForm) -> None:
        services.resource_withdraw(actor=user, resource=resource, expected_version=form.expected_version())

    return _decision(
        http_request, pk, form_class=WithdrawForm, template="library/curation/withdraw.html",
        title=_("Withdraw a resource"), act=act, done=_("“%(title)s” was withdrawn from the library."),
    )


# --- Topics (site.edit) --------------------------------------------------------------------------------------


@requires(SITE_EDIT)
def topic_list(http_request: HttpRequest) -> HttpResponse:
    """The network's topics, in order, with how many resources use each; and a form to add one."""
    user = http_request.user
    networks = selectors.curation_networks_for(user=user, permission=SITE_EDIT)
    form = NewTopicForm(_post(http_request), networks=networks)
    if http_request.method == "POST" and form.is_valid():
        network = selectors.network_for_new(user=user, network_id=form.cleaned_data.get("network"),
                                            permission=SITE_EDIT)
        try:
            topic = services.topic_create(
                actor=user, network=network, name_en=form.cleaned_data["name_en"],
                name_es=form.cleaned_data["name_es"], position=form.cleaned_data.get("position"),
                submission_key=form.submission_key_value(),
            )
        except AlreadySubmitted:
            messages.info(http_request, _("This form had already been sent, so the topic was added once."))
            return redirect("library:curation-topics")
        except PermissionDenied:
            form.add_error(None, NOT_ALLOWED)
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(http_request, _("The topic “%(name)s” was added.") % {"name": topic.name})
            return redirect("library:curation-topics")
    return render(http_request, "library/curation/topics.html", {
        "topics": list(selectors.topic_list_for(user=user)), "form": form, "title": _("Library topics"),
        "several_networks": len(networks) > 1,
    })


@requires(SITE_EDIT)
def topic_edit(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """Rename or move a topic; retire it (no longer offered) or bring it back."""
    user = http_request.user
    topic = selectors.topic_get_for(user=user, topic_id=pk)
    action = http_request.POST.get("action", "save") if http_request.method == "POST" else ""
    if action in ("retire", "restore"):
        services.topic_set_active(actor=user, topic=topic, active=action == "restore")
        messages.success(http_request, _("The topic “%(name)s” is retired: it is no longer offered.")
                         % {"name": topic.name} if action == "retire"
                         else _("The topic “%(name)s” is offered again.") % {"name": topic.name})
        return redirect("library:curation-topics")
    form = TopicEditForm(_post(http_request), initial={"name_en": topic.name_en, "name_es": topic.name_es,
                                                       "position": topic.position, "version": topic.version})
    if action == "save" and form.is_valid():
        try:
            services.topic_edit(actor=user, topic=topic, name_en=form.cleaned_data["name_en"],
                                name_es=form.cleaned_data["name_es"],
                                position=form.cleaned_data["position"] if form.cleaned_data.get("position")
                                is not None else topic.position, expected_version=form.expected_version())
        except StaleEditError as stale:
            form.mark_stale(current_version=selectors.topic_get_for(user=user, topic_id=pk).version,
                            message=str(stale))
        except PermissionDenied:
            form.add_error(None, NOT_ALLOWED)
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(http_request, _("The topic was saved."))
            return redirect("library:curation-topics")
    return render(http_request, "library/curation/topic_edit.html", {
        "form": form, "topic": topic, "title": _("Edit a topic"),
    })
