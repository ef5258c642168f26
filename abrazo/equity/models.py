"""Equity settings and the per-child, per-school-year rollup the dashboard reads.

The rollup holds one row per child enrolled at any time in a school year (July to June), with the
child's demographics copied in and the year's event counts per outcome. A network-wide dashboard for
one year is then one GROUP BY over an index range instead of a join of enrolments, children and
incidents. Tasks refresh the rows of the children a write touched; `abrazo equity_rollup` rebuilds.
Periods that are not whole school years are computed from the source tables by the same selectors.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel


class EquitySettings(BaseModel):
    network = models.OneToOneField("directory.Network", on_delete=models.CASCADE, related_name="equity_settings")
    min_cell = models.PositiveSmallIntegerField(
        _("fewest children with the outcome before a ratio is calculated"), default=10
    )
    min_n = models.PositiveSmallIntegerField(_("fewest children enrolled before a ratio is calculated"), default=30)
    suppress_up_to = models.PositiveSmallIntegerField(
        _("hide published counts of children from 1 up to"), default=10
    )
    show_weighted_risk_ratio = models.BooleanField(_("also show the weighted risk ratio"), default=False)


class ChildYear(models.Model):
    id = models.BigAutoField(primary_key=True)
    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("directory.Program", on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey("incidents.Child", on_delete=models.CASCADE, related_name="years")
    school_year = models.PositiveSmallIntegerField()  # the year it starts: 2025 = July 2025 to June 2026
    race_ethnicity = models.CharField(max_length=40)
    gender = models.CharField(max_length=16)
    iep = models.BooleanField()
    dll = models.BooleanField()
    home_language = models.CharField(max_length=8, blank=True)
    incidents = models.PositiveIntegerField(default=0)
    iss = models.PositiveIntegerField(default=0)
    oss = models.PositiveIntegerField(default=0)
    dismissals = models.PositiveIntegerField(default=0)
    exclusions = models.PositiveIntegerField(default=0)  # events that were ISS, OSS or dismissal
    days_lost = models.DecimalField(max_digits=7, decimal_places=1, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "school_year"], name="child_year_unique")]
        indexes = [
            models.Index(fields=["network", "school_year"]),
            models.Index(fields=["region", "school_year"]),
            models.Index(fields=["program", "school_year"]),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.school_year}"
