"""Writes to the competency framework and consultants' ratings: access-checked, atomic, audited.

Domains are never deleted: ratings point at them, so retiring a domain (`is_active` false) stops new ratings
on it and keeps every past one. A rating is one assessment of every domain in use, by the consultant
themselves or by their supervisor; which of the two it is follows from who rates whom, never from the form.
Failures the person can fix are `ValidationError`s keyed by form field name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import ConsultantProfile, Network
from abrazo.workforce.competency_selectors import (
    COMPETENCY_ASSESS,
    COMPETENCY_MANAGE,
    competency_framework_for,
)
from abrazo.workforce.models import (
    CompetencyAssessment,
    CompetencyDomain,
    CompetencyLevel,
    CompetencyRating,
    RaterKind,
)

DOMAIN_FIELDS = ["name_en", "name_es", "description_en", "description_es", "is_active"]
UP, DOWN = "up", "down"


def _submission_owner(actor: Any) -> str:
    return f"competency:{actor.pk}"


def _require(actor: Any, permission: str, obj: Any) -> None:
    if not access.can(actor, permission, obj):
        raise PermissionDenied(permission)


def level_field(domain: CompetencyDomain) -> str:
    """The form field (and error key) of a domain's level in the assessment form."""
    return f"level_{domain.key}"


# --- the framework ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainData:
    name_en: str
    name_es: str
    description_en: str = ""
    description_es: str = ""
    is_active: bool = True


def _clean_domain_data(data: DomainData) -> DomainData:
    cleaned = DomainData(name_en=data.name_en.strip(), name_es=data.name_es.strip(),
                         description_en=data.description_en.strip(), description_es=data.description_es.strip(),
                         is_active=data.is_active)
    errors = {}
    if not cleaned.name_en:
        errors["name_en"] = _("Give the domain's name in English.")
    if not cleaned.name_es:
        errors["name_es"] = _("Give the domain's name in Spanish.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _unique_key(network_id: UUID, name: str) -> str:
    base = (slugify(name).replace("-", "_") or "domain")[:50]
    taken = set(CompetencyDomain.objects.filter(network_id=network_id, key__startswith=base)
                .values_list("key", flat=True))
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


@transaction.atomic
def competency_domain_create(
    *, actor: Any, network: Network, data: DomainData, submission_key: UUID | None = None
) -> CompetencyDomain:
    """Add a domain at the end of the network's framework (after the defaults, installed first if needed)."""
    _require(actor, COMPETENCY_MANAGE, network)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=CompetencyDomain)
    data = _clean_domain_data(data)
    competency_framework_for(network)
    # Lock the network's domains so two additions at once take different places and keys.
    positions = list(CompetencyDomain.objects.select_for_update().filter(network=network)
                     .values_list("position", flat=True))
    position = max(positions, default=0) + 1
    domain = CompetencyDomain.objects.create(
        network=network, key=_unique_key(network.pk, data.name_en), position=position, name_en=data.name_en,
        name_es=data.name_es, description_en=data.description_en, description_es=data.description_es,
    )
    audit.record_change(user=actor, obj=domain, action=Action.CREATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=domain)
    return domain


@transaction.atomic
def competency_domain_update(
    *, actor: Any, domain: CompetencyDomain, expected_version: int, data: DomainData
) -> CompetencyDomain:
    """Rename, describe, retire or bring back a domain (made on `expected_version`; a stale one raises
    StaleEditError). The last domain in use cannot be retired: an assessment needs at least one."""
    _require(actor, COMPETENCY_MANAGE, domain)
    data = _clean_domain_data(data)
    if not data.is_active and domain.is_active:
        others = CompetencyDomain.objects.select_for_update().filter(network_id=domain.network_id, is_active=True)
        if not others.exclude(pk=domain.pk).exists():
            raise ValidationError({"is_active": _("This is the last domain in use; add or bring back another "
                                                  "before retiring it.")})
    domain.name_en, domain.name_es = data.name_en, data.name_es
    domain.description_en, domain.description_es, domain.is_active = (
        data.description_en, data.description_es, data.is_active)
    save_versioned(domain, expected_version=expected_version, update_fields=DOMAIN_FIELDS)
    audit.record_change(user=actor, obj=domain, action=Action.UPDATE)
    return domain


@transaction.atomic
def competency_domain_move(*, actor: Any, domain: CompetencyDomain, direction: str) -> bool:
    """Swap a domain in use with its neighbour above or below; False when it is already first or last.
    Positions are renumbered 1..n on the way, so gaps and ties left by older edits disappear."""
    _require(actor, COMPETENCY_MANAGE, domain)
    if direction not in (UP, DOWN):
        raise ValidationError(_("Move a domain up or down."))
    ordered = list(
        CompetencyDomain.objects.select_for_update().filter(network_id=domain.network_id, is_active=True)
        .order_by("position", "name_en", "id")
    )
    index = next((i for i, found in enumerate(ordered) if found.pk == domain.pk), None)
    if index is None:
        raise ValidationError(_("Only domains in use have a place in the order."))
    other = index - 1 if direction == UP else index + 1
    if other < 0 or other >= len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, found in enumerate(ordered, start=1):
        found.position = position
    CompetencyDomain.objects.bulk_update(ordered, ["position"])
    audit.record_change(user=actor, obj=domain, action=Action.UPDATE)
    return True


# --- assessments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentData:
    assessed_on: dt.date
    levels: Mapping[str, int]  # domain key -> level 1..4
    notes: str = ""


def rater_kind_for(*, actor: Any, consultant: ConsultantProfile) -> str:
    """A consultant rating themselves is a self-assessment; anyone else allowed to rate them is their
    supervisor (competency.assess reaches only oneself and one's supervisees)."""
    return RaterKind.SELF if consultant.user_id == actor.pk else RaterKind.SUPERVISOR


@transaction.atomic
def competency_assessment_create(
    *, actor: Any, consultant: ConsultantProfile, data: AssessmentData, submission_key: UUID | None = None
) -> CompetencyAssessment:
    """Record a rating of every domain in use for the consultant, by themselves or their supervisor."""
    _require(actor, COMPETENCY_ASSESS, consultant)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=CompetencyAssessment)
    domains = competency_framework_for(consultant.network_id)
    errors: dict[str, str] = {}
    if data.assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The date cannot be in the future.")
    for domain in domains:
        if data.levels.get(domain.key) not in CompetencyLevel.values:
            errors[level_field(domain)] = _("Choose a level for %(domain)s.") % {"domain": domain.label}  # type: ignore[attr-defined]
    unknown = set(data.levels) - {domain.key for domain in domains}
    if unknown:
        errors["__all__"] = _("The framework changed while you were rating; check the domains below and save "
                              "again.")
    if errors:
        raise ValidationError(errors)
    assessment = CompetencyAssessment.objects.create(
        network_id=consultant.network_id, consultant=consultant, rater=actor,
        rater_kind=rater_kind_for(actor=actor, consultant=consultant), assessed_on=data.assessed_on,
        notes=data.notes.strip(),
    )
    CompetencyRating.objects.bulk_create([
        CompetencyRating(assessment=assessment, domain=domain, level=data.levels[domain.key]) for domain in domains
    ])
    audit.record_change(user=actor, obj=assessment, action=Action.CREATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=assessment)
    return assessment
