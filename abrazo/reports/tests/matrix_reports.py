"""The network report pages for the permission matrix (tests/security/matrix.py).

They take no argument (the scope and period are query parameters, checked against the person's reach by the view:
an out-of-reach scope is a 404, tested in test_report_views.py). What the matrix needs to know is who may open them:
either report permission, "report.view" (exact) or "report.view_suppressed" (evaluators), which @requires cannot
say, so the pages are declared @signed_in and the files @requires("export.download"); this table names the
permissions of which a role must hold at least one besides, so that the expected answer is computed from POLICY
rather than from the decorator alone.
"""

from __future__ import annotations

REPORT_PERMISSIONS = ("report.view", "report.view_suppressed")

REQUIRES_ONE_OF: dict[str, tuple[str, ...]] = dict.fromkeys(
    ("reports:report", "reports:print", "reports:pdf", "reports:download"), REPORT_PERMISSIONS
)
