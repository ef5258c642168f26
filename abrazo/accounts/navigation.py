"""Role-aware navigation: a link appears only when the person holds the permission behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, url name, permission, or a tuple of permissions any of which shows the link, or None for
# everyone signed in)
NAVIGATION: list[tuple[Any, str, str | tuple[str, ...] | None]] = [
    (_("Dashboard"), "core:home", None),
    (_("Triage"), "intake:triage-queue", "request.triage"),
    (_("Requests"), "intake:request-list", "request.view"),
    (_("My caseload"), "consultations:caseload", "episode.work"),
    (_("Caseloads"), "consultations:team", "team.view"),
    (_("Episodes"), "consultations:episode-list", "episode.view"),
    (_("Groups"), "consultations:group-list", "group.view"),
    (_("Helpline log"), "consultations:brief-list", "brief.view"),
    (_("Early warnings"), "incidents:warning-list", "warning.view"),
    (_("Children"), "incidents:child-list", "child.view"),
    (_("Incidents"), "incidents:incident-list", "incident.view"),
    (_("Equity"), "equity:dashboard", "equity.dashboard"),
    (_("Measures"), "measures:instrument-list", "instrument.view"),
    (_("Outcomes"), "measures:outcomes", "outcomes.view"),
    (_("Programs"), "directory:program-list", "program.view"),
    (_("Consultants"), "directory:consultant-list", "consultant.view"),
    (_("Agencies"), "directory:agency-list", "agency.view"),
    (_("Regions"), "directory:region-list", "region.view"),
    # Bulk import of the directory (issue 8): abrazo/directory/imports.py.
    (_("Directory imports"), "directory:import-home", "directory.import"),
    (_("Cohorts"), "workforce:cohort-list", "cohort.view"),
    (_("Applications"), "workforce:application-list", "application.review"),
    (_("Supervision"), "workforce:supervision-list", "supervision.view"),
    (_("Competencies"), "workforce:competency-consultants", "competency.view"),
    (_("Workforce report"), "workforce:capacity-report", "workforce.report"),
    (_("Feedback"), "workforce:feedback-overview", "feedback.view"),
    # Network reports (issue 8): exact for report.view, suppressed for evaluators (report.view_suppressed).
    (_("Reports"), "reports:report", ("report.view", "report.view_suppressed")),
    # Exports centre (issue 8, part 2: reports/export_views.py): files of record lists, needs export.download.
    (_("Exports"), "exports:centre", "export.download"),
    (_("Resource library"), "library:resource-list", None),
    (_("Library curation"), "library:curation-queue", "resource.curate"),
    (_("Site pages"), "site:page-list", "site.edit"),
    (_("Audit log"), "audit:event-list", "audit.view"),
    # Break glass (issue 9): supervisors ask for emergency access; administrators review every one.
    (_("Emergency access"), "access:emergency", "breakglass.open"),
    (_("Emergency access review"), "audit:break-glass-list", "breakglass.review"),
]


def _shown(user: Any, permission: str | tuple[str, ...] | None) -> bool:
    if permission is None:
        return True
    permissions = (permission,) if isinstance(permission, str) else permission
    return any(access.has_permission(user, name) for name in permissions)


def navigation_for(user: Any, request: HttpRequest) -> list[NavItem]:
    links = [
        (str(label), reverse(url_name))
        for label, url_name, permission in NAVIGATION
        if _shown(user, permission)
    ]
    # The current page belongs to the link with the longest matching path: /episodes/groups/ is
    # "Groups", not "Episodes" as well.
    matching = [url for _, url in links if request.path == url or (url != "/" and request.path.startswith(url))]
    current = max(matching, key=len, default=None)
    return [NavItem(label=label, url=url, active=url == current) for label, url in links]
