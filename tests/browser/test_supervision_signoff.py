"""Reflective supervision in a browser: a consultant 1.5 hours short of the first endorsement level logs a
reflective session and an administrative check-in; their supervisor sees them waiting on the team page, signs
off the reflective one in bulk and the check-in from its page; the consultant's progress moves to the first
level reached, the administrative hour shown apart as not counting. axe-core checks every page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from abrazo.directory.models import ConsultantProfile
from abrazo.workforce.models import SupervisionLog, SupervisionStatus
from abrazo.workforce.tests.factories_supervision import SupervisionLogFactory
from tests.browser.conftest import Pages
from tests.browser.test_service_loop import sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def log_a_session(page: Any, *, kind: str, hours: str, topics: str) -> None:
    page.get_by_role("link", name="Log supervision").click()
    page.wait_for_load_state()
    form = page.locator("main form.supervision-form")
    form.get_by_label(kind, exact=True).check()
    form.get_by_label("Individual", exact=True).check()
    form.get_by_label("Hours").fill(hours)
    form.get_by_label("Topics").fill(topics)
    form.get_by_role("button", name="Log the session").click()
    page.wait_for_load_state()


def test_a_supervisor_signs_off_supervision_and_the_consultants_progress_moves(live_server, page, pages: Pages,
                                                                               world):
    person, supervisor = world.people["consultant"], world.people["supervisor"]
    consultant = ConsultantProfile.objects.get(user=person)
    # given 15 signed-off monthly reflective sessions of 1.5 hours: 22.5 of the 24 hours of the first level
    for month in range(15):
        SupervisionLogFactory(supervisee=consultant, signed_off=True,
                              held_on=timezone.localdate() - dt.timedelta(days=30 * (month + 1)))

    # when the consultant opens their supervision page
    sign_in_as(page, live_server, person)
    page.goto(live_server.url + reverse("workforce:supervision-list"))
    pages.visit_step("consultant-supervision")
    progress = page.locator("main .endorsement-progress")
    assert "22.5 of 24 hours (93%)" in progress.inner_text()

    # and logs this week's reflective session, with their own supervisor already chosen
    log_a_session(page, kind="Reflective", hours="1.5", topics="Parallel process with a tired teaching team")
    pages.visit_step("logged")
    assert page.get_by_text("Waiting for sign-off").first.is_visible()
    # and an administrative check-in, which does not count toward endorsement
    page.goto(live_server.url + reverse("workforce:supervision-list"))
    log_a_session(page, kind="Administrative", hours="1", topics="Caseload and scheduling")
    assert SupervisionLog.objects.filter(supervisee=consultant, status=SupervisionStatus.LOGGED).count() == 2

    # then their page shows the 1.5 reflective hours waiting and nothing counted yet
    page.goto(live_server.url + reverse("workforce:supervision-list"))
    pages.visit_step("consultant-waiting")
    progress_text = page.locator("main .endorsement-progress").inner_text()
    assert "1.5 more hours are waiting for the supervisor's sign-off" in progress_text
    assert "22.5 of 24 hours (93%)" in progress_text

    # when the supervisor opens their team page
    sign_in_as(page, live_server, supervisor)
    page.goto(live_server.url + reverse("workforce:supervision-team"))
    pages.visit_step("team-before")
    row = page.locator("main table.team-progress tbody tr", has_text=person.full_name)
    assert "22.5 of 24 (93%)" in row.inner_text()
    # and signs off the reflective session from the list of logs waiting for them
    page.get_by_role("link", name="Waiting for your sign-off").first.click()
    page.wait_for_load_state()
    pages.visit_step("waiting-for-sign-off")
    reflective = SupervisionLog.objects.get(supervisee=consultant, status=SupervisionStatus.LOGGED, kind="reflective")
    page.locator(f"input[name=log][value='{reflective.pk}:{reflective.version}']").check()
    page.get_by_role("button", name="Sign off the selected logs").click()
    page.wait_for_load_state()
    assert page.get_by_text("1 log signed off (1.5 hours).").is_visible()
    pages.visit_step("signed-off-in-bulk")
    # and signs off the check-in from its own page
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    pages.visit_step("log-detail")
    page.get_by_role("button", name="Sign off").click()
    page.wait_for_load_state()
    assert page.get_by_text("Signed off. This kind of supervision does not count toward endorsement.").is_visible()
    assert not SupervisionLog.objects.filter(supervisee=consultant, status=SupervisionStatus.LOGGED).exists()

    # then the team page shows the first level reached
    page.goto(live_server.url + reverse("workforce:supervision-team"))
    row = page.locator("main table.team-progress tbody tr", has_text=person.full_name)
    assert "24 reached" in row.inner_text() and "24 of 50 (48%)" in row.inner_text()
    pages.visit_step("team-after")

    # and so does the consultant's own page, with the administrative hour apart
    sign_in_as(page, live_server, person)
    page.goto(live_server.url + reverse("workforce:supervision-list"))
    progress_text = page.locator("main .endorsement-progress").inner_text()
    assert "24 signed-off hours count toward endorsement" in progress_text
    assert "Reached" in progress_text and "1 signed-off hour is of a kind that does not count." in progress_text
    assert "24 of 50 hours (48%)" in progress_text
    pages.visit_step("consultant-after")
    # and the signed-off logs are locked
    signed = SupervisionLog.objects.get(supervisee=consultant, kind="reflective", held_on=timezone.localdate())
    assert (signed.status, signed.signed_off_by, signed.hours) == (SupervisionStatus.SIGNED_OFF, supervisor,
                                                                   Decimal("1.5"))
    page.goto(live_server.url + reverse("workforce:supervision-detail", args=[signed.pk]))
    assert page.get_by_role("link", name="Correct").count() == 0
