"""Writes for resources in an episode's work: attaching a published resource to the action plan, removing it,
and sending it by email to a family member or a teacher in their language.

The same person who changes the plan does these ("episode.work": the assigned consultant), on an open episode,
like the goals (consultations/services.py). A refusal is written to the audit ledger after the rollback
(`atomic_service`). The ledger names the records (link, share), never an email address or a note.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.consultations.models import FINISHED_PHASES, ActionPlan, Episode
from abrazo.consultations.services import Refused, atomic_service
from abrazo.core.submissions import claim_submission, remember_submission, submitted_pk
from abrazo.library import plan_tasks
from abrazo.library.models import PlanResource, Resource, ResourceShare, ResourceStatus

WORK = "episode.work"
NOTE_MAX = 500
NAME_MAX = 200
MESSAGE_MAX = 2000


def _submission_owner(actor: Any) -> str:
    return f"library-plans:{actor.pk}"


def _require_work(actor: Any, episode: Episode, action: str) -> Episode:
    """Refuse unless the actor works the episode; then re-read it under a row lock and insist it is open, so
    that a closure at the same moment cannot slip past."""
    if not access.can(actor, WORK, episode):
        raise Refused(WORK, object_type="consultations.episode", object_id=episode.pk, action=action)
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    if locked.phase in FINISHED_PHASES:
        raise ValidationError(_("This episode is closed."))
    return locked


@atomic_service
def plan_resource_attach(*, actor: Any, episode: Episode, resource: Resource, note: str = "") -> PlanResource:
    """Attach a published resource of the episode's network to its action plan, with why it helps. Attaching
    one that is already there changes nothing and returns the existing link (a second click, two tabs).

    The plan is started by its first goal (consultations.services.goal_add); there is no plan without one."""
    episode = _require_work(actor, episode, Action.CREATE)
    plan = ActionPlan.objects.filter(episode=episode).first()
    if plan is None:
        raise ValidationError(_("The action plan starts with its first goal: add a goal, then attach resources."))
    if resource.network_id != episode.network_id or resource.status != ResourceStatus.PUBLISHED:
        raise ValidationError(_("Only published resources of the library can be added to the plan."))
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep the note under %(count)s characters.") % {"count": NOTE_MAX}})
    link, created = PlanResource.objects.get_or_create(
        plan=plan, resource=resource, defaults={"note": note, "added_by": actor})
    if created:
        audit.record_change(user=actor, obj=link, action=Action.CREATE)
    return link


@atomic_service
def plan_resource_remove(*, actor: Any, link: PlanResource, submission_key: UUID | None = None) -> Episode:
    """Take a resource off the plan (what was already sent stays on record). Returns the episode, and remembers
    it under the form's key so that a second click, once the link is gone, can still be sent back to it."""
    episode = _require_work(actor, link.plan.episode, Action.DELETE)
    audit.record_change(user=actor, obj=link, action=Action.DELETE)
    link.delete()
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=episode)
    return episode


def episode_of_submission(*, actor: Any, submission_key: UUID | None) -> Episode | None:
    """The episode a submission already changed, for a second click on a remove whose link is gone. Only one the
    actor still works: the key alone reveals nothing."""
    episode_id = submitted_pk(owner=_submission_owner(actor), key=submission_key)
    if episode_id is None:
        return None
    return Episode.objects.visible_to(actor, WORK).filter(pk=episode_id).first()


def version_to_send(resource: Resource, language: str) -> Resource:
    """The published version of the resource in `language` (same work: a translation); failing that, the
    resource itself, whose own language the email then names."""
    if resource.language == language and resource.status == ResourceStatus.PUBLISHED:
        return resource
    translation = (Resource.objects.published().filter(work_id=resource.work_id, language=language)
                   .order_by("published_at", "pk").first())
    if translation is not None:
        return translation
    if resource.status != ResourceStatus.PUBLISHED:
        raise ValidationError(_("This resource is no longer published, so it cannot be sent."))
    return resource


@atomic_service
def resource_share_send(
    *,
    actor: Any,
    link: PlanResource,
    recipient_name: str,
    recipient_email: str,
    language: str,
    message: str = "",
    submission_key: UUID | None = None,
) -> ResourceShare:
    """Send an attached resource to a family member or a teacher: the version in their language if the library
    has one, else the original with a line saying which language it is in. The email, written in their language,
    leaves through the task queue once this has committed; a second submit of the same form sends nothing more."""
    episode = _require_work(actor, link.plan.episode, Action.CREATE)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=ResourceShare)
    recipient_name, recipient_email, message = recipient_name.strip(), recipient_email.strip(), message.strip()
    problems: dict[str, str] = {}
    if not recipient_name or len(recipient_name) > NAME_MAX:
        problems["recipient_name"] = _("Write the name of the person you are sending it to.")
    try:
        validate_email(recipient_email)
    except ValidationError:
        problems["recipient_email"] = _("Enter an email address like name@example.org.")
    if language not in dict(settings.LANGUAGES):
        problems["language"] = _("Choose the language the person reads.")
    if len(message) > MESSAGE_MAX:
        problems["message"] = _("Keep the note under %(count)s characters.") % {"count": MESSAGE_MAX}
    if problems:
        raise ValidationError(problems)
    share = ResourceShare.objects.create(
        episode=episode, resource=version_to_send(link.resource, language), recipient_name=recipient_name,
        recipient_email=recipient_email, language=language, message=message, sent_by=actor,
    )
    audit.record_change(user=actor, obj=share, action=Action.CREATE)
    share_id = str(share.pk)
    transaction.on_commit(lambda: plan_tasks.send_resource_share.enqueue(share_id))
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=share)
    return share
