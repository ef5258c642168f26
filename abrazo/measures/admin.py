"""Instruments in the admin: for looking things up, read-only.

Changes go through the services, which check definitions with the scoring engine, version edits and
write the audit trail; an admin form would do none of that. Shipped instruments (no network) are not
listed here at all: the admin shows only the networks a person administers.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from abrazo.core.admin_scoping import NetworkScopedAdmin
from abrazo.measures.models import Instrument, Scale


class ScaleInline(admin.TabularInline):
    model = Scale
    fields = ["position", "key", "name_en", "kind", "method", "score_min", "score_max", "higher_is_better"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Instrument)
class InstrumentAdmin(NetworkScopedAdmin):
    list_display = ["name_en", "level", "respondent", "source", "scores_only", "public_domain", "is_active"]
    list_filter = ["level", "respondent", "source", "scores_only", "public_domain"]
    search_fields = ["name_en", "name_es", "key"]
    fields = ["network", "key", "name_en", "name_es", "level", "respondent", "languages", "minutes",
              "public_domain", "licence_holder", "licence_note", "scores_only", "source", "redcap_form",
              "is_active", "version"]
    readonly_fields = fields
    inlines = [ScaleInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
