"""Changing a network's workforce settings: the endorsement hour thresholds, which kinds of supervision count
toward them, and the share of session hours a cohort participant must attend to complete. Access-checked
(`network.configure`), atomic, audited; a save over someone else's newer save is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.models import Network
from abrazo.workforce.models import SupervisionKind, WorkforceSettings
from abrazo.workforce.selectors import workforce_settings_for

NETWORK_CONFIGURE = "network.configure"
MAX_HOURS = Decimal(9999)


@dataclass(frozen=True)
class SettingsData:
    endorsement_hours_first: Decimal
    endorsement_hours_second: Decimal
    countable_kinds: Sequence[str]
    completion_attendance_share: Decimal  # 0..1


def _check(data: SettingsData) -> None:
    errors: dict[str, str] = {}
    if not Decimal(0) < data.endorsement_hours_first <= MAX_HOURS:
        errors["endorsement_hours_first"] = _("Enter a number of hours above zero.")
    if not Decimal(0) < data.endorsement_hours_second <= MAX_HOURS:
        errors["endorsement_hours_second"] = _("Enter a number of hours above zero.")
    elif data.endorsement_hours_second < data.endorsement_hours_first:
        errors["endorsement_hours_second"] = _("The second level needs at least as many hours as the first.")
    if not data.countable_kinds:
        errors["countable_kinds"] = _("Choose at least one kind of supervision that counts.")
    elif set(data.countable_kinds) - set(SupervisionKind.values):
        errors["countable_kinds"] = _("Choose among the listed kinds.")
    if not Decimal(0) <= data.completion_attendance_share <= Decimal(1):
        errors["completion_attendance_share"] = _("Enter a share between 0 and 100%.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def workforce_settings_update(
    *, actor: Any, network: Network, data: SettingsData, expected_updated_at: dt.datetime | None
) -> WorkforceSettings:
    """Save the settings as seen at `expected_updated_at` (StaleEditError if someone saved since)."""
    if not access.can(actor, NETWORK_CONFIGURE, network):
        raise PermissionDenied(NETWORK_CONFIGURE)
    _check(data)
    current = workforce_settings_for(network)
    kinds = [kind for kind in SupervisionKind.values if kind in data.countable_kinds]  # in the usual order
    loaded = expected_updated_at or current.updated_at
    changed = WorkforceSettings.objects.filter(pk=current.pk, updated_at=loaded).update(
        endorsement_hours_first=data.endorsement_hours_first, endorsement_hours_second=data.endorsement_hours_second,
        countable_kinds=kinds, completion_attendance_share=data.completion_attendance_share,
        updated_at=timezone.now(),
    )
    if changed != 1:
        raise StaleEditError(str(StaleEditError.message))
    current.refresh_from_db()
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current
