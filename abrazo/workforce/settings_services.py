"""Changing a network's workforce settings: the endorsement hour thresholds, which kinds of supervision count
toward them, and the share of session hours a cohort participant must attend to complete. Access-checked
(`network.configure`), atomic, audited; a save over someone else's newer save is refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
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
    *, actor: Any, network: Network, data: SettingsData, expected_version: int
) -> WorkforceSettings:
    """Save the settings as seen at `expected_version` (StaleEditError if someone saved since)."""
    if not access.can(actor, NETWORK_CONFIGURE, network):
        raise PermissionDenied(NETWORK_CONFIGURE)
    _check(data)
    current = workforce_settings_for(network)
    current.endorsement_hours_first = data.endorsement_hours_first
    current.endorsement_hours_second = data.endorsement_hours_second
    current.countable_kinds = [kind for kind in SupervisionKind.values if kind in data.countable_kinds]  # usual order
    current.completion_attendance_share = data.completion_attendance_share
    save_versioned(current, expected_version=expected_version, update_fields=[
        "endorsement_hours_first", "endorsement_hours_second", "countable_kinds", "completion_attendance_share",
    ])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current
