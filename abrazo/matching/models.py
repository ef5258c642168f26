"""A network's matching settings: how much each soft preference weighs when consultants are ranked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import VersionedModel
from abrazo.matching.engine import MAX_WEIGHT, Weights

_DEFAULTS = Weights()


def _weight(label: Any, default: float, help_text: Any) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=5, decimal_places=2, default=Decimal(str(default)), help_text=help_text,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(str(MAX_WEIGHT)))],
    )


class MatchingSettings(VersionedModel):
    """One row per network (none means the defaults). Weights are points: a suggestion's cost adds, for
    each preference it does not meet, up to that preference's weight; the cheapest is ranked first.
    `version` catches two administrators saving at once."""

    network = models.OneToOneField(
        "directory.Network", on_delete=models.CASCADE, related_name="matching_settings"
    )
    continuity = _weight(
        _("continuity"), _DEFAULTS.continuity,
        _("Points against a consultant who has not worked with the requesting program before."),
    )
    balance = _weight(
        _("balanced caseloads"), _DEFAULTS.balance,
        _("Points for a full caseload, in proportion: a consultant at half their capacity costs half of this."),
    )
    region = _weight(
        _("regional proximity"), _DEFAULTS.region,
        _("Points against a consultant whose home region is not the request's region."),
    )
    specialism = _weight(
        _("specialisms"), _DEFAULTS.specialism,
        _("Points against a consultant who lacks the specialisms a request asks for, in proportion."),
    )

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")

    def __str__(self) -> str:
        return str(_("Matching settings of %(network)s") % {"network": self.network})

    @property
    def weights(self) -> Weights:
        return Weights(
            continuity=float(self.continuity), balance=float(self.balance),
            region=float(self.region), specialism=float(self.specialism),
        )
