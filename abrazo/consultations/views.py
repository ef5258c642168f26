"""Episode screens. Views parse the request, call a selector or a service, and render; nothing more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.audit import services as audit
from abrazo.consultations import selectors, services
from abrazo.consultations.forms import (
    AdvanceForm,
    AgreementForm,
    BriefContactForm,
    BriefFilterForm,
    BriefToRequestForm,
    CloseForm,
    ConsentExceptionForm,
    ConsentForm,
    ContactForm,
    EpisodeFilterForm,
    FollowUpForm,
    GoalForm,
    GoalRatingForm,
    GoalSignoffForm,
    GroupFilterForm,
    GroupForm,
    GroupMemberForm,
    GroupSessionForm,
    ReferralForm,
    ReferralUpdateForm,
    RemoveMemberForm,
    RevokeConsentForm,
)
from abrazo.consultations.models import BriefContact, Episode, Group, Phase
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.pagination import paginate
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import Network

FORM_TEMPLATE = "consultations/form_page.html"
WORK = "episode.work"


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _run(request: HttpRequest, form: Any, save: Callable[[], Any], *, success: str, episode: Episode) -> Any:
    """Call the service for a valid posted form: a redirect to the episode, or None to show the errors again
    (the person's input stays in the bound form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save()
    except AlreadySubmitted:
        # A second submit of a create form (double tap, reload): the first one's record stands, nothing is added.
        messages.info(request, _("This form had already been sent, so nothing was added twice."))
        return redirect(episode.get_absolute_url())
    except (ValidationError, StaleEditError) as problem:
        form.add_error(None, problem.messages if isinstance(problem, ValidationError) else str(problem))
        return None
    messages.success(request, success)
    return redirect(episode.get_absolute_url())


def _form_page(request: HttpRequest, form: Any, *, title: str, episode: Episode, **extra: Any) -> HttpResponse:
    return render(request, FORM_TEMPLATE, {"form": form, "title": title, "episode": episode, **extra})


# --- Lists ------------------------------------------------------------------------------------------


@requires("episode.view")
def episode_list(request: HttpRequest) -> HttpResponse:
    """Episodes the person may see: program staff their program's, coordinators their region's..."""
    form = EpisodeFilterForm(request.GET or None)
    phase, open_only = "", False
    if form.is_valid():
        phase, open_only = form.cleaned_data["phase"], form.cleaned_data["open_only"]
    page = paginate(request, selectors.episode_list_for(user=request.user, phase=phase, open_only=open_only),
                    per_page=50)
    from abrazo.audit import services as audit

    audit.record_list(user=request.user, model=Episode, ids=[episode.pk for episode in page.items])
    return render(request, "consultations/episode_list.html", {"form": form, "page": page})


@requires(WORK)
def caseload(request: HttpRequest) -> HttpResponse:
    """The consultant's own open episodes and what is due this week."""
    return render(request, "consultations/caseload.html", {"caseload": selectors.caseload_for(user=request.user)})


@requires("team.view")
def team_caseloads(request: HttpRequest) -> HttpResponse:
    """Supervisors: their consultants' caseloads and overdue follow-ups (coordinators: their region's)."""
    return render(request, "consultations/team.html", {"team": selectors.team_caseloads_for(user=request.user)})


# --- The episode page ------------------------------------------------------------------------------


@requires("episode.view")
def episode_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk)
    detail = selectors.episode_detail_for(user=request.user, episode=episode)
    walk = episode.phases
    reached = walk.index(episode.phase) if episode.phase in walk else -1
    steps = [
        {"label": Phase(phase).label, "current": index == reached, "done": index < reached}
        for index, phase in enumerate(walk)
    ]
    from abrazo.measures.administration_selectors import episode_section_for

    return render(request, "consultations/episode_detail.html", {
        "episode": episode, "detail": detail, "phase_steps": steps,
        "measures": episode_section_for(user=request.user, episode=episode),  # None for program staff
    })


# --- The work of an episode -------------------------------------------------------------------------


@requires(WORK)
def contact_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The quick log, built for a phone: one column, big targets, everything defaulted."""
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    form = ContactForm(_posted(request), episode=episode)

    def save() -> Any:
        data = form.cleaned_data
        return services.contact_log(
            actor=_actor(request), episode=episode, contact_date=data["contact_date"], minutes=data["minutes"],
            modality=data["modality"], activity_type=data["activity_type"], language=data["language"],
            participants=data["participants"], topics=data["topics"], notes=data["notes"],
            minutes_in_classroom=data["minutes_in_classroom"], submission_key=form.submission_key_value(),
        )

    done = _run(request, form, save, success=_("Contact logged."), episode=episode)
    return done or render(request, "consultations/contact_form.html", {"form": form, "episode": episode})


@requires(WORK)
def consent_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    form = ConsentForm(_posted(request), request.FILES if request.method == "POST" else None)

    def save() -> Any:
        data = form.cleaned_data
        return services.consent_record(
            actor=_actor(request), episode=episode, given_by_name=data["given_by_name"],
            relationship=data["relationship"], given_on=data["given_on"], scope=data["scope"],
            expires_on=data["expires_on"], form=data["form"],
        )

    done = _run(request, form, save, success=_("Consent recorded."), episode=episode)
    return done or _form_page(request, form, title=_("Record consent"), episode=episode)


@requires(WORK)
def consent_revoke(request: HttpRequest, pk: UUID) -> HttpResponse:
    consent = selectors.consent_get_for(user=request.user, consent_id=pk)
    episode = consent.episode
    form = RevokeConsentForm(_posted(request))
    if consent.revoked_at is not None:
        messages.info(request, _("This consent was already revoked."))
        return redirect(episode.get_absolute_url())

    def save() -> Any:
        return services.consent_revoke(actor=_actor(request), consent=consent, reason=form.cleaned_data["reason"])

    done = _run(request, form, save, success=_("Consent revoked."), episode=episode)
    return done or _form_page(request, form, title=_("Revoke consent"), episode=episode, danger=True)


@requires("episode.notes")
def consent_form(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The signed form, to the consultant and their supervisor only; every download is audited."""
    consent = selectors.consent_form_for(user=request.user, consent_id=pk)
    response = FileResponse(
        consent.form.open("rb"), as_attachment=True,
        filename=consent.form_original_name or f"consent{consent.form.name[-4:]}",
        content_type=consent.form_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "no-store, private"
    return response


@requires("episode.consent_exception")
def consent_exception(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission="episode.consent_exception")
    form = ConsentExceptionForm(_posted(request))

    def save() -> Any:
        return services.consent_exception_record(
            actor=_actor(request), episode=episode, reason=form.cleaned_data["reason"]
        )

    done = _run(request, form, save, success=_("Exception recorded."), episode=episode)
    return done or _form_page(request, form, title=_("Let the work proceed without consent"), episode=episode,
                              intro=_("Use this only when waiting for written consent would harm the child; "
                                      "record consent as soon as the family gives it."))


@requires(WORK)
def agreement_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    agreement = getattr(episode, "agreement", None)
    initial: dict[str, Any] = {}
    if agreement is not None:
        initial = {"scope": agreement.scope, "expected_duration_weeks": agreement.expected_duration_weeks,
                   "schedule": agreement.schedule, "agreed_on": agreement.agreed_on, "version": agreement.version}
    else:
        from django.utils import timezone

        initial = {"agreed_on": timezone.localdate()}
    form = AgreementForm(_posted(request), initial=initial)

    def save() -> Any:
        data = form.cleaned_data
        return services.agreement_record(
            actor=_actor(request), episode=episode, scope=data["scope"],
            expected_duration_weeks=data["expected_duration_weeks"], schedule=data["schedule"],
            agreed_on=data["agreed_on"], expected_version=data["version"],
        )

    done = _run(request, form, save, success=_("Agreement saved."), episode=episode)
    return done or _form_page(request, form, title=_("Agreement"), episode=episode)


@requires(WORK)
def goal_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    form = GoalForm(_posted(request), episode=episode)

    def save() -> Any:
        data = form.cleaned_data
        return services.goal_add(
            actor=_actor(request), episode=episode, description=data["description"], strategies=data["strategies"],
            owner=data["owner"], target_date=data["target_date"], for_child=data.get("for_child", False),
        )

    done = _run(request, form, save, success=_("Goal added to the action plan."), episode=episode)
    return done or _form_page(request, form, title=_("Add a goal"), episode=episode)


@requires(WORK)
def goal_rate(request: HttpRequest, pk: UUID) -> HttpResponse:
    goal = selectors.goal_get_for(user=request.user, goal_id=pk)
    episode = goal.plan.episode
    form = GoalRatingForm(_posted(request), initial={"attainment": goal.attainment, "version": goal.version})

    def save() -> Any:
        return services.goal_rate(actor=_actor(request), goal=goal, attainment=form.cleaned_data["attainment"],
                                  expected_version=form.cleaned_data["version"])

    done = _run(request, form, save, success=_("Attainment recorded."), episode=episode)
    return done or _form_page(request, form, title=_("Rate attainment"), episode=episode, subject=goal.description)


@requires(WORK)
def goal_signoff(request: HttpRequest, pk: UUID) -> HttpResponse:
    goal = selectors.goal_get_for(user=request.user, goal_id=pk)
    episode = goal.plan.episode
    form = GoalSignoffForm(_posted(request))

    def save() -> Any:
        data = form.cleaned_data
        return services.goal_family_signoff(actor=_actor(request), goal=goal,
                                            family_member_name=data["family_member_name"], signed_on=data["signed_on"])

    done = _run(request, form, save, success=_("Family sign-off recorded."), episode=episode)
    return done or _form_page(request, form, title=_("Family sign-off"), episode=episode, subject=goal.description)


@requires(WORK)
def referral_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    form = ReferralForm(_posted(request))

    def save() -> Any:
        data = form.cleaned_data
        return services.referral_add(
            actor=_actor(request), episode=episode, service_type=data["service_type"],
            service_detail=data["service_detail"], status=data["status"], outcome=data["outcome"],
        )

    done = _run(request, form, save, success=_("Referral recorded."), episode=episode)
    return done or _form_page(request, form, title=_("Add a referral"), episode=episode)


@requires(WORK)
def referral_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    referral = selectors.referral_get_for(user=request.user, referral_id=pk)
    episode = referral.episode
    form = ReferralUpdateForm(
        _posted(request), initial={"status": referral.status, "outcome": referral.outcome, "version": referral.version}
    )

    def save() -> Any:
        data = form.cleaned_data
        return services.referral_update(actor=_actor(request), referral=referral, status=data["status"],
                                        outcome=data["outcome"], expected_version=data["version"])

    done = _run(request, form, save, success=_("Referral updated."), episode=episode)
    return done or _form_page(request, form, title=_("Update the referral"), episode=episode,
                              subject=str(referral))


@requires(WORK)
def episode_advance(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Ask before moving to the next phase: phases never move back."""
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    target = episode.next_phase()
    form = AdvanceForm(_posted(request), initial={"version": episode.version, "to_phase": target or ""})

    def save() -> Any:
        return services.episode_advance(actor=_actor(request), episode=episode,
                                        expected_version=form.cleaned_data["version"],
                                        to_phase=form.cleaned_data["to_phase"] or None)

    target_label = Phase(target).label if target else ""
    done = _run(request, form, save, success=_("Moved to “%(phase)s”.") % {"phase": target_label}, episode=episode)
    return done or render(request, "consultations/advance.html",
                          {"form": form, "episode": episode, "target": target_label})


@requires(WORK)
def episode_close(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    form = CloseForm(_posted(request), episode=episode, initial={"version": episode.version})

    def save() -> Any:
        return services.episode_close(actor=_actor(request), episode=episode,
                                      expected_version=form.cleaned_data["version"], **form.values())

    done = _run(request, form, save, success=_("Episode closed; the follow-up is scheduled in a month."),
                episode=episode)
    return done or _form_page(request, form, title=_("Close the episode"), episode=episode,
                              unavailable=None if episode.is_open else _("This episode is already closed."))


@requires(WORK)
def followup_record(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(user=request.user, episode_id=pk, permission=WORK)
    followup = getattr(episode, "followup", None)
    form = FollowUpForm(_posted(request), episode=episode)
    unavailable = None
    if followup is None:
        unavailable = _("The follow-up is scheduled when the episode closes.")
    elif followup.completed_at is not None:
        unavailable = _("The follow-up has already been recorded.")
    if unavailable is not None:
        return _form_page(request, form, title=_("Follow-up"), episode=episode, unavailable=unavailable)

    def save() -> Any:
        return services.followup_record(actor=_actor(request), followup=followup, **form.values())

    done = _run(request, form, save, success=_("Follow-up recorded."), episode=episode)
    return done or _form_page(request, form, title=_("Follow-up"), episode=episode)


# --- Groups and brief contacts -------------------------------------------------------------------------

GROUP_MANAGE = "group.manage"
BRIEF_LOG = "brief.log"
REFUSED_GROUP = gettext_lazy("You may manage only the groups you facilitate, or the groups of the region you "
                             "coordinate.")
REFUSED_BRIEF = gettext_lazy("You may log only calls from the counties of the region you coordinate.")


def _network_or_404(request: HttpRequest, permission: str) -> Network:
    """The network a new group or call goes to: the one where the person holds the permission."""
    from django.http import Http404

    from abrazo.directory.selectors import network_for

    network = network_for(user=request.user, permission=permission)
    if network is None:
        raise Http404
    return network


def _attempt(request: HttpRequest, form: Any, save: Callable[[], Any], *, refused: str) -> tuple[bool, Any]:
    """Call the service for a valid posted form: (True, its result), or (False, None) with the problem shown
    on the form (the person's input stays in the bound form). A second submit of the same create form
    answers with what the first one created."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        return True, save()
    except AlreadySubmitted as done:
        messages.info(request, _("This form had already been sent, so nothing was added twice."))
        return True, done.existing
    except services.Refused:
        form.add_error(None, refused)
    except StaleEditError as stale:
        form.add_error(None, str(stale))
    except ValidationError as problem:
        try:
            form.add_error(None, problem)
        except (ValueError, TypeError):  # an error about a field this form does not show
            form.add_error(None, problem.messages)
    return False, None


@requires("group.view")
def group_list(request: HttpRequest) -> HttpResponse:
    form = GroupFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {name: form.cleaned_data[name] for name in ("kind", "active_only", "mine_only")}
    page = paginate(request, selectors.group_list_for(user=request.user, **filters), per_page=50)
    audit.record_list(user=request.user, model=Group, ids=[group.pk for group in page.items])
    return render(request, "consultations/groups/group_list.html", {
        "form": form, "page": page, "may_create": access.has_permission(request.user, GROUP_MANAGE),
    })


@requires(GROUP_MANAGE)
def group_create(request: HttpRequest) -> HttpResponse:
    network = _network_or_404(request, GROUP_MANAGE)
    form = GroupForm(_posted(request), user=request.user, network=network)
    done, group = _attempt(request, form, lambda: services.group_create(
        actor=_actor(request), data=form.to_data(), submission_key=form.submission_key_value()
    ), refused=REFUSED_GROUP)
    if done:
        messages.success(request, _("Group created. Add its members next."))
        return redirect(group.get_absolute_url() if group else "consultations:group-list")
    return render(request, "consultations/groups/group_form.html", {"form": form, "group": None})


@requires("group.view")
def group_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    group = selectors.group_get_for(user=request.user, group_id=pk)
    detail = selectors.group_detail_for(user=request.user, group=group)
    return render(request, "consultations/groups/group_detail.html", {"group": group, "detail": detail})


@requires(GROUP_MANAGE)
def group_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    group = selectors.group_get_for(user=request.user, group_id=pk, permission=GROUP_MANAGE)
    form = GroupForm(_posted(request), user=request.user, network=group.network, group=group)
    done, _saved = _attempt(request, form, lambda: services.group_update(
        actor=_actor(request), group=group, data=form.to_data(),
        expected_version=form.cleaned_data["version"] or group.version,
    ), refused=REFUSED_GROUP)
    if done:
        messages.success(request, _("Group saved."))
        return redirect(group.get_absolute_url())
    return render(request, "consultations/groups/group_form.html", {"form": form, "group": group})


@requires(GROUP_MANAGE)
def group_member_add(request: HttpRequest, pk: UUID) -> HttpResponse:
    group = selectors.group_get_for(user=request.user, group_id=pk, permission=GROUP_MANAGE)
    form = GroupMemberForm(_posted(request), user=request.user, group=group)
    done, member = _attempt(request, form, lambda: services.group_member_add(
        actor=_actor(request), group=group, **form.cleaned_data
    ), refused=REFUSED_GROUP)
    if done:
        messages.success(request, _("%(name)s added to the group.") % {"name": member.name})
        if "another" in request.POST:
            return redirect("consultations:group-member-add", pk=group.pk)
        return redirect(group.get_absolute_url())
    return render(request, "consultations/groups/member_form.html", {"form": form, "group": group})


@requires(GROUP_MANAGE)
def group_member_remove(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Ask before taking a member off the group; their past attendance stays."""
    member = selectors.group_member_get_for(user=request.user, member_id=pk)
    group = member.group
    form = RemoveMemberForm(_posted(request))
    done, _removed = _attempt(request, form, lambda: services.group_member_remove(
        actor=_actor(request), member=member, left_on=form.cleaned_data["left_on"]
    ), refused=REFUSED_GROUP)
    if done:
        messages.success(request, _("%(name)s is no longer a member.") % {"name": member.name})
        return redirect(group.get_absolute_url())
    return render(request, "consultations/groups/member_remove.html", {"form": form, "member": member,
                                                                      "group": group})


@requires(GROUP_MANAGE)
def group_session_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Log a meeting and who came, on a phone: one tap per member present."""
    group = selectors.group_get_for(user=request.user, group_id=pk, permission=GROUP_MANAGE)
    form = GroupSessionForm(_posted(request), group=group)

    def save() -> Any:
        data = form.cleaned_data
        return services.group_session_log(
            actor=_actor(request), group=group, date=data["date"], minutes=data["minutes"],
            modality=data["modality"], present=[member.pk for member in data["present"]], topics=data["topics"],
            guests=data["guests"], notes=data["notes"], submission_key=form.submission_key_value(),
        )

    done, _session = _attempt(request, form, save, refused=REFUSED_GROUP)
    if done:
        messages.success(request, _("Session logged."))
        return redirect(group.get_absolute_url())
    return render(request, "consultations/groups/session_form.html", {"form": form, "group": group})


@requires("brief.view")
def brief_list(request: HttpRequest) -> HttpResponse:
    """Recent helpline calls and drop-ins, newest first, with filters."""
    form = BriefFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {name: form.cleaned_data[name] for name in ("kind", "outcome", "topic", "since", "until",
                                                              "mine_only")}
    page = paginate(request, selectors.brief_list_for(user=request.user, **filters), per_page=50)
    audit.record_list(user=request.user, model=BriefContact, ids=[contact.pk for contact in page.items])
    return render(request, "consultations/brief/brief_list.html", {
        "form": form, "page": page, "may_log": access.has_permission(request.user, BRIEF_LOG),
    })


@requires(BRIEF_LOG)
def brief_new(request: HttpRequest) -> HttpResponse:
    """The quick log of a call or drop-in: a few taps on a phone, the rest defaulted."""
    network = _network_or_404(request, BRIEF_LOG)
    form = BriefContactForm(_posted(request), user=request.user, network=network)
    done, contact = _attempt(request, form, lambda: services.brief_contact_log(
        actor=_actor(request), network=network, data=form.to_data(), submission_key=form.submission_key_value()
    ), refused=REFUSED_BRIEF)
    if done:
        messages.success(request, _("Logged."))
        return redirect(contact.get_absolute_url() if contact else "consultations:brief-list")
    return render(request, "consultations/brief/brief_form.html", {"form": form})


@requires("brief.view")
def brief_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    contact = selectors.brief_get_for(user=request.user, brief_id=pk)
    return render(request, "consultations/brief/brief_detail.html", {
        "contact": contact, "notes": selectors.brief_notes_for(user=request.user, contact=contact),
        "may_convert": access.can(request.user, BRIEF_LOG, contact),
        "may_see_request": contact.request is not None and access.can(request.user, "request.view",
                                                                     contact.request),
    })


@requires(BRIEF_LOG)
def brief_to_request(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Turn the call into a request for consultation: a confirmation pre-filled from the call, then one POST.
    A second submit (double click, reload) gets the request the first one made."""
    contact = selectors.brief_get_for(user=request.user, brief_id=pk, permission=BRIEF_LOG)
    form = BriefToRequestForm(_posted(request), contact=contact)
    if contact.request is None:
        done, result = _attempt(request, form, lambda: services.brief_contact_to_request(
            actor=_actor(request), brief_contact=contact, details=form.to_details()
        ), refused=REFUSED_BRIEF)
        if done:
            intake_request, created = result
            if created:
                messages.success(request, _("Request %(reference)s created; it is in the triage queue.")
                                 % {"reference": intake_request.reference})
            else:
                messages.info(request, _("This call was already turned into request %(reference)s.")
                              % {"reference": intake_request.reference})
            return redirect(contact.get_absolute_url())
    elif request.method == "POST":
        messages.info(request, _("This call was already turned into request %(reference)s.")
                      % {"reference": contact.request.reference})
        return redirect(contact.get_absolute_url())
    return render(request, "consultations/brief/brief_to_request.html", {"form": form, "contact": contact})
