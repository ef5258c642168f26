"""Reads shared by the workforce pages. Each area (applications, cohorts, supervision...) keeps its own
scoped reads in its `<area>_selectors.py`; this module holds what several of them need."""

from __future__ import annotations

from uuid import UUID

from abrazo.directory.models import Network
from abrazo.workforce.models import DEFAULT_COUNTABLE_KINDS, WorkforceSettings


def workforce_settings_for(network: Network | UUID | str) -> WorkforceSettings:
    """The network's workforce settings, created with the defaults (24 and 50 hours) the first time."""
    network_id = network.pk if isinstance(network, Network) else network
    found, _ = WorkforceSettings.objects.get_or_create(
        network_id=network_id, defaults={"countable_kinds": list(DEFAULT_COUNTABLE_KINDS)}
    )
    return found
